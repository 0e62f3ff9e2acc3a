/**
 * Real parts for the pipeline suite: temporary git repositories holding this repository's real manifests,
 * bare remotes, a dedicated registry and podman API service on loopback, and the pipeline run as a process.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { PipelineConfig } from '../../../scripts/pipeline/defaults.js';
import { Redactor } from '../../../gitops/rules/redact.js';
import type { StageContext } from '../../../scripts/pipeline/stages.js';
import { freePort, startRegistry } from '../../../scripts/pipeline/registry-server.js';
import type { RegistryServer } from '../../../scripts/pipeline/registry-server.js';
import { REPO_ROOT as ROOT, tempDir } from '../../helpers/git-fixture.js';
import { containerEngineEnv } from '../../../gitops/adapters/container-engine.js';
import type { Missing } from '../../helpers/real-parts.js';
import { SHARED_REGISTRY, imageParts, toolMissing } from '../../helpers/real-parts.js';

export const MAIN = join(ROOT, 'scripts/pipeline/main.ts');
// By absolute URL: the pipeline runs in temporary repositories that have no node_modules of their own.
export const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
export { SHARED_REGISTRY };

const execFileP = promisify(execFile);

/** A PipelineConfig for tests: everything explicit, lint and tests skipped. */
export function testConfig(repoRoot: string, over: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    repoRoot,
    registry: SHARED_REGISTRY,
    registryGiven: true,
    imageRepository: 'pipeline-it/score-api',
    imageName: 'score-api',
    remote: join(repoRoot, '.cache', 'gitops-remote.git'),
    remoteGiven: true,
    branch: 'main',
    overlay: 'overlays/minikube',
    cacheDir: join(repoRoot, '.cache'),
    dockerfile: 'service/Dockerfile',
    context: '.',
    buildArgs: {},
    skipLint: true,
    skipTests: true,
    fullTests: false,
    json: false,
    allowDirty: false,
    force: false,
    rebuild: false,
    noCluster: true,
    checkTimeoutMs: 30_000,
    verifyTimeoutMs: 60_000,
    ...over,
  };
}

/** A StageContext whose log lines are collected in `lines`. */
export function testContext(
  config: PipelineConfig,
  env: NodeJS.ProcessEnv = process.env,
): StageContext & { lines: string[] } {
  const lines: string[] = [];
  return { config, env, redactor: new Redactor(), log: (l) => lines.push(l), lines };
}

/** This process's environment with the container engine found as the pipeline finds it. */
export const engineEnv = containerEngineEnv();

/** What the container tests need: the engine, the shared registry, podman and docker-registry. */
export async function containerParts(): Promise<Record<string, Missing>> {
  return {
    ...(await imageParts()),
    podman: toolMissing('podman'),
    'docker-registry': toolMissing('docker-registry'),
  };
}

/**
 * A podman Docker API service of its own whose registries.conf lists `insecure` hosts: the shared
 * podman service reads registries.conf once, so a registry on a new port needs a service that knows it.
 * With `storageRoot` it also keeps its images there instead of in the machine's store (the returned env
 * points podman's CLI at the same store); removing that directory after stop() removes them all.
 */
export async function startPodmanService(
  insecure: string[],
  opts: { storageRoot?: string } = {},
): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> }> {
  const dir = tempDir('pipeline-podman-');
  const conf = join(dir, 'registries.conf');
  writeFileSync(
    conf,
    `unqualified-search-registries = []\n${[SHARED_REGISTRY, ...insecure]
      .map((h) => `[[registry]]\nlocation = "${h}"\ninsecure = true\n`)
      .join('')}`,
  );
  const storage: NodeJS.ProcessEnv = {};
  if (opts.storageRoot) {
    const file = join(dir, 'storage.conf');
    const root = opts.storageRoot;
    writeFileSync(
      file,
      `[storage]\ndriver = "vfs"\nrunroot = "${join(root, 'run')}"\ngraphroot = "${join(root, 'graph')}"\n`,
    );
    storage.CONTAINERS_STORAGE_CONF = file;
  }
  const socket = join(dir, 'podman.sock');
  // Its own libpod state beside its own store (podman's default, /run/libpod, is the machine's).
  const state = opts.storageRoot ? ['--tmpdir', join(opts.storageRoot, 'libpod')] : [];
  const child = spawn('podman', [...state, 'system', 'service', '--time=0', `unix://${socket}`], {
    env: { ...process.env, ...storage, CONTAINERS_REGISTRIES_CONF: conf },
    stdio: 'ignore',
  });
  const env = {
    ...process.env,
    ...storage,
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_API_VERSION: '1.41',
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await execFileP('docker', ['version', '--format', '{{.Server.Version}}'], {
        env,
        timeout: 5000,
      });
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`podman service on ${socket} did not start: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    env,
    stop: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

/** Starts a dedicated registry on a free loopback port (optionally with basic auth). */
export async function startTestRegistry(
  opts: { htpasswd?: string; port?: number; dir?: string } = {},
): Promise<RegistryServer & { dir: string }> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? tempDir('pipeline-registry-');
  mkdirSync(dir, { recursive: true });
  const server = await startRegistry({
    addr: `127.0.0.1:${port}`,
    dir,
    ...(opts.htpasswd ? { htpasswd: opts.htpasswd } : {}),
  });
  return { ...server, dir };
}

/** An htpasswd file (bcrypt) for one user, made with the real htpasswd tool (password via stdin). */
export function makeHtpasswd(user: string, password: string): string {
  const file = join(tempDir('pipeline-htpasswd-'), 'htpasswd');
  const line = execFileSync('htpasswd', ['-niB', user], {
    input: `${password}\n`,
    encoding: 'utf8',
  }).trim();
  writeFileSync(file, `${line}\n`);
  return file;
}

/** Tags in a registry repository (no auth); [] when the repository does not exist. */
export async function registryTags(
  registry: string,
  repository: string,
  auth?: { username: string; password: string },
): Promise<string[]> {
  const headers: Record<string, string> = {};
  if (auth)
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const res = await fetch(`http://${registry}/v2/${repository}/tags/list`, { headers });
  if (res.status === 404) return [];
  const body = (await res.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

/** Runs `node --import tsx scripts/pipeline/main.ts args` in `cwd`; resolves with exit code and all output. */
export function runPipelineProcess(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 128, stdout, stderr });
    });
  });
}
