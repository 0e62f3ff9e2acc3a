// A keep-alive load at a fixed rate on `POST /score`, for the length of a rollout: every request
// is answered 200 with a score, or it is a failed request, counted by what went wrong.
// Hand-written on node's http.Agent because autocannon (the project's load tool) writes the next
// request on a socket the server has just answered with `Connection: close` and paces in
// one-second bursts; http.Agent is a correct HTTP/1.1 keep-alive client at an even rate.
import { Agent, request } from 'node:http';

/** What to send, where and how fast; the load stops by itself after maxDurationMs. */
export interface LoadOptions {
  /** Only 127.0.0.1 (a NodePort) or a pod IP of this cluster (docs/e2e-cluster.md, network rules). */
  url: string;
  /** Requests per second, spread evenly. */
  ratePerSec: number;
  /** Keep-alive connections (the agent's maxSockets); requests go round-robin over them. */
  connections: number;
  /** Hard bound: the load stops itself after this long even if stop() is never called. */
  maxDurationMs: number;
  /** A request not answered in this time is a failed request. Default 10 000 ms. */
  timeoutMs?: number;
}

/** One failed request: when (ms from the start), and what went wrong. */
export interface LoadFailure {
  atMs: number;
  error: string;
}

/** What the load saw. */
export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  /** Failed requests by cause: `ECONNRESET`, `status 503`, `timeout`, `bad body`... */
  byCause: Record<string, number>;
  /** The first few failures, in order, to tell what happened. */
  firstFailures: LoadFailure[];
  /** Answered requests by the model version that answered (/score reports it): who served. */
  byModelVersion: Record<string, number>;
  /** Connections the agent opened (a server's `Connection: close` makes the client open another). */
  connectionsOpened: number;
  durationMs: number;
}

/** A running load; stop() ends it and waits for the requests in flight. */
export interface RunningLoad {
  /** Requests sent and failed so far (for a caller that waits for the load to be steady). */
  progress(): { sent: number; ok: number; failed: number };
  stop(): Promise<LoadReport>;
}

/** An iris row the service scores (setosa). */
const BODY = JSON.stringify({ X: [5.1, 3.5, 1.4, 0.2] });
const TICK_MS = 10;

/** Rejects any target but loopback and the cluster's own 198.18.0.0/15 (the machine's network rule). */
export function checkLoadTarget(url: string): URL {
  const u = new URL(url);
  const host = u.hostname;
  const ok = /^127\./.test(host) || /^198\.(18|19)\./.test(host);
  if (u.protocol !== 'http:' || !ok)
    throw new Error(
      `load target ${url}: expected http:// to 127.0.0.0/8 or the cluster's 198.18.0.0/15`,
    );
  return u;
}

/** Starts the load at once. */
export function startLoad(opts: LoadOptions): RunningLoad {
  const target = checkLoadTarget(opts.url);
  if (!(opts.ratePerSec > 0 && opts.connections > 0 && opts.maxDurationMs > 0))
    throw new Error(
      `load options: rate, connections and maxDurationMs must be positive (${JSON.stringify(opts)})`,
    );
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxRequests = Math.ceil((opts.ratePerSec * opts.maxDurationMs) / 1000);
  // fifo: a freed socket goes to the back of the line, so every connection stays busy.
  const agent = new Agent({
    keepAlive: true,
    maxSockets: opts.connections,
    maxFreeSockets: opts.connections,
    scheduling: 'fifo',
  });
  const report: LoadReport = {
    sent: 0,
    ok: 0,
    failed: 0,
    byCause: {},
    firstFailures: [],
    byModelVersion: {},
    connectionsOpened: 0,
    durationMs: 0,
  };
  const start = Date.now();
  let inFlight = 0;
  let stopped = false;
  let drained: (() => void) | undefined;
  const sockets = new WeakSet<object>();

  const fail = (error: string): void => {
    report.failed += 1;
    report.byCause[error] = (report.byCause[error] ?? 0) + 1;
    if (report.firstFailures.length < 10)
      report.firstFailures.push({ atMs: Date.now() - start, error });
  };
  const done = (): void => {
    inFlight -= 1;
    if (stopped && inFlight === 0) drained?.();
  };

  const send = (): void => {
    report.sent += 1;
    inFlight += 1;
    let settled = false;
    const settle = (error?: string, modelVersion?: string): void => {
      if (settled) return;
      settled = true;
      if (error) fail(error);
      else report.ok += 1;
      if (modelVersion)
        report.byModelVersion[modelVersion] = (report.byModelVersion[modelVersion] ?? 0) + 1;
      done();
    };
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
        res.on('end', () => {
          if (res.statusCode !== 200) return settle(`status ${res.statusCode}`);
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              score?: unknown;
              model?: { version?: string };
            };
            if (Array.isArray(body.score)) settle(undefined, body.model?.version ?? '?');
            else settle('bad body');
          } catch {
            // The cause is the point here, not the parser's message.
            settle('bad body');
          }
        });
      },
    );
    req.on('socket', (socket) => {
      if (sockets.has(socket)) return;
      sockets.add(socket);
      report.connectionsOpened += 1;
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle(err.message === 'timeout' ? 'timeout' : (err.code ?? err.message)),
    );
    req.end(BODY);
  };

  // Even pacing without drift: each tick sends what the rate owes since the start.
  const timer = setInterval(() => {
    const due = Math.min(maxRequests, Math.floor(((Date.now() - start) * opts.ratePerSec) / 1000));
    while (report.sent < due) send();
    if (report.sent >= maxRequests) clearInterval(timer);
  }, TICK_MS);

  return {
    progress: () => ({ sent: report.sent, ok: report.ok, failed: report.failed }),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      report.durationMs = Date.now() - start;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      agent.destroy();
      return report;
    },
  };
}

/** `12,345 requests at 150/s over 8 connections, 0 failed` (+ causes when some failed). */
export function formatLoad(
  r: LoadReport,
  opts: Pick<LoadOptions, 'ratePerSec' | 'connections'>,
): string {
  const causes = Object.entries(r.byCause)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
  return (
    `${r.sent} requests at ${opts.ratePerSec}/s over ${opts.connections} keep-alive connections ` +
    `(${r.connectionsOpened} opened) in ${(r.durationMs / 1000).toFixed(1)}s: ${r.ok} ok, ${r.failed} failed` +
    (r.failed
      ? ` (${causes}; first: ${r.firstFailures.map((f) => `+${(f.atMs / 1000).toFixed(1)}s ${f.error}`).join(', ')})`
      : '')
  );
}
