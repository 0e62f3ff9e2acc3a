// Helpers for tests that drive the real service process: the esbuild bundle the image runs, started
// on the image's Node 24 (tools/node24) on a free port, its JSON log lines collected, and raw sockets for half-sent requests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { node24 } from '../../helpers/node24.js';

const root = new URL('../../../', import.meta.url).pathname;

/** Bundles the service into `dir` (main.mjs + model/model.json), as service/Dockerfile does. */
export function bundleService(dir: string, env: Record<string, string> = {}): void {
  const res = spawnSync(process.execPath, ['service/scripts/bundle.mjs', '--out', dir], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`bundle failed: ${res.stderr}`);
}

export interface Running {
  child: ChildProcess;
  lines: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts the bundle in `bundle` with `env` (PORT 0 unless given); see `listening` for its port. */
export function startService(bundle: string, env: Record<string, string>): Running {
  const child = spawn(node24(), [join(bundle, 'main.mjs')], {
    cwd: bundle,
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

/** Polls `probe` every 20 ms until it returns (or resolves to) a value. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the port once the service logged "listening". */
export async function listening(svc: Running): Promise<number> {
  const line = await waitFor('listening line', () =>
    svc.lines().find((l) => l.msg === 'listening'),
  );
  return line.port as number;
}

export interface RawConnection {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

/** Opens a raw HTTP/1.1 connection, so a request can be left half-sent or never read. */
export function rawConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c) => (data += c.toString('latin1')));
    // A reset by the server (it closed with unread bytes) is still "closed" for these tests.
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Sends `raw` (a whole HTTP request, or several) on a new connection and resolves with all it got. */
export async function rawExchange(port: number, raw: string | Buffer): Promise<string> {
  const conn = await rawConnection(port);
  conn.socket.end(raw);
  await conn.closed;
  return conn.received();
}
