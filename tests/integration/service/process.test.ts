// The real service process (the esbuild bundle the image runs, on the image's Node 24): SIGTERM drain with an in-flight
// request, and the one-line non-zero exit of a bad release (missing/corrupt model, bad config).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { node24 } from '../../helpers/node24.js';

const root = new URL('../../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'score-api-process-'));
const bundle = join(work, 'bundle');

beforeAll(() => {
  const res = spawnSync(process.execPath, ['service/scripts/bundle.mjs', '--out', bundle], {
    cwd: root,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`bundle failed: ${res.stderr}`);
});

interface Running {
  child: ChildProcess;
  lines: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function start(env: Record<string, string>): Running {
  const child = spawn(node24(), [join(bundle, 'main.mjs')], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      MODEL_PATH: join(bundle, 'model/model.json'),
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, lines, exited, stderr: () => err };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens a raw HTTP/1.1 connection, so a request can be left half-sent. */
function rawConnection(
  port: number,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c) => (data += c.toString()));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

describe('graceful shutdown of the real process', () => {
  it('fails readiness at once, serves through the drain delay, finishes the in-flight request, exits 0', async () => {
    const svc = start({ DRAIN_DELAY_MS: '1000', LOG_LEVEL: 'info' });
    try {
      const listening = await waitFor('listening line', () =>
        svc.lines().find((l) => l.msg === 'listening'),
      );
      const port = listening.port as number;
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
      // Still serving during the drain delay: the load balancer has not caught up yet.
      const during = await fetch(`${base}/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(during.status).toBe(200);

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
      await waitFor('listening line', () => svc.lines().find((l) => l.msg === 'listening'));
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
    const res = spawnSync(process.execPath, ['service/scripts/bundle.mjs', '--out', corrupt], {
      cwd: root,
      env: { ...process.env, CORRUPT_MODEL: 'true' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
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
