/** The pipeline's settings: embedded defaults, overridden by environment variables, overridden by flags. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../gitops/errors.js';
import { parseImageRef } from '../../gitops/rules/image-ref.js';
import { checkBranch } from '../../gitops/rules/names.js';

/** Where each part lives and what to run; every field is resolved (no undefined defaults left). */
export interface PipelineConfig {
  /** The source repository (the current checkout). */
  repoRoot: string;
  /** Registry host[:port]; `registryGiven` false means the embedded loopback registry (started when absent). */
  registry: string;
  registryGiven: boolean;
  /** Repository path of the image inside the registry. */
  imageRepository: string;
  /** The image name the base manifests use (the kustomization `images[].name`). */
  imageName: string;
  /** GitOps remote (URL or bare repo path); `remoteGiven` false means the local bare clone in the cache. */
  remote: string;
  remoteGiven: boolean;
  branch: string;
  overlay: string;
  kubeconfig?: string;
  cacheDir: string;
  dockerfile: string;
  context: string;
  buildArgs: Record<string, string>;
  skipLint: boolean;
  skipTests: boolean;
  fullTests: boolean;
  json: boolean;
  allowDirty: boolean;
  force: boolean;
  rebuild: boolean;
  /** Deploy check: always use the container check even when a cluster answers. */
  noCluster: boolean;
  checkTimeoutMs: number;
  /** Cluster deploy check: how long verifyRollout waits, and (tests) its poll and settle times. */
  verifyTimeoutMs: number;
  verifyPollMs?: number;
  verifySettleMs?: number;
  registryAuth?: { username?: string; password?: string; token?: string };
}

export const DEFAULT_REGISTRY = '127.0.0.1:5000';
export const DEFAULT_OVERLAY = 'overlays/minikube';
export const DEFAULT_BRANCH = 'main';
export const DEFAULT_IMAGE_REPOSITORY = 'score-api';
export const DEFAULT_DOCKERFILE = 'service/Dockerfile';
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
export const DEFAULT_VERIFY_TIMEOUT_MS = 300_000;

export const USAGE = `Usage: npm run pipeline -- [flags]
Runs lint -> test -> build (tag = HEAD's SHA) -> push -> bump the overlay -> deploy check for the current commit.

  --registry HOST[:PORT]  registry to push to (env PIPELINE_REGISTRY; default ${DEFAULT_REGISTRY}, started on loopback when nothing answers)
  --remote URL|PATH       GitOps remote to bump (env PIPELINE_REMOTE; default a local bare clone in .cache/gitops-remote.git)
  --branch NAME           branch of the GitOps remote (env PIPELINE_BRANCH; default ${DEFAULT_BRANCH})
  --overlay DIR           overlay to bump (env PIPELINE_OVERLAY; default ${DEFAULT_OVERLAY})
  --kubeconfig FILE       cluster for the deploy check (env KUBECONFIG; default ~/.kube/config when present)
  --no-cluster            use the container deploy check even when a cluster answers
  --build-arg KEY=VALUE   extra docker build argument (repeatable)
  --skip-lint             skip the lint stage
  --skip-tests            skip the test stage
  --full-tests            run the whole test suite (npm test) instead of the unit tests
  --allow-dirty           build and check a dirty working tree locally (never pushed, never bumped)
  --force                 deploy a source commit even if it was rolled back before
  --rebuild               build the image even when the registry already has this commit's tag
  --json                  print the result as JSON on stdout (progress goes to stderr)
  -h, --help              show this help
Registry credentials: PIPELINE_REGISTRY_USERNAME + PIPELINE_REGISTRY_PASSWORD (or PIPELINE_REGISTRY_TOKEN); never printed.
Also: PIPELINE_IMAGE_REPOSITORY (default score-api), PIPELINE_CACHE_DIR (default .cache),
PIPELINE_CHECK_TIMEOUT_MS (container readiness, default 30000), PIPELINE_VERIFY_TIMEOUT_MS (cluster, default 300000).
Exit codes: 0 deployed (or already deployed), 1 a stage failed, 2 bad input or missing tool, 3 deploy check failed and the bump was rolled back.`;

/** Thrown for --help: main prints USAGE and exits 0. */
export class HelpRequested extends Error {}

function flagOrEnv(flag: string | undefined, env: string | undefined): string | undefined {
  const v = flag ?? env;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Resolves flags (`argv` without node and script) and environment into a PipelineConfig; InputError naming a bad flag. */
export function resolveConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
  repoRoot: string,
): PipelineConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        registry: { type: 'string' },
        remote: { type: 'string' },
        branch: { type: 'string' },
        overlay: { type: 'string' },
        kubeconfig: { type: 'string' },
        'no-cluster': { type: 'boolean' },
        'build-arg': { type: 'string', multiple: true },
        'skip-lint': { type: 'boolean' },
        'skip-tests': { type: 'boolean' },
        'full-tests': { type: 'boolean' },
        'allow-dirty': { type: 'boolean' },
        force: { type: 'boolean' },
        rebuild: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new InputError(
      'flags',
      (err as Error).message.split('\n')[0] ?? 'invalid',
      'see npm run pipeline -- --help',
    );
  }
  const v = parsed.values;
  if (v.help) throw new HelpRequested();

  const registryFlag = flagOrEnv(v.registry, env.PIPELINE_REGISTRY);
  const registry = (registryFlag ?? DEFAULT_REGISTRY)
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  const registryInput = v.registry !== undefined ? '--registry' : 'PIPELINE_REGISTRY';
  // A registry is a host[:port] (optionally with a path prefix); check it the way an image name would be.
  const probe = parseImageRef(`${registry}/${DEFAULT_IMAGE_REPOSITORY}`, registryInput);
  if (!probe.registry || probe.tag || probe.digest) {
    throw new InputError(
      registryInput,
      `'${registry}' is not a registry host[:port]`,
      'e.g. 127.0.0.1:5000',
    );
  }

  const remoteFlag = flagOrEnv(v.remote, env.PIPELINE_REMOTE);
  const cacheDir = resolve(repoRoot, flagOrEnv(undefined, env.PIPELINE_CACHE_DIR) ?? '.cache');
  const overlay = (flagOrEnv(v.overlay, env.PIPELINE_OVERLAY) ?? DEFAULT_OVERLAY).replace(
    /\/+$/,
    '',
  );
  const branch = checkBranch(
    flagOrEnv(v.branch, env.PIPELINE_BRANCH) ?? DEFAULT_BRANCH,
    v.branch !== undefined ? '--branch' : 'PIPELINE_BRANCH',
  );

  const buildArgs: Record<string, string> = {};
  for (const pair of v['build-arg'] ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new InputError('--build-arg', `'${pair}' must be KEY=VALUE`);
    buildArgs[m[1] as string] = m[2] as string;
  }

  const timeout = Number(env.PIPELINE_CHECK_TIMEOUT_MS ?? DEFAULT_CHECK_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout < 1000) {
    throw new InputError(
      'PIPELINE_CHECK_TIMEOUT_MS',
      `'${env.PIPELINE_CHECK_TIMEOUT_MS}' must be an integer >= 1000 (ms)`,
    );
  }

  const verifyTimeout = Number(env.PIPELINE_VERIFY_TIMEOUT_MS ?? DEFAULT_VERIFY_TIMEOUT_MS);
  if (!Number.isInteger(verifyTimeout) || verifyTimeout < 1000) {
    throw new InputError(
      'PIPELINE_VERIFY_TIMEOUT_MS',
      `'${env.PIPELINE_VERIFY_TIMEOUT_MS}' must be an integer >= 1000 (ms)`,
    );
  }

  const username = flagOrEnv(undefined, env.PIPELINE_REGISTRY_USERNAME);
  const password = flagOrEnv(undefined, env.PIPELINE_REGISTRY_PASSWORD);
  const token = flagOrEnv(undefined, env.PIPELINE_REGISTRY_TOKEN);
  if ((username === undefined) !== (password === undefined)) {
    throw new InputError(
      username === undefined ? 'PIPELINE_REGISTRY_USERNAME' : 'PIPELINE_REGISTRY_PASSWORD',
      'is required when the other registry credential is set',
    );
  }

  const config: PipelineConfig = {
    repoRoot,
    registry,
    registryGiven: registryFlag !== undefined,
    imageRepository:
      flagOrEnv(undefined, env.PIPELINE_IMAGE_REPOSITORY) ?? DEFAULT_IMAGE_REPOSITORY,
    imageName: DEFAULT_IMAGE_REPOSITORY,
    remote: remoteFlag ?? join(cacheDir, 'gitops-remote.git'),
    remoteGiven: remoteFlag !== undefined,
    branch,
    overlay,
    cacheDir,
    dockerfile: flagOrEnv(undefined, env.PIPELINE_DOCKERFILE) ?? DEFAULT_DOCKERFILE,
    context: '.',
    buildArgs,
    skipLint: v['skip-lint'] === true,
    skipTests: v['skip-tests'] === true,
    fullTests: v['full-tests'] === true,
    json: v.json === true,
    allowDirty: v['allow-dirty'] === true,
    force: v.force === true,
    rebuild: v.rebuild === true,
    noCluster: v['no-cluster'] === true,
    checkTimeoutMs: timeout,
    verifyTimeoutMs: verifyTimeout,
  };
  const kubeconfig = flagOrEnv(v.kubeconfig, env.KUBECONFIG);
  if (kubeconfig !== undefined) config.kubeconfig = kubeconfig;
  if (username !== undefined || token !== undefined) {
    config.registryAuth = {};
    if (username !== undefined) config.registryAuth.username = username;
    if (password !== undefined) config.registryAuth.password = password;
    if (token !== undefined) config.registryAuth.token = token;
  }
  return config;
}
