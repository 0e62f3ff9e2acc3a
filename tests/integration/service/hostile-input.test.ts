// Hostile input against the real service process (the bundle the image runs): every finding of
// issue 17 that concerns the service, and the refusals that already worked, so they stay refused.
// Each case ends with the process still alive and answering. Memory under concurrent worst-case
// load is measured in `npm run bench -- service`, not here.
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_BODY_BYTES,
  MAX_CONNECTIONS,
  MAX_IN_FLIGHT_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_ROWS,
} from '../../../service/src/limits.js';
import {
  bundleService,
  listening,
  rawConnection,
  rawExchange,
  startService,
  waitFor,
  type RawConnection,
  type Running,
} from './service-process.js';

const work = mkdtempSync(join(tmpdir(), 'score-api-hostile-'));
const bundle = join(work, 'bundle');
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const JSON_TYPE = { 'content-type': 'application/json' };

let svc: Running;
let port: number;

beforeAll(async () => {
  bundleService(bundle);
  svc = startService(bundle, { LOG_LEVEL: 'info', DRAIN_DELAY_MS: '0' });
  port = await listening(svc);
});

afterAll(async () => {
  svc.child.kill('SIGKILL');
  await svc.exited;
});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const score = (body: unknown) => post('/score', JSON.stringify(body));
const infer = (body: unknown) => post('/v2/models/iris-classifier/infer', JSON.stringify(body));
const tensor = (over: Record<string, unknown> = {}) => ({
  name: 'input-0',
  datatype: 'FP64',
  shape: [1, 4],
  data: SETOSA,
  ...over,
});
const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? NaN);

/** The process is still up and serving. */
async function expectAlive(): Promise<void> {
  expect(svc.child.exitCode).toBeNull();
  const res = await score({ X: SETOSA });
  expect(res.status).toBe(200);
}

async function inFlightBytes(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^score_api_in_flight_bytes (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe('issue 17 findings (service)', () => {
  it('1. thousands of repeated outputs are refused by the output-entry cap (413), two by 400', async () => {
    // The 660 KB body that used to end in "JavaScript heap out of memory".
    const outputs = Array.from({ length: 26_400 }, () => ({ name: 'probabilities' }));
    const body = JSON.stringify({ inputs: [tensor()], outputs });
    expect(body.length).toBeGreaterThan(650_000);
    const res = await post('/v2/models/iris-classifier/infer', body);
    expect(res.status).toBe(413);
    expect(res.json()).toEqual({
      error: 'outputs has 26400 entries; the cap is 2, one per model output (label, probabilities)',
    });
    const twice = await infer({
      inputs: [tensor()],
      outputs: [{ name: 'label' }, { name: 'label' }],
    });
    expect(twice.status).toBe(400);
    expect(twice.json().error).toBe('outputs[1] repeats "label"; ask for each output once');
    await expectAlive();
  });

  it('5. overflow is refused after every conversion; huge finite values get real probabilities', async () => {
    for (const X of [
      [1e308, 1e308, 1e308, 1e308],
      [1e308, -1e308, 1e308, -1e308],
    ]) {
      const res = await score({ X });
      expect(res.status).toBe(422);
      expect(res.json().error).toMatch(
        /^X row 0 gives a non-finite logit for class \w+: its values are too large in magnitude for the model$/,
      );
    }
    const fp32 = await infer({
      inputs: [tensor({ datatype: 'FP32', data: [1e39, 1, 1, 1] })],
    });
    expect(fp32.status).toBe(400);
    expect(fp32.json().error).toMatch(/^inputs\[0\]\.data\[0\] is 1e\+39, outside the FP32 range/);
    const fp64 = await infer({ inputs: [tensor({ data: [1, 1, 1e308, 1e308] })] });
    expect(fp64.status).toBe(400);
    expect(fp64.json().error).toMatch(/^inputs\[0\] row 0 gives a non-finite logit/);

    const huge = await score({ X: [1e300, -1e300, 1e300, 1e300] });
    expect(huge.status).toBe(200);
    const probabilities = Object.values(huge.json().score[0].probabilities) as unknown[];
    expect(probabilities.every((p) => typeof p === 'number' && p >= 0 && p <= 1)).toBe(true);
    expect((probabilities as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(huge.text).not.toMatch(/null|NaN/);
    await expectAlive();
  });

  it('6. 100k rows in a 1 MB body are refused by the row cap (413), five at once too', async () => {
    const rows = Array.from({ length: 100_000 }, () => [1, 2, 3, 4]);
    const body = JSON.stringify({ X: rows });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const results = await Promise.all(Array.from({ length: 5 }, () => post('/score', body)));
    for (const res of results) {
      expect(res.status).toBe(413);
      expect(res.json()).toEqual({
        error: `X has 100000 rows; the cap is ${MAX_ROWS} rows per request`,
      });
    }
    const v2 = await infer({ inputs: [tensor({ shape: [100_000, 4], data: rows })] });
    expect(v2.status).toBe(413);
    expect(v2.json().error).toBe(
      `inputs[0] has 100000 rows; the cap is ${MAX_ROWS} rows per request`,
    );
    // At the cap itself the answer is whole.
    const atCap = await score({ X: rows.slice(0, MAX_ROWS) });
    expect(atCap.status).toBe(200);
    expect(atCap.json().score).toHaveLength(MAX_ROWS);
    expect(atCap.text.length).toBeLessThan(MAX_RESPONSE_BYTES);
    await expectAlive();
  });

  it('7. bad percent-encoding is a 400 with no stack trace in the log', async () => {
    for (const path of ['/v2/models/%zz/infer', '/v2/models/iris-%E0%A4%A/versions/1/infer']) {
      const res = await post(path, JSON.stringify({ inputs: [tensor()] }));
      expect(res.status).toBe(400);
      expect(res.json().error).toMatch(/^Failed to decode param/);
    }
    const bad = await fetch(`http://127.0.0.1:${port}/v2/models/%zz/ready`);
    expect(bad.status).toBe(400);
    await waitFor('request log lines', () =>
      svc.lines().some((l) => l.status === 400 && String(l.path).includes('%zz/ready'))
        ? true
        : undefined,
    );
    const logged = svc.lines().filter((l) => String(l.path ?? '').includes('%'));
    expect(logged.length).toBeGreaterThanOrEqual(3);
    for (const line of logged) expect(line).toMatchObject({ msg: 'request', level: 'info' });
    expect(svc.lines().filter((l) => l.level === 'error')).toEqual([]);
    expect(svc.stderr()).toBe('');
    await expectAlive();
  });

  it('11. ragged v2 data is refused even when the value count matches', async () => {
    const res = await infer({
      inputs: [
        tensor({
          shape: [2, 4],
          data: [
            [1, 2, 3],
            [4, 5, 6, 7, 8],
          ],
        }),
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json().error).toBe(
      'inputs[0].data[0] must be a row of 4 numbers (shape [2, 4]), got an array of 3',
    );
    await expectAlive();
  });

  it('11. Content-Encoding and charset are honoured: refused (415), not ignored; bytes must be UTF-8', async () => {
    const body = JSON.stringify({ X: SETOSA });
    const gzip = await post('/score', body, { 'content-encoding': 'gzip' });
    expect(gzip.status).toBe(415);
    expect(gzip.headers.get('accept-encoding')).toBe('identity');
    expect(gzip.json().error).toBe(
      'Content-Encoding "gzip" is not supported; send the body unencoded',
    );
    expect((await post('/score', body, { 'content-encoding': 'identity' })).status).toBe(200);

    const latin1 = await post('/score', body, {
      'content-type': 'application/json; charset=ISO-8859-1',
    });
    expect(latin1.status).toBe(415);
    expect(latin1.json().error).toBe(
      'charset "ISO-8859-1" is not supported; JSON bodies must be UTF-8',
    );
    const utf8 = await post('/score', body, {
      'content-type': 'application/json; charset="UTF-8"',
    });
    expect(utf8.status).toBe(200);

    const invalid = Buffer.concat([
      Buffer.from('{"X": [5.1, 3.5, 1.4, 0.2], "n": "'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const notUtf8 = await post('/score', invalid);
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.json()).toEqual({ error: 'request body is not valid UTF-8' });
    await expectAlive();
  });
});

describe('refusals that already worked stay refused', () => {
  it('malformed JSON is a 400', async () => {
    const res = await post('/score', '{"X": [1, 2,');
    expect(res.status).toBe(400);
    expect(res.json().error).toMatch(/^request body is not valid JSON/);
  });

  it.each([
    [
      'Content-Length and Transfer-Encoding',
      'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['two Content-Lengths', 'Content-Length: 4\r\nContent-Length: 5\r\n\r\n{}\r\n\r\n'],
    [
      'Transfer-Encoding not ending in chunked',
      'Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ],
    ['an unknown Transfer-Encoding', 'Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'],
    ['a space before the colon', 'Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'],
  ])('request smuggling (%s) is a 400 and the connection is closed', async (_name, rest) => {
    const raw = await rawExchange(
      port,
      `POST /score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n${rest}`,
    );
    expect(raw).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('an oversize body is a 413 whether declared or streamed, and the connection is closed', async () => {
    const big = JSON.stringify({ X: SETOSA, pad: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await post('/score', big);
    expect(declared.status).toBe(413);
    expect(declared.json()).toEqual({
      error: `request body is larger than ${MAX_BODY_BYTES} bytes`,
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let raw = `POST /score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) {
      raw += `${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`;
    }
    const streamed = await rawExchange(port, `${raw}0\r\n\r\n`);
    expect(statusOf(streamed)).toBe(413);
    expect(streamed).toMatch(/\r\nConnection: close\r\n/i);
    await expectAlive();
  });

  it('oversize headers are a 431', async () => {
    const raw = await rawExchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(raw).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
  });

  it('prototype pollution does not reach later requests', async () => {
    for (const body of [
      '{"__proto__": {"X": [[5.1, 3.5, 1.4, 0.2]]}}',
      '{"constructor": {"prototype": {"X": [[5.1, 3.5, 1.4, 0.2]]}}}',
      '{"inputs": [{"__proto__": {"name": "x", "datatype": "FP64", "shape": [1, 4], "data": [1, 2, 3, 4]}}]}',
    ]) {
      const path = body.includes('inputs') ? '/v2/models/iris-classifier/infer' : '/score';
      expect((await post(path, body)).status).toBe(400);
    }
    const clean = await score({});
    expect(clean.status).toBe(400);
    expect(clean.json().error).toMatch(/^missing field X/);
  });

  it('deep nesting is refused quickly', async () => {
    const deep = `{"X": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    expect((await post('/score', deep)).status).toBe(422);
    const deepV2 = JSON.stringify({ inputs: [tensor({ data: 'D' })] }).replace(
      '"D"',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    );
    expect((await post('/v2/models/iris-classifier/infer', deepV2)).status).toBe(400);
    await expectAlive();
  });
});

describe('many clients at once stay within the in-flight byte cap', () => {
  it('uploads beyond the cap get 503 + Retry-After; the bytes come back when they close', async () => {
    const bodyBytes = 999_000;
    const clients = 40;
    const conns = await Promise.all(Array.from({ length: clients }, () => rawConnection(port)));
    // Every upload stops one byte short, so the server holds all it received.
    for (const c of conns) {
      c.socket.write(
        `POST /score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${bodyBytes + 1}\r\n\r\n`,
      );
      c.socket.write(Buffer.alloc(bodyBytes, 0x20));
    }
    // Over the cap by (clients * bodyBytes - cap) bytes, so at least this many uploads are refused.
    const atLeast = Math.ceil((clients * bodyBytes - MAX_IN_FLIGHT_BYTES) / bodyBytes);
    const refusedCount = () => conns.filter((c) => statusOf(c.received()) === 503).length;
    const refused = await waitFor(
      'refusals',
      () => (refusedCount() >= atLeast ? refusedCount() : undefined),
      20_000,
    );
    const inFlightNow = await inFlightBytes();
    expect(inFlightNow).toBeLessThanOrEqual(MAX_IN_FLIGHT_BYTES);
    expect(inFlightNow).toBeGreaterThan(MAX_IN_FLIGHT_BYTES - 2 * bodyBytes);
    const refusal = conns.map((c) => c.received()).find((r) => statusOf(r) === 503) as string;
    expect(refusal).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(refusal).toMatch(/\r\nConnection: close\r\n/i);
    expect(refusal).toContain(
      `server busy: requests in flight already hold ${MAX_IN_FLIGHT_BYTES} bytes`,
    );
    expect(refused).toBeLessThan(clients);

    for (const c of conns) c.socket.destroy();
    await waitFor('bytes given back', async () =>
      (await inFlightBytes()) === 0 ? true : undefined,
    );
    await expectAlive();
  });
});

describe('the connection cap', () => {
  it('over MAX_CONNECTIONS a connection is dropped and the idle keep-alive ones are closed for the next', async () => {
    const idle: RawConnection[] = [];
    let dropped: RawConnection | undefined;
    // Sequential, each left idle after one keep-alive request, until the server drops one.
    while (dropped === undefined && idle.length <= MAX_CONNECTIONS) {
      const c = await rawConnection(port);
      c.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
      const answered = await new Promise<boolean>((resolve) => {
        c.socket.on('data', () => c.received().includes('"ok"') && resolve(true));
        void c.closed.then(() => resolve(false));
      });
      if (answered) idle.push(c);
      else dropped = c;
    }
    expect(dropped?.received()).toBe('');
    // The fetch() pool of this file may hold a few connections too, so slightly fewer raw ones fit.
    expect(idle.length).toBeGreaterThan(MAX_CONNECTIONS - 20);
    expect(idle.length).toBeLessThanOrEqual(MAX_CONNECTIONS);
    await Promise.all(idle.map((c) => c.closed));
    await expectAlive();
  }, 60_000);
});

describe('slow and idle clients are cut off; idle keep-alive connections are kept', () => {
  it('silent, slow-header, slow-body and non-reading clients are closed; a keep-alive one stays', async () => {
    const trickle = (c: RawConnection, text: string) => {
      let i = 0;
      const timer = setInterval(() => {
        if (c.socket.destroyed || i >= text.length) return clearInterval(timer);
        c.socket.write(text[i++] as string);
      }, 1000);
      return timer;
    };
    const silent = await rawConnection(port);
    const slowHeaders = await rawConnection(port);
    slowHeaders.socket.write('POST /score HTTP/1.1\r\n');
    const headerTimer = trickle(
      slowHeaders,
      'Host: t\r\nContent-Type: application/json\r\n'.repeat(4),
    );
    const slowBody = await rawConnection(port);
    slowBody.socket.write(
      'POST /score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
    );
    const bodyTimer = trickle(slowBody, ' '.repeat(100));
    // Pipelined requests for large answers that are never read: the server's writes stall.
    const nonReader = await rawConnection(port);
    nonReader.socket.pause();
    const big = JSON.stringify({ X: Array.from({ length: MAX_ROWS }, () => SETOSA) });
    const one = `POST /score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`;
    nonReader.socket.write(one.repeat(20));
    await waitFor('answers held for the non-reader', async () =>
      (await inFlightBytes()) > 0 ? true : undefined,
    );
    const keepAlive = await rawConnection(port);
    keepAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    await waitFor('keep-alive answer', () =>
      keepAlive.received().includes('"ok"') ? true : undefined,
    );

    try {
      await Promise.all([silent.closed, slowHeaders.closed, slowBody.closed]);
    } finally {
      clearInterval(headerTimer);
      clearInterval(bodyTimer);
    }
    // The answers the non-reader never takes are held (in-flight bytes) until the server gives up on
    // it; only then does it read, finding the connection closed before its 20 answers.
    await waitFor(
      'the non-reader cut off',
      async () => ((await inFlightBytes()) === 0 ? true : undefined),
      30_000,
    );
    nonReader.socket.resume();
    await nonReader.closed;
    expect(nonReader.received().match(/HTTP\/1\.1 200 OK/g)?.length ?? 0).toBeLessThan(20);
    expect(statusOf(silent.received())).toBe(408);
    expect(statusOf(slowHeaders.received())).toBe(408);
    expect(statusOf(slowBody.received())).toBe(408);
    expect(keepAlive.socket.destroyed).toBe(false);
    keepAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await keepAlive.closed;
    expect(keepAlive.received().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(await inFlightBytes()).toBe(0);
    await expectAlive();
  }, 60_000);
});

describe('a model with many classes: the response-size cap', () => {
  it('refuses, before the work, a request whose answer would exceed the cap (413)', async () => {
    const model = JSON.parse(readFileSync(join(bundle, 'model/model.json'), 'utf8'));
    const k = 2000;
    const wide = {
      ...model,
      classes: Array.from({ length: k }, (_, c) => `class-with-a-rather-long-name-${c}`),
      parameters: {
        ...model.parameters,
        weights: Array.from({ length: k }, (_, c) => [c / k, 0, 0, 0]),
        bias: Array.from({ length: k }, () => 0),
      },
    };
    const path = join(work, 'wide-model.json');
    writeFileSync(path, JSON.stringify(wide));
    const wideSvc = startService(bundle, { MODEL_PATH: path, DRAIN_DELAY_MS: '0' });
    try {
      const widePort = await listening(wideSvc);
      const send = (rows: number) =>
        fetch(`http://127.0.0.1:${widePort}/score`, {
          method: 'POST',
          headers: JSON_TYPE,
          body: JSON.stringify({ X: Array.from({ length: rows }, () => SETOSA) }),
        });
      const small = await send(20);
      expect(small.status).toBe(200);
      expect((await small.text()).length).toBeLessThan(MAX_RESPONSE_BYTES);
      const large = await send(200);
      expect(large.status).toBe(413);
      expect(((await large.json()) as { error: string }).error).toMatch(
        new RegExp(
          `^the response would be up to \\d+ bytes; the cap is ${MAX_RESPONSE_BYTES} bytes per response`,
        ),
      );
      expect(wideSvc.child.exitCode).toBeNull();
    } finally {
      wideSvc.child.kill('SIGKILL');
      await wideSvc.exited;
    }
  });
});
