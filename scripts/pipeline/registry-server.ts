/** The real CNCF registry (`docker-registry serve`) on loopback: probe one, or start one with its own config. */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GitopsError } from '../../gitops/errors.js';

/** A registry this process started. */
export interface RegistryServer {
  addr: string;
  pid: number;
  /** Stops the server (SIGTERM) and waits until it no longer answers. */
  stop(): Promise<void>;
}

/** How to start a registry. */
export interface StartRegistryOptions {
  /** host:port to listen on; must be loopback. */
  addr: string;
  /** Folder for the config, the log and (under data/) the blobs; the same folder keeps the images across restarts. */
  dir: string;
  /** An htpasswd file (bcrypt) to require basic auth. */
  htpasswd?: string;
  /** Leave it running after this process exits (the pipeline's embedded registry). */
  detached?: boolean;
  startTimeoutMs?: number;
}

/** The registry could not be started or did not answer. */
export class RegistryStartError extends GitopsError {
  constructor(message: string, hint?: string) {
    super(message, 'REGISTRY_START', hint);
  }
}

/** True when something answers the distribution API at `addr` (200, or 401 when it wants credentials). */
export async function registryAnswers(addr: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`http://${addr}/v2/`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200 || res.status === 401;
  } catch {
    // Connection refused / timeout is the answer "nothing there", not an error to report.
    return false;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The registry's config file text (filesystem storage, deletes allowed, optional htpasswd auth). */
export function registryConfig(addr: string, dataDir: string, htpasswd?: string): string {
  const auth = htpasswd
    ? `auth:\n  htpasswd:\n    realm: pipeline-registry\n    path: ${JSON.stringify(htpasswd)}\n`
    : '';
  return (
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${JSON.stringify(dataDir)}\n` +
    `  delete:\n    enabled: true\n${auth}http:\n  addr: ${addr}\n`
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Starts `docker-registry serve` on `addr` and resolves once /v2/ answers. */
export async function startRegistry(opts: StartRegistryOptions): Promise<RegistryServer> {
  const host = opts.addr.split(':')[0];
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new RegistryStartError(
      `refusing to start a registry on ${opts.addr}: only loopback addresses`,
    );
  }
  // Another server there would answer our readiness probe while our own process fails to bind.
  if (await registryAnswers(opts.addr, 500)) {
    throw new RegistryStartError(
      `docker-registry on ${opts.addr} did not start: a registry already answers there`,
    );
  }
  mkdirSync(join(opts.dir, 'data'), { recursive: true });
  const configFile = join(opts.dir, 'config.yml');
  writeFileSync(configFile, registryConfig(opts.addr, join(opts.dir, 'data'), opts.htpasswd));
  const logFile = join(opts.dir, 'registry.log');
  const fd = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', configFile], {
    detached: opts.detached === true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const failed = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(err.message));
    child.on('exit', (code) => resolve(`exited with ${code}`));
  });
  if (opts.detached) child.unref();
  let early: string | undefined;
  void failed.then((why) => (early = why));
  // Stops early when the process exits (a port it cannot bind, a bad config): no point waiting the timeout.
  const up = await waitFor(
    async () => early !== undefined || (await registryAnswers(opts.addr, 500)),
    opts.startTimeoutMs ?? 10_000,
  ).then((done) => done && early === undefined);
  if (!up || child.pid === undefined) {
    child.kill('SIGTERM');
    const log = existsSync(logFile)
      ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ')
      : '';
    throw new RegistryStartError(
      `docker-registry on ${opts.addr} did not start${early ? ` (${early})` : ''}${log ? `: ${log}` : ''}`,
      "run 'bash scripts/setup.sh' (it installs docker-registry and says what holds the port), or pass --registry",
    );
  }
  if (opts.detached) writeFileSync(join(opts.dir, 'registry.pid'), `${child.pid}\n`);
  const pid = child.pid;
  return {
    addr: opts.addr,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      await waitFor(async () => !(await registryAnswers(opts.addr, 300)), 5000);
    },
  };
}

/**
 * Makes sure a registry answers at `addr`: uses what is there, else starts the real registry in
 * `dir` (detached, so later runs and the deploy check find it). Returns whether it started one.
 */
export async function ensureRegistry(
  addr: string,
  dir: string,
): Promise<{ started: boolean; pid?: number }> {
  if (await registryAnswers(addr)) return { started: false };
  const server = await startRegistry({ addr, dir, detached: true });
  return { started: true, pid: server.pid };
}
