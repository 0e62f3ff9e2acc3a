// The real service process (the esbuild bundle the image runs, on the image's Node 24): SIGTERM drain with an in-flight
// request, and the one-line non-zero exit of a bad release (missing/corrupt model, bad config).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundleService,
  listening,
  rawConnection,
  startService,
  waitFor,
} from './service-process.js';

const work = mkdtempSync(join(tmpdir(), 'score-api-process-'));
const bundle = join(work, 'bundle');
const start = (env: Record<string, string>) => startService(bundle, env);

beforeAll(() => bundleService(bundle));

describe('graceful shutdown of the real process', () => {
  it('fails readiness at once, serves through the drain delay, finishes the in-flight request, exits 0', async () => {
    const svc = start({ DRAIN_DELAY_MS: '1000', LOG_LEVEL: 'info' });
    try {
      const port = await listening(svc);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);

      // An idle keep-alive connection: shutdown must close it rather than wait 620 s for it.
      const idle = await rawConnection(port);
      idle.socket.write(`GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n`);
      await waitFor('idle response', () => (idle.received().includes('"ok"') ? true : undefined));

      // The in-flight request: headers and half the body now, the rest after the listener has closed.
      const body = JSON.stringify({ X: [5.1, 3.5, 1.4, 0.2] });
      const inflight = await rawConnection(port);
      inflight.socket.write(
        `POST /score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      );

      svc.child.kill('SIGTERM');
      await waitFor('draining line', () =>
        svc.lines().find((l) => String(l.msg).startsWith('draining')),
      );
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'draining', error: 'not ready' });
      // Still serving during the drain delay (the load balancer has not caught up yet), but asking
      // keep-alive clients to reconnect, which takes them to a pod that is not draining.
      const during = await fetch(`${base}/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(during.status).toBe(200);
      expect(during.headers.get('connection')).toBe('close');

      // After the drain delay the listener is closed: new connections are refused ...
      await new Promise((r) => setTimeout(r, 1400));
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
      await idle.closed; // ... idle keep-alive connections are gone ...
      expect(svc.child.exitCode).toBeNull(); // ... but the process waits for the in-flight request.

      inflight.socket.write(body.slice(10));
      await inflight.closed;
      const response = inflight.received();
      expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(response).toContain('"label":"setosa"');

      expect(await svc.exited).toEqual({ code: 0, signal: null });
      const msgs = svc.lines().map((l) => l.msg);
      expect(msgs).toContain('stopped: all requests finished');
      expect(svc.stderr()).toBe('');
    } finally {
      svc.child.kill('SIGKILL');
    }
  });

  it('exits 0 on SIGINT too', async () => {
    const svc = start({ DRAIN_DELAY_MS: '0' });
    try {
      await listening(svc);
      svc.child.kill('SIGINT');
      expect(await svc.exited).toEqual({ code: 0, signal: null });
    } finally {
      svc.child.kill('SIGKILL');
    }
  });
});

describe('a bad release exits non-zero with one clear log line', () => {
  async function failing(env: Record<string, string>) {
    const svc = start(env);
    const result = await svc.exited;
    const lines = svc.lines();
    return { result, lines, stderr: svc.stderr() };
  }

  it('missing model file', async () => {
    const missing = join(work, 'does-not-exist.json');
    const { result, lines, stderr } = await failing({ MODEL_PATH: missing });
    expect(result.code).toBe(1);
    expect(lines).toEqual([
      {
        time: expect.any(String),
        level: 'error',
        msg: 'model load failed',
        modelPath: missing,
        reason: 'file not found',
      },
    ]);
    expect(stderr).toBe('');
  });

  it('corrupt (truncated) model file, as the CORRUPT_MODEL=true bundle writes it', async () => {
    const corrupt = join(work, 'corrupt');
    bundleService(corrupt, { CORRUPT_MODEL: 'true' });
    const modelPath = join(corrupt, 'model/model.json');
    expect(() => JSON.parse(readFileSync(modelPath, 'utf8'))).toThrow();
    const { result, lines } = await failing({ MODEL_PATH: modelPath });
    expect(result.code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'model load failed',
      modelPath,
      reason: expect.stringMatching(/^invalid JSON/),
    });
  });

  it('a valid JSON file that is not a model', async () => {
    const path = join(work, 'not-a-model.json');
    writeFileSync(path, '{"weights": []}');
    const { result, lines } = await failing({ MODEL_PATH: path });
    expect(result.code).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'model load failed',
        reason: expect.stringMatching(/^format must be/),
      }),
    ]);
  });

  it('invalid configuration', async () => {
    const { result, lines } = await failing({ PORT: 'eighty', DRAIN_DELAY_MS: 'soon' });
    expect(result.code).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'invalid configuration',
        problems: [
          'PORT must be an integer from 0 to 65535, got "eighty"',
          'DRAIN_DELAY_MS must be an integer from 0 to 600000, got "soon"',
        ],
      }),
    ]);
  });
});
