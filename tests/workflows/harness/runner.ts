// The self-hosted runner the workflows run on under act: its environment (the e2e cluster's
// kubeconfig, podman, Node 24 first, the stand-ins' settings), the repository's variables and
// secrets, the stand-ins for third-party actions, and one act run of a workflow file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../e2e/cluster/harness.js';
import { runAct } from './act.js';
import type { ActRun } from './act.js';
import { GKE_CLUSTER, OWNER, REPO, git } from './workflow-env.js';
import type { WorkflowEnv } from './workflow-env.js';

/** Registry host -> its stand-in (the runner's skopeo, tests/workflows/stand-ins/runner-bin). */
const REGISTRY_STAND_INS = 'europe-west1-docker.pkg.dev=127.0.0.1:5000';
const STAND_INS = join(REPO_ROOT, 'tests', 'workflows', 'stand-ins');

/** Third-party action (owner/repo, any ref) -> its stand-in directory. */
export const STAND_IN_DIRS: Record<string, string> = {
  'actions/checkout': join(STAND_INS, 'checkout'),
  'actions/setup-node': join(STAND_INS, 'setup-node'),
  'actions/create-github-app-token': join(STAND_INS, 'create-github-app-token'),
  'google-github-actions/auth': join(STAND_INS, 'google-auth'),
  'google-github-actions/get-gke-credentials': join(STAND_INS, 'get-gke-credentials'),
};

/**
 * The Docker Hub images service/Dockerfile starts FROM by default cannot be pulled here: make the local
 * base images (scripts/make-base-images.sh) in the runner's engine and tag them under those names, as a
 * runner with a pull-through cache would hold them. Returns what was tagged.
 */
export function seedBaseImages(engine: NodeJS.ProcessEnv, log: (line: string) => void): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, 'service', 'Dockerfile'), 'utf8');
  const defaults = [...dockerfile.matchAll(/^ARG (BUILD_IMAGE|BASE_IMAGE)=(\S+)/gm)];
  execFileSync('bash', [join(REPO_ROOT, 'scripts', 'make-base-images.sh')], {
    env: engine,
    stdio: 'ignore',
    timeout: 600_000,
  });
  const tagged: string[] = [];
  for (const image of new Set(defaults.map((m) => m[2]))) {
    const major = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)/.exec(image ?? '')?.[1];
    if (!image || !major) continue;
    // Both stages default to the same slim image, which has npm: the local build image is that one.
    const local = `localhost/node-build:${major}`;
    const full = image.includes('/') ? image : `docker.io/library/${image}`;
    execFileSync('docker', ['tag', local, full], { env: engine });
    tagged.push(`${full} = ${local}`);
  }
  log(`Docker Hub stand-in: ${tagged.join(', ') || 'nothing to tag'}`);
  return tagged;
}

/** The environment act and so every step runs with: a self-hosted runner next to minikube. */
function runnerEnv(env: WorkflowEnv): Record<string, string> {
  const keep = ['HOME', 'LANG', 'GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOFLAGS', 'TMPDIR'];
  const base: Record<string, string> = {};
  for (const k of keep) if (process.env[k]) base[k] = process.env[k] as string;
  return {
    ...base,
    PATH: [
      join(STAND_INS, 'runner-bin'),
      env.node24Bin,
      '/usr/local/go/bin',
      '/usr/local/sbin',
      '/usr/local/bin',
      '/usr/sbin',
      '/usr/bin',
      '/sbin',
      '/bin',
    ].join(':'),
    // The runner's own podman and image store (workflow-env.ts): like a fresh CI machine, nothing
    // it builds or removes touches another checkout's images.
    DOCKER_HOST: env.engine.DOCKER_HOST as string,
    DOCKER_API_VERSION: env.engine.DOCKER_API_VERSION as string,
    CONTAINERS_STORAGE_CONF: env.engine.CONTAINERS_STORAGE_CONF as string,
    // The runner's kubeconfig: the minikube cluster and its Argo CD.
    KUBECONFIG: env.cluster.kubeconfig,
    STAND_IN_GKE_KUBECONFIG: env.gke.kubeconfig,
    STAND_IN_REGISTRIES: REGISTRY_STAND_INS,
  };
}

function repositoryVariables(env: WorkflowEnv): Record<string, string> {
  return {
    ...(env.protectedMain ? { GITOPS_APP_CLIENT_ID: env.app.clientId } : {}),
    GCP_WORKLOAD_IDENTITY_PROVIDER:
      'projects/123456789012/locations/global/workloadIdentityPools/github/providers/score-api-gitops',
    GCP_PROMOTE_SERVICE_ACCOUNT: 'promoter@score-api-prod.iam.gserviceaccount.com',
    GCP_DEPLOY_SERVICE_ACCOUNT: 'deployer@score-api-prod.iam.gserviceaccount.com',
    GCP_PROJECT_ID: GKE_CLUSTER.project,
    GKE_LOCATION: GKE_CLUSTER.location,
    GKE_CLUSTER: GKE_CLUSTER.cluster,
  };
}

/** The stand-in for every third-party action the workflows at `workdir` use; throws for one without. */
export function standInsFor(workdir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const dir = join(workdir, '.github', 'workflows');
  for (const f of readdirSync(dir)) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(
      /^\s*(?:-\s+)?uses:\s*([^\s#]+)/gm,
    )) {
      const uses = m[1] as string;
      if (uses.startsWith('./') || uses.startsWith('docker://')) continue;
      const at = uses.lastIndexOf('@');
      const repo = uses.slice(0, at).split('/').slice(0, 2).join('/');
      const dirFor = STAND_IN_DIRS[repo];
      if (dirFor) out[`${repo}@${uses.slice(at + 1)}`] = dirFor;
      else if (f !== 'e2e.yml')
        throw new Error(`${f} uses ${uses}, which has no stand-in in tests/workflows/stand-ins`);
    }
  }
  return out;
}

/** Runs one workflow file with act for an event, in a clone of the repository at `sha`. */
export async function runWorkflow(
  env: WorkflowEnv,
  file: string,
  event: string,
  payload: object,
  sha: string,
): Promise<ActRun> {
  const workdir = mkdtempSync(join(env.tmp, 'act-'));
  git(tmpdir(), 'clone', '--quiet', '--no-checkout', env.bare, workdir);
  git(workdir, 'checkout', '--quiet', '--detach', sha);
  git(workdir, 'remote', 'set-url', 'origin', env.github.cloneUrl);
  try {
    return await runAct({
      workdir,
      workflow: file,
      event,
      payload,
      standIns: standInsFor(workdir),
      env: {
        GITHUB_SERVER_URL: env.github.url,
        GITHUB_API_URL: env.github.url,
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      },
      secrets: {
        GITHUB_TOKEN: env.github.token,
        ...(env.protectedMain ? { GITOPS_APP_PRIVATE_KEY: env.app.privateKeyPem } : {}),
      },
      vars: repositoryVariables(env),
      processEnv: runnerEnv(env),
      // Outside the repository (Jest would index the job workspaces); removed with env.tmp.
      cacheDir: join(env.tmp, 'act-cache'),
      logDir: env.logDir,
      secretsDir: env.tmp,
      timeoutMs: 60 * 60_000,
      log: env.log,
    });
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}
