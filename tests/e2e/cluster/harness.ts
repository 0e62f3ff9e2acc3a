// Test-side handle on the local e2e cluster (up.sh/down.sh): decides whether the cluster tests
// can run, starts or reuses the cluster, and runs kubectl against it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const CLUSTER_SCRIPTS = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = join(CLUSTER_SCRIPTS, '..', '..', '..');

/** What a running cluster exposes to tests (the variables up.sh writes to $E2E_CLUSTER_DIR/env). */
export interface ClusterHandle {
  kubeconfig: string;
  dir: string;
  gitUrl: string;
  gitRoot: string;
  argocd: boolean;
  /** The real node runs (kubelet + containerd): pods run containers. */
  node: boolean;
  /** The node's sandbox image on the loopback registry: also a tiny image for test pods. */
  pauseImage: string;
  /** True when this process started the cluster and must stop it. */
  owned: boolean;
  startupMs?: number;
}

/** Parses a shell env file of KEY=value lines (# comments, values without spaces) into a map. */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

/** The versions of what build.sh builds (versions.env). */
export function readVersions(): Record<string, string> {
  return readEnvFile(join(CLUSTER_SCRIPTS, 'versions.env'));
}

/** Paths of the binaries up.sh needs, from versions.env, and which of them are not built yet. */
export function missingBinaries(
  cache = process.env.E2E_CLUSTER_CACHE ?? join(REPO_ROOT, '.cache'),
): string[] {
  const v = readVersions();
  const bin = join(cache, 'bin');
  const k8s = [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kubelet',
    'kube-proxy',
  ];
  const wanted = [
    ...k8s.map((cmd) => join(bin, `kubernetes-${v.K8S_VERSION}`, cmd)),
    join(bin, `pause-${v.PAUSE_VERSION}`, 'pause'),
    join(bin, `kustomize-${v.KUSTOMIZE_VERSION}`, 'kustomize'),
  ];
  return wanted.filter((p) => !existsSync(p));
}

/** Why the cluster tests cannot run here, or undefined when they can (E2E_CLUSTER=1 forces a build). */
export function clusterSkipReason(): string | undefined {
  if (process.env.E2E_CLUSTER_KUBECONFIG) return undefined;
  if (process.env.E2E_CLUSTER === '0') return 'E2E_CLUSTER=0';
  if (process.env.E2E_CLUSTER_NODE !== '0' && process.getuid?.() !== 0)
    return 'the real node needs root (mounts, network namespaces, iptables)';
  if (process.env.E2E_CLUSTER === '1') return undefined;
  const missing = missingBinaries();
  if (missing.length === 0) return undefined;
  return (
    `cluster binaries not built (${missing.map((p) => p.replace(REPO_ROOT + '/', '')).join(', ')}); ` +
    'run tests/e2e/cluster/build.sh or set E2E_CLUSTER=1 to build them (cold build: see docs/e2e-cluster.md)'
  );
}

/**
 * Whether the cluster the tests will use runs Argo CD: the running cluster's env file says so, or
 * else up.sh will start it (E2E_CLUSTER_ARGOCD=1, or auto and the argocd binary is built).
 */
export function argocdExpected(
  cache = process.env.E2E_CLUSTER_CACHE ?? join(REPO_ROOT, '.cache'),
): boolean {
  if (process.env.E2E_CLUSTER_KUBECONFIG) return process.env.E2E_CLUSTER_ARGOCD_RUNNING === '1';
  const envFile = join(clusterDir(), 'env');
  if (existsSync(envFile) && clusterProcessAlive(clusterDir(), 'kube-apiserver')) {
    return parseEnvFile(readFileSync(envFile, 'utf8')).E2E_CLUSTER_ARGOCD_RUNNING === '1';
  }
  const want = process.env.E2E_CLUSTER_ARGOCD ?? 'auto';
  if (want === '0') return false;
  if (want === '1') return true;
  return existsSync(join(cache, 'bin', `argocd-${readVersions().ARGOCD_VERSION}`, 'argocd'));
}

function clusterDir(): string {
  return process.env.E2E_CLUSTER_DIR ?? '/tmp/gitops-e2e-cluster';
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = m[2] ?? '';
  }
  return out;
}

function handleFromEnv(env: Record<string, string>, owned: boolean): ClusterHandle {
  return {
    kubeconfig: env.KUBECONFIG ?? '',
    dir: env.E2E_CLUSTER_DIR ?? clusterDir(),
    gitUrl: env.E2E_GIT_URL ?? '',
    gitRoot: env.E2E_GIT_ROOT ?? '',
    argocd: env.E2E_CLUSTER_ARGOCD_RUNNING === '1',
    node: env.E2E_CLUSTER_NODE_RUNNING === '1',
    pauseImage: env.E2E_PAUSE_IMAGE ?? '',
    owned,
  };
}

/** Whether up.sh's process NAME in `dir` still runs: its pid's start time is the one recorded (pids.sh). */
function clusterProcessAlive(dir: string, name: string): boolean {
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  const pid = read(join(dir, 'pids', `${name}.pid`));
  const start = read(join(dir, 'pids', `${name}.start`));
  if (!pid || !/^\d+$/.test(pid) || !start) return false;
  // Fields after the parenthesised command name, which may hold spaces: state first, start time 20th.
  const fields = read(`/proc/${pid}/stat`)
    ?.replace(/^.*\) /s, '')
    .split(' ');
  return fields !== undefined && fields[0] !== 'Z' && fields[19] === start;
}

/**
 * Reuses a running cluster (E2E_CLUSTER_KUBECONFIG, or one that up.sh started in $E2E_CLUSTER_DIR)
 * or starts one with up.sh; `owned` tells the caller whether to stop it.
 */
export async function startCluster(
  log: (line: string) => void = () => undefined,
): Promise<ClusterHandle> {
  const external = process.env.E2E_CLUSTER_KUBECONFIG;
  if (external) {
    return {
      kubeconfig: external,
      dir: clusterDir(),
      gitUrl: process.env.E2E_GIT_URL ?? '',
      gitRoot: process.env.E2E_GIT_ROOT ?? '',
      argocd: process.env.E2E_CLUSTER_ARGOCD_RUNNING === '1',
      node: process.env.E2E_CLUSTER_NODE_RUNNING === '1',
      pauseImage: process.env.E2E_PAUSE_IMAGE ?? '',
      owned: false,
    };
  }
  const dir = clusterDir();
  const envFile = join(dir, 'env');
  if (existsSync(envFile) && clusterProcessAlive(dir, 'kube-apiserver')) {
    log(`reusing the cluster running in ${dir}`);
    return handleFromEnv(parseEnvFile(readFileSync(envFile, 'utf8')), false);
  }
  const started = Date.now();
  try {
    const { stdout } = await execFileAsync(join(CLUSTER_SCRIPTS, 'up.sh'), [], {
      env: { ...process.env, E2E_CLUSTER_DIR: dir },
      maxBuffer: 64 * 1024 * 1024,
    });
    log(stdout.trim());
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `tests/e2e/cluster/up.sh failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      { cause: err },
    );
  }
  const handle = handleFromEnv(parseEnvFile(readFileSync(envFile, 'utf8')), true);
  handle.startupMs = Date.now() - started;
  return handle;
}

/** Stops a cluster this process started (down.sh); leaves a reused one running. */
export async function stopCluster(handle: ClusterHandle | undefined): Promise<void> {
  if (!handle?.owned) return;
  await execFileAsync(join(CLUSTER_SCRIPTS, 'down.sh'), [], {
    env: { ...process.env, E2E_CLUSTER_DIR: handle.dir },
  });
}

/** Error of a failed kubectl run, with the arguments and kubectl's stderr. */
export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`kubectl ${args.join(' ')} failed: ${stderr.trim()}`);
    this.name = 'KubectlError';
  }
}

/** Runs kubectl against the cluster; `input` is written to its stdin (for `apply -f -`). */
export async function kubectl(
  handle: ClusterHandle,
  args: string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      args,
      { env: { ...process.env, KUBECONFIG: handle.kubeconfig }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new KubectlError(args, String(stderr) || err.message)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs `kubectl ... -o json` and parses the result. */
export async function kubectlJson<T = Record<string, unknown>>(
  handle: ClusterHandle,
  args: string[],
): Promise<T> {
  return JSON.parse(await kubectl(handle, [...args, '-o', 'json'])) as T;
}

/**
 * Polls `probe` until it returns a value other than undefined; on timeout throws with the last
 * observation `describe` gives, so a failing test says what the cluster looked like.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; pollMs?: number; describe?: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const last = opts.describe ? await opts.describe() : '';
      throw new Error(
        `timed out after ${opts.timeoutMs}ms waiting for ${what}${last ? `\n${last}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}

/** Creates a namespace and waits until pods can be created in it. */
export async function createNamespace(handle: ClusterHandle, ns: string): Promise<void> {
  await kubectl(handle, ['create', 'namespace', ns]);
  // The ServiceAccount admission plugin rejects pods until the namespace's default SA exists.
  const args = ['get', 'sa', 'default', '-n', ns, '--ignore-not-found', '-o', 'name'];
  await waitFor(
    'default service account',
    async () => (await kubectl(handle, args)).trim() || undefined,
    { timeoutMs: 30_000 },
  );
}
