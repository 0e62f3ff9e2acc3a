// A bounded keep-alive load at a fixed rate: requests start on schedule (open loop, like traffic
// that does not wait for the service) over a pool of persistent connections, spread over all of them
// (FIFO), as a load balancer's or a busy client's pool is. Every failure is counted: a network error,
// a timeout, or any status but the expected one.
import { Agent, request } from 'node:http';

export interface LoadOptions {
  url: string;
  body: string;
  ratePerSecond: number;
  durationMs: number;
  connections: number;
  timeoutMs?: number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  failures: string[];
  /** Answers that carried `Connection: close` (a draining server asking the client to reconnect). */
  closeAnswers: number;
  /** New connections the client had to open. */
  connectionsOpened: number;
}

/** Runs the load and resolves once every request it started has finished. */
export async function keepAliveLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, body, ratePerSecond, durationMs, connections, timeoutMs = 10_000 } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: connections, scheduling: 'fifo' });
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    failed: 0,
    failures: [],
    closeAnswers: 0,
    connectionsOpened: 0,
  };
  const fail = (why: string) => {
    result.failed += 1;
    if (result.failures.length < 10) result.failures.push(why);
  };
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        url,
        {
          agent,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: timeoutMs,
        },
        (res) => {
          if (res.headers.connection === 'close') result.closeAnswers += 1;
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) result.ok += 1;
            else fail(`status ${res.statusCode}`);
            resolve();
          });
          res.on('error', (err) => {
            fail(`response: ${err.message}`);
            resolve();
          });
        },
      );
      req.on('socket', (socket) => {
        if (!(socket as { counted?: boolean }).counted) {
          (socket as { counted?: boolean }).counted = true;
          result.connectionsOpened += 1;
        }
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => {
        fail(`request: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
        resolve();
      });
      req.end(body);
    });

  const inFlight: Promise<void>[] = [];
  const interval = 1000 / ratePerSecond;
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  const t0 = performance.now();
  for (let i = 0; i < total; i += 1) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    result.sent += 1;
    inFlight.push(one());
  }
  await Promise.all(inFlight);
  agent.destroy();
  return result;
}
