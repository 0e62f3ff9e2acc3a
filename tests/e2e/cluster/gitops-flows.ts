// The deploy, rollback and promotion flows of the pipeline on the local e2e cluster, shared by the
// e2e tests (which assert on what they return) and `npm run bench -- cluster` (which prints their
// timings). Each flow does what the GitHub workflows do, through the project's own `gitops` CLI:
// `gitops bump` (bump-overlay), `gitops verify --rollback` (verify-rollout), `gitops promote`
// (promote); Argo CD syncs the project's own argocd/ Applications from a bare GitOps repository
// served over HTTP on loopback.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSyncedTo } from '../../../actions/src/argocd-status.js';
import type { VerifyResult } from '../../../actions/src/verify.js';
import { gitopsJson } from './gitops-cli.js';
import { CLUSTER_SCRIPTS, REPO_ROOT, kubectl, kubectlJson, waitFor } from './harness.js';
import type { ClusterHandle } from './harness.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';

/** One environment: its Application, namespace, overlay and the registry path its overlay pins. */
export interface Target {
  app: string;
  namespace: string;
  overlay: string;
  newName: string;
  /** The HPA's minReplicas in the overlay: the capacity a rollout must never go below. */
  minReplicas: number;
}

export const MINIKUBE: Target = {
  app: 'score-api-minikube',
  namespace: 'score-api',
  overlay: 'overlays/minikube',
  newName: 'localhost:5000/score-api',
  minReplicas: 1,
};

// Namespace score-api-gke, not score-api: both "clusters" are one API server here (see argocd-local).
export const GKE: Target = {
  app: 'score-api-gke',
  namespace: 'score-api-gke',
  overlay: 'overlays/gke',
  newName: 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api',
  minReplicas: 3,
};

const DEPLOYMENT = 'score-api';
const PLACEHOLDER_REPO_URL = 'http://127.0.0.1:26407/score-api-gitops.git';
const VERIFY_TIMEOUT_S = Number(process.env.E2E_VERIFY_TIMEOUT_S ?? 180);

/** The GitOps repository the flows push to and Argo CD syncs from. */
export interface GitopsEnv {
  cluster: ClusterHandle;
  /** Bare repository under the git server's root (GitHub's side of the remote). */
  bare: string;
  /** http://127.0.0.1:PORT/NAME.git: what Argo CD, `gitops` and the hand-made commits use. */
  url: string;
  /** A developer's working clone: source commits and the manual revert are made here. */
  work: string;
  tmp: string;
  /** The commit Argo CD first synced (the overlays' all-zero placeholders). */
  initialCommit: string;
  log: (line: string) => void;
}

/** A build of the service: its source commit on main, and the image tag and digest the pipeline pins. */
export interface Release {
  label: string;
  sourceCommit: string;
  tag: string;
  digest: string;
}

/** The headline figures of one flow, in milliseconds. */
export interface FlowTimings {
  /** The commit (bump, revert or merge) reached the remote -> Argo CD synced it. */
  pushToSyncedMs?: number;
  /** Synced -> Argo CD Healthy (settled) and the Deployment complete. */
  syncedToReadyMs?: number;
  /** Synced -> verify judged the release failed. */
  syncedToFailedMs?: number;
  /** Failure judged -> the revert commit pushed to the remote. */
  failureToRevertedMs?: number;
  /** Revert pushed -> Argo CD synced it and the Deployment is complete again. */
  revertedToRecoveredMs?: number;
}

/** The JSON `gitops verify --json` prints. */
export type VerifyJson = VerifyResult & { app: string; revision: string };

/** What `gitops bump --json` prints (the fields the flows read). */
export interface BumpJson {
  status: 'committed' | 'unchanged' | 'stale';
  commit: string;
  pushed: boolean;
  ref: string;
}

/** What `gitops promote --json` prints (the fields the flows read). */
export interface PromoteJson {
  changed: boolean;
  branch: string;
  commit?: string;
  pushed: boolean;
  digest: string;
  sourceCommit?: string;
  pullRequest?: { number: number; url: string; created: boolean };
}

/** Runs git with a fixed identity; returns trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=e2e developer', '-c', 'user.email=dev@example.invalid', ...args],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

/** The image reference Kustomize renders for a release in an environment (name:tag@digest). */
export function imageRef(target: Target, release: Release): string {
  return `${target.newName}:${release.tag}@${release.digest}`;
}

/** Prints one flow's timings as `name: push→synced 2.1s, synced→ready 12.3s, ...`. */
export function formatTimings(name: string, t: FlowTimings): string {
  const parts: [string, number | undefined][] = [
    ['push→synced', t.pushToSyncedMs],
    ['synced→ready', t.syncedToReadyMs],
    ['synced→failed', t.syncedToFailedMs],
    ['failure→reverted', t.failureToRevertedMs],
    ['reverted→recovered', t.revertedToRecoveredMs],
  ];
  return `${name}: ${parts
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${((v ?? 0) / 1000).toFixed(1)}s`)
    .join(', ')}`;
}

/** Timeline offset (ms from the start of verify) of the first event starting with `prefix`. */
function eventAt(v: VerifyJson, prefix: string): number | undefined {
  return v.timeline.find((e) => e.event.startsWith(prefix))?.atMs;
}

/**
 * The flow's headline figures from verify's own timeline: `pushedAt` is when the commit reached the
 * remote, `verifyStartedAt` when verify started (its timeline offsets count from there).
 */
export function flowTimings(pushedAt: number, verifyStartedAt: number, v: VerifyJson): FlowTimings {
  const t: FlowTimings = {};
  const lead = verifyStartedAt - pushedAt;
  const synced = v.timings.toSyncedMs;
  if (synced !== undefined) t.pushToSyncedMs = lead + synced;
  if (synced !== undefined && v.timings.toReadyMs !== undefined)
    t.syncedToReadyMs = v.timings.toReadyMs - synced;
  const failed = eventAt(v, 'verification failed');
  const reverted = eventAt(v, 'pushed revert commit') ?? eventAt(v, 'already reverted');
  if (failed !== undefined && synced !== undefined) t.syncedToFailedMs = failed - synced;
  if (failed !== undefined && reverted !== undefined) t.failureToRevertedMs = reverted - failed;
  if (reverted !== undefined && v.timings.toRecoveredMs !== undefined)
    t.revertedToRecoveredMs = v.timings.toRecoveredMs - reverted;
  return t;
}

/** The Application as JSON. */
export function getApp(cluster: ClusterHandle, app: string): Promise<Record<string, unknown>> {
  return kubectlJson(cluster, ['get', 'application', app, '-n', 'argocd']);
}

/** Sets Argo CD's refresh annotation so it compares with Git now instead of at its next poll. */
export async function refreshApp(cluster: ClusterHandle, app: string): Promise<void> {
  await kubectl(cluster, [
    'annotate',
    '--overwrite',
    'application',
    app,
    '-n',
    'argocd',
    'argocd.argoproj.io/refresh=normal',
  ]);
}

/** The image of the Deployment's pod template in a namespace. */
export async function deployedImage(cluster: ClusterHandle, namespace: string): Promise<string> {
  const d = await kubectlJson<{
    spec: { template: { spec: { containers: { image: string }[] } } };
  }>(cluster, ['get', 'deployment', DEPLOYMENT, '-n', namespace]);
  return d.spec.template.spec.containers[0]?.image ?? '';
}

/** The images of the pods of the Deployment (any ReplicaSet), with their readiness. */
export async function podImages(
  cluster: ClusterHandle,
  namespace: string,
): Promise<{ image: string; ready: boolean }[]> {
  const pods = await kubectlJson<{
    items: {
      spec: { containers: { image: string }[] };
      status: { conditions?: { type: string; status: string }[] };
    }[];
  }>(cluster, ['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/name=score-api']);
  return pods.items.map((p) => ({
    image: p.spec.containers[0]?.image ?? '',
    ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  }));
}

async function waitForApp(
  cluster: ClusterHandle,
  target: Target,
  revision: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `${target.app} Synced to ${revision.slice(0, 12)} and Healthy`,
    async () => {
      const app = await getApp(cluster, target.app);
      const health = (app.status as { health?: { status?: string } } | undefined)?.health?.status;
      return isSyncedTo(app, revision) && health === 'Healthy' ? true : undefined;
    },
    {
      timeoutMs,
      pollMs: 1000,
      describe: async () =>
        (await kubectl(cluster, ['get', 'application', target.app, '-n', 'argocd', '-o', 'yaml'])) +
        (await kubectl(cluster, ['get', 'all', '-n', target.namespace]).catch(String)),
    },
  );
}

/**
 * Registers the API server as a second Argo CD cluster named `name`, as `argocd cluster add CONTEXT
 * --name NAME` does: a ServiceAccount bound to a cluster-admin role, a long-lived token Secret, and
 * a cluster Secret holding the server URL, the token and the CA.
 */
export async function registerCluster(cluster: ClusterHandle, name: string): Promise<void> {
  const manifest = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'argocd-manager', namespace: 'kube-system' },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'argocd-manager-role' },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'argocd-manager-role-binding' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'argocd-manager-role',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'argocd-manager', namespace: 'kube-system' }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'argocd-manager-long-lived-token',
        namespace: 'kube-system',
        annotations: { 'kubernetes.io/service-account.name': 'argocd-manager' },
      },
    },
  ];
  await kubectl(
    cluster,
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest }),
  );
  // The token controller (kube-controller-manager) fills the Secret in.
  const token = await waitFor(
    'the argocd-manager token',
    async () => {
      const s = await kubectlJson<{ data?: { token?: string } }>(cluster, [
        'get',
        'secret',
        'argocd-manager-long-lived-token',
        '-n',
        'kube-system',
      ]);
      return s.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8') : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const view = await kubectlJson<{
    clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
  }>(cluster, ['config', 'view', '--raw', '--minify', '--flatten']);
  const entry = view.clusters[0]?.cluster;
  if (!entry?.server || !entry['certificate-authority-data'])
    throw new Error(`kubeconfig ${cluster.kubeconfig} has no server or CA to register`);
  await kubectl(
    cluster,
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: `cluster-${name}`,
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
      },
      stringData: {
        name,
        server: entry.server,
        config: JSON.stringify({
          bearerToken: token,
          tlsClientConfig: { insecure: false, caData: entry['certificate-authority-data'] },
        }),
      },
    }),
  );
}

/**
 * Creates the GitOps repository (a copy of this project's deploy/, overlays/ and argocd/ plus a
 * service/ marker standing for the application code) on the cluster's git server, applies the
 * project's Applications through argocd-local pointed at it, and waits until both environments run
 * the overlays' placeholder release.
 */
export async function setupGitopsEnv(
  cluster: ClusterHandle,
  log: (line: string) => void,
): Promise<GitopsEnv> {
  if (!cluster.argocd)
    throw new Error('the GitOps flows need Argo CD (tests/e2e/cluster/build.sh argocd)');
  const tmp = mkdtempSync(join(tmpdir(), 'gitops-e2e-flows-'));
  const name = `score-api-gitops-${Date.now().toString(36)}`;
  const bare = join(cluster.gitRoot, `${name}.git`);
  const url = `${cluster.gitUrl}/${name}.git`;
  git(tmpdir(), 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  const work = join(tmp, 'work');
  git(tmpdir(), 'init', '--quiet', '--initial-branch=main', work);
  for (const d of ['deploy', 'overlays', 'argocd'])
    cpSync(join(REPO_ROOT, d), join(work, d), { recursive: true });
  mkdirSync(join(work, 'service'));
  writeFileSync(join(work, 'service', 'RELEASE'), 'placeholder\n');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'GitOps repository: deploy/, overlays/, argocd/');
  git(work, 'remote', 'add', 'origin', url);
  git(work, 'push', '--quiet', 'origin', 'main');
  const initialCommit = git(work, 'rev-parse', 'HEAD');
  log(`GitOps remote ${url} at ${initialCommit.slice(0, 12)}`);

  // A cluster reused from an earlier run may still hold these Applications (the finalizer deletes what they deployed).
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

  // GKE's ingress controller gives the Ingress a load balancer address, and Argo CD's Ingress health
  // stays Progressing until it has one; here the test plays that controller.
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
    DEPLOYMENT,
    '-n',
    GKE.namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } }),
  ]);
  await Promise.all([
    waitForApp(cluster, MINIKUBE, initialCommit, 180_000),
    waitForApp(cluster, GKE, initialCommit, 180_000),
  ]);
  // The HPA scales gke from the Deployment's default of 1 to its minReplicas; start from steady state.
  await waitFor(
    `${GKE.minReplicas} available replicas in ${GKE.namespace}`,
    async () => {
      const d = await kubectlJson<{ status: { availableReplicas?: number; replicas?: number } }>(
        cluster,
        ['get', 'deployment', DEPLOYMENT, '-n', GKE.namespace],
      );
      return d.status.availableReplicas === GKE.minReplicas && d.status.replicas === GKE.minReplicas
        ? true
        : undefined;
    },
    { timeoutMs: 120_000, pollMs: 1000 },
  );
  log('score-api-minikube and score-api-gke Synced/Healthy on the placeholder release');
  return { cluster, bare, url, work, tmp, initialCommit, log };
}

/** Removes the flows' temporary clones (the bare remote goes with the cluster's state dir). */
export function disposeGitopsEnv(env: GitopsEnv | undefined): void {
  if (env) rmSync(env.tmp, { recursive: true, force: true });
}

/**
 * Commits a new version of the "service" on main, as a developer's merge would, and returns the
 * release the pipeline builds from it: tag = the commit SHA, digest = a made-up sha256 (kwok runs no
 * container, so no image is built or pulled). `corrupt` marks the release the way the deliberately
 * bad build (CORRUPT_MODEL=true) is marked for kwok: its pods crash-loop (kwok/pod-stages.yaml).
 */
export function commitRelease(
  env: GitopsEnv,
  label: string,
  opts: { corrupt?: boolean } = {},
): Release {
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  writeFileSync(join(env.work, 'service', 'RELEASE'), `${label}\n`);
  git(env.work, 'commit', '--quiet', '-am', `service: release ${label}`);
  git(env.work, 'push', '--quiet', 'origin', 'main');
  const sourceCommit = git(env.work, 'rev-parse', 'HEAD');
  const digest = `sha256:${createHash('sha256').update(`score-api ${label} ${sourceCommit}`).digest('hex')}`;
  return {
    label,
    sourceCommit,
    tag: opts.corrupt ? `${sourceCommit}-corrupt-model` : sourceCommit,
    digest,
  };
}

/** `gitops bump --push` of a release into an overlay; returns its JSON and when the push had landed. */
export async function bump(
  env: GitopsEnv,
  release: Release,
  target: Target = MINIKUBE,
): Promise<{ json: BumpJson; pushedAt: number }> {
  const { json } = await gitopsJson<BumpJson>([
    'bump',
    '--repo',
    env.url,
    '--overlay',
    target.overlay,
    '--image',
    'score-api',
    '--new-name',
    target.newName,
    '--tag',
    release.tag,
    '--digest',
    release.digest,
    '--source-commit',
    release.sourceCommit,
    '--push',
  ]);
  return { json, pushedAt: Date.now() };
}

/**
 * `gitops verify` of a revision, with `--rollback` (the verify-rollout action's default) unless
 * `rollback` is false; exit code 1 (failed or rolled back) is a result here, not an error.
 */
export async function verify(
  env: GitopsEnv,
  target: Target,
  revision: string,
  opts: { rollback?: boolean; rollbackCommit?: string } = {},
): Promise<{ json: VerifyJson; startedAt: number }> {
  const startedAt = Date.now();
  const rollback =
    opts.rollback === false
      ? []
      : [
          '--rollback',
          '--repo',
          env.url,
          ...(opts.rollbackCommit ? ['--rollback-commit', opts.rollbackCommit] : []),
        ];
  const { json } = await gitopsJson<VerifyJson>(
    [
      'verify',
      '--app',
      target.app,
      '--revision',
      revision,
      '--deployment',
      DEPLOYMENT,
      '--namespace',
      target.namespace,
      '--kubeconfig',
      env.cluster.kubeconfig,
      '--timeout',
      String(VERIFY_TIMEOUT_S),
      '--poll',
      '1',
      ...rollback,
    ],
    { expectCodes: [0, 1] },
  );
  return { json, startedAt };
}

/** Result of a deploy flow: the bump, verify's verdict and the headline timings. */
export interface DeployOutcome {
  bump: BumpJson;
  verify: VerifyJson;
  timings: FlowTimings;
}

/** Deploy flow (deploy.yml's bump + verify jobs): bump the minikube overlay, verify with rollback. */
export async function deployRelease(env: GitopsEnv, release: Release): Promise<DeployOutcome> {
  const b = await bump(env, release, MINIKUBE);
  const v = await verify(env, MINIKUBE, b.json.commit);
  return { bump: b.json, verify: v.json, timings: flowTimings(b.pushedAt, v.startedAt, v.json) };
}

/** Manual rollback: a plain `git revert` of a bump commit in a developer clone, pushed by hand, then verified. */
export async function manualRevert(
  env: GitopsEnv,
  bumpCommit: string,
): Promise<{ revertCommit: string; verify: VerifyJson; timings: FlowTimings }> {
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  git(env.work, 'revert', '--no-edit', bumpCommit);
  git(env.work, 'push', '--quiet', 'origin', 'main');
  const pushedAt = Date.now();
  const revertCommit = git(env.work, 'rev-parse', 'HEAD');
  // A revert is itself the rollback: verified, never reverted again (as the workflows do).
  const v = await verify(env, MINIKUBE, revertCommit, { rollback: false });
  return { revertCommit, verify: v.json, timings: flowTimings(pushedAt, v.startedAt, v.json) };
}

/**
 * Merges a pull request the way GitHub's "Create a merge commit" does: on the server, without a
 * working tree (merge-ort through `git merge-tree --write-tree`), then moves main with a
 * compare-and-swap. Returns the merge commit.
 */
export function mergePullRequest(
  env: GitopsEnv,
  head: string,
  number: number,
  title: string,
): string {
  const base = git(env.bare, 'rev-parse', 'refs/heads/main');
  const tree = git(env.bare, 'merge-tree', '--write-tree', 'refs/heads/main', `refs/heads/${head}`);
  const merge = git(
    env.bare,
    '-c',
    'user.name=GitHub',
    '-c',
    'user.email=noreply@github.com',
    'commit-tree',
    tree,
    '-p',
    base,
    '-p',
    `refs/heads/${head}`,
    '-m',
    `Merge pull request #${number} from ${head}\n\n${title}`,
  );
  git(env.bare, 'update-ref', 'refs/heads/main', merge, base);
  return merge;
}

/** The overlay's kustomization.yaml on the remote's main. */
export function remoteOverlay(env: GitopsEnv, target: Target): string {
  return git(env.bare, 'show', `refs/heads/main:${target.overlay}/kustomization.yaml`);
}

/** The full message of a commit in the remote. */
export function remoteMessage(env: GitopsEnv, commit: string): string {
  return git(env.bare, 'log', '-1', '--format=%B', commit);
}

/** Reads a file of the working clone (after a pull). */
export function workFile(env: GitopsEnv, path: string): string {
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  return readFileSync(join(env.work, path), 'utf8');
}

/** Result of the promotion flow: the PR, the merge commit, gke's verdict and the timings. */
export interface PromotionOutcome {
  promote: PromoteJson;
  merge: string;
  verify: VerifyJson;
  timings: FlowTimings;
}

/**
 * Promotion flow (promote.yml): `gitops promote --push --open-pr` pins the minikube overlay's digest
 * in overlays/gke on promote/gke and opens the PR (GitHub's API is the fake: it cannot run here);
 * the PR is merged with a real merge commit in the remote; verify-gke then verifies score-api-gke
 * at the merge, with the merge as the commit to revert on failure.
 */
export async function promoteAndMerge(
  env: GitopsEnv,
  github: FakeGithubApi,
): Promise<PromotionOutcome> {
  const { json } = await gitopsJson<PromoteJson>(
    [
      'promote',
      '--repo',
      env.url,
      '--from',
      MINIKUBE.overlay,
      '--to',
      GKE.overlay,
      '--push',
      '--open-pr',
      '--github-repo',
      `${github.owner}/${github.repo}`,
      '--github-api-url',
      github.url,
    ],
    { env: { GITHUB_TOKEN: github.token } },
  );
  const pr = json.pullRequest;
  const pull = github.pulls.find((p) => p.number === pr?.number);
  if (!pr || !pull)
    throw new Error(`gitops promote opened no pull request: ${JSON.stringify(json)}`);
  const merge = mergePullRequest(env, pull.head, pull.number, pull.title);
  const pushedAt = Date.now();
  pull.state = 'closed';
  const v = await verify(env, GKE, merge, { rollbackCommit: merge });
  return {
    promote: json,
    merge,
    verify: v.json,
    timings: flowTimings(pushedAt, v.startedAt, v.json),
  };
}
