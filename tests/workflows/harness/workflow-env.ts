// The world the project's workflows run in under act: the e2e cluster (real control plane, Argo CD
// syncing from the e2e git server), a GitOps repository that is a snapshot of this whole project,
// the fake GitHub (REST API, the App, and the repository over git with a ruleset on main), the
// local registry (with Artifact Registry's stand-in path), and the GKE stand-in. Running the
// workflows: runner.ts; GitHub's deliveries of events to them: delivery.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeFakeApp } from '../../fakes/fake-github-app.js';
import type { FakeApp } from '../../fakes/fake-github-app.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { GKE, bootstrapApplications, deployReleaseZero } from '../../e2e/cluster/gitops-env.js';
import { REPO_ROOT } from '../../e2e/cluster/harness.js';
import type { ClusterHandle } from '../../e2e/cluster/harness.js';
import type { Delivery } from './delivery.js';
import type { RepoInfo } from './events.js';
import { startGkeStandIn } from './gke-stand-in.js';
import type { GkeStandIn } from './gke-stand-in.js';
import { seedBaseImages } from './runner.js';
import { node24 } from '../../helpers/node24.js';
import { startPodmanService } from '../../integration/pipeline/helpers.js';
import { cleanupTemp } from '../../helpers/git-fixture.js';

export const OWNER = 'acme';
export const REPO = 'score-api-gitops';
/** Artifact Registry as overlays/gke names it, and where its stand-in keeps it: the local registry. */
export const ARTIFACT_REGISTRY = {
  name: 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api',
  local: '127.0.0.1:5000/score-api-prod/containers/score-api',
};
/** GKE as the repository variables name it (GCP_PROJECT_ID, GKE_LOCATION, GKE_CLUSTER). */
export const GKE_CLUSTER = {
  project: 'score-api-prod',
  location: 'europe-west1',
  cluster: 'score-api',
};
export interface WorkflowEnv {
  cluster: ClusterHandle;
  bare: string;
  /** What Argo CD syncs from (the e2e git server). */
  argoRepoUrl: string;
  github: FakeGithubApi;
  app: FakeApp;
  /** True: main has a ruleset the App bypasses and the workflows get the App's client ID. */
  protectedMain: boolean;
  gke: GkeStandIn;
  repo: RepoInfo;
  /** A developer's clone: source commits and hand-made reverts are made here and pushed to main. */
  work: string;
  tmp: string;
  /** The directory of the Node 24 the runner runs actions and steps with (tools/node24), first on PATH. */
  node24Bin: string;
  /**
   * The runner's container engine: a podman Docker API of its own (pushes to localhost:5000 over HTTP)
   * with an image store of its own under `tmp` (DOCKER_HOST, DOCKER_API_VERSION, CONTAINERS_STORAGE_CONF).
   */
  engine: NodeJS.ProcessEnv;
  stopPodman: () => Promise<void>;
  /** The commit Argo CD first synced: release 0 (built from the project snapshot) pinned in both overlays. */
  initialCommit: string;
  logDir: string;
  log: (line: string) => void;
  /** Every delivery so far, in order (for the file's summary). */
  deliveries: Delivery[];
}

/** Runs git with a fixed identity (a developer's); returns trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=e2e developer', '-c', 'user.email=dev@example.invalid', ...args],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 },
  ).trim();
}

/**
 * The tree of this project as it is on disk (tracked files plus new ones not ignored), committed as
 * the root commit of a fresh repository's main: the workflow tests run the workflows, actions and
 * code of the working tree, committed or not.
 */
function snapshotProject(work: string): string {
  git(tmpdir(), 'init', '--quiet', '--initial-branch=main', work);
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  )
    .split('\0')
    .filter((f) => f && existsSync(join(REPO_ROOT, f)));
  // tar keeps modes (executable scripts) and symlinks as git would.
  execFileSync(
    'tar',
    ['-C', REPO_ROOT, '--null', '-T', '-', '-cf', join(work, '..', 'snapshot.tar')],
    {
      input: files.join('\0'),
    },
  );
  execFileSync('tar', ['-C', work, '-xf', join(work, '..', 'snapshot.tar')]);
  rmSync(join(work, '..', 'snapshot.tar'));
  git(work, 'add', '-A');
  const head = execFileSync('git', ['rev-parse', 'HEAD'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  }).trim();
  git(
    work,
    'commit',
    '--quiet',
    '-m',
    `score-api-gitops: this project at ${head.slice(0, 12)} (and its working tree)`,
  );
  return git(work, 'rev-parse', 'HEAD');
}

/** Sets up the world; `protectedMain` puts a ruleset on main that only the GitHub App bypasses. */
export async function setupWorkflowEnv(
  cluster: ClusterHandle,
  opts: { protectedMain: boolean; log: (line: string) => void },
): Promise<WorkflowEnv> {
  const log = opts.log;
  // GitHub runs `runs.using: node24` actions on Node 24; act in host mode runs `node` from PATH.
  const node24Bin = dirname(node24());
  if (!cluster.argocd)
    throw new Error('the workflow tests need Argo CD (tests/e2e/cluster/build.sh argocd)');
  const tmp = mkdtempSync(join(tmpdir(), 'workflows-act-'));
  const logDir = join(
    REPO_ROOT,
    '.cache',
    'logs',
    'workflows',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );
  mkdirSync(logDir, { recursive: true });
  const name = `${REPO}-${Date.now().toString(36)}`;
  const bare = join(cluster.gitRoot, OWNER, `${name}.git`);
  mkdirSync(join(cluster.gitRoot, OWNER), { recursive: true });
  git(tmpdir(), 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  // GitHub serves any commit of the repository by SHA (actions/checkout fetches the event's SHA).
  git(bare, 'config', 'uploadpack.allowAnySHA1InWant', 'true');

  const work = join(tmp, 'work');
  const snapshot = snapshotProject(work);
  git(work, 'remote', 'add', 'origin', bare);
  git(work, 'push', '--quiet', 'origin', 'main');
  const argoRepoUrl = `${cluster.gitUrl}/${OWNER}/${name}.git`;
  log(`GitOps repository ${argoRepoUrl} at ${snapshot.slice(0, 12)} (this working tree)`);
  // The runner's podman, with an image store of its own that goes with `tmp`: every image of the run
  // (release 0, the workflows' builds, their npm test's) lives and dies there, as on a fresh CI machine,
  // and nothing touches the images other checkouts' tests share. minikube's registry addon is
  // http://localhost:5000: Docker allows plain HTTP to localhost, podman only to registries its
  // registries.conf lists (docs/operators-guide.md, the runner).
  const podman = await startPodmanService(['localhost:5000'], {
    storageRoot: join(tmp, 'runner-images'),
  });
  log(
    `runner's container engine: ${podman.env.DOCKER_HOST} (localhost:5000 over HTTP, own image store)`,
  );
  try {
    seedBaseImages(podman.env, log);
    // The project's first deployment, before any workflow runs: release 0 in both environments, built
    // by the pipeline's build stage on the runner's engine.
    const { initialCommit } = await withEngine(podman.env, () => deployReleaseZero(work, log));
    await bootstrapApplications(cluster, argoRepoUrl, initialCommit);
    log(
      `score-api-minikube and score-api-gke Synced and Healthy at ${initialCommit.slice(0, 12)} (release 0)`,
    );

    const app = makeFakeApp();
    const github = await startFakeGithubApi({
      owner: OWNER,
      repo: REPO,
      gitRemote: bare,
      hostGit: true,
      protectedBranches: opts.protectedMain ? ['main'] : [],
      app,
      appBypass: true,
    });
    log(
      `fake GitHub at ${github.url} (${opts.protectedMain ? 'main protected by a ruleset; the App bypasses it' : 'main unprotected; no App configured'})`,
    );
    const gke = await startGkeStandIn({
      adminKubeconfig: cluster.kubeconfig,
      gke: GKE_CLUSTER,
      namespace: { workflow: 'score-api', cluster: GKE.namespace },
      kubeconfigOut: join(tmp, 'gke-stand-in.kubeconfig'),
    });
    log(
      `GKE stand-in at ${gke.url} (context ${gke.context}: namespace score-api = ${GKE.namespace})`,
    );
    return {
      cluster,
      bare,
      argoRepoUrl,
      github,
      app,
      protectedMain: opts.protectedMain,
      gke,
      repo: { owner: OWNER, name: REPO, serverUrl: github.url },
      work,
      tmp,
      node24Bin,
      engine: {
        DOCKER_HOST: podman.env.DOCKER_HOST,
        DOCKER_API_VERSION: podman.env.DOCKER_API_VERSION,
        CONTAINERS_STORAGE_CONF: podman.env.CONTAINERS_STORAGE_CONF,
      },
      stopPodman: podman.stop,
      initialCommit,
      logDir,
      log,
      deliveries: [],
    };
  } catch (err) {
    await podman.stop();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Puts the ruleset on main (the App configured: its client ID and key are the workflows' variable
 * and secret) or takes it off (no App: the workflows push with GITHUB_TOKEN).
 */
export function setProtectedMain(env: WorkflowEnv, on: boolean): void {
  env.protectedMain = on;
  env.github.protectedBranches = on ? ['main'] : [];
  env.log(
    on
      ? 'main: ruleset on, GitHub App configured'
      : 'main: no ruleset, no GitHub App (GITHUB_TOKEN)',
  );
}

/** Runs `fn` with the container engine variables of `engine` in this process's environment. */
async function withEngine<T>(engine: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const keys = ['DOCKER_HOST', 'DOCKER_API_VERSION', 'CONTAINERS_STORAGE_CONF'] as const;
  const saved = keys.map((k) => process.env[k]);
  for (const k of keys) process.env[k] = engine[k];
  try {
    return await fn();
  } finally {
    keys.forEach((k, i) => {
      if (saved[i] === undefined) delete process.env[k];
      else process.env[k] = saved[i];
    });
  }
}

/** Stops the fakes and removes the temporary clones (the bare repo goes with the cluster's dir). */
export async function disposeWorkflowEnv(env: WorkflowEnv | undefined): Promise<void> {
  if (!env) return;
  await Promise.all([env.github.close(), env.gke.close(), env.stopPodman()]);
  cleanupTemp();
  rmSync(env.tmp, { recursive: true, force: true });
}
