// The deploy, rollback and promotion flows of the pipeline on the local e2e cluster's real node,
// shared by the e2e tests (which assert on what they return) and `npm run bench -- cluster` (which
// prints their timings against the goals). Each flow does what the GitHub workflows do, through the
// project's own `gitops` CLI: `gitops bump` (bump-overlay), `gitops verify --rollback`
// (verify-rollout), `gitops promote` (promote); Argo CD syncs the project's own argocd/
// Applications from the GitOps remote of gitops-env.ts, and the kubelet pulls each release by
// digest from the loopback registry. While a minikube flow runs, a keep-alive load at a fixed rate
// goes to `POST /score` through the Service's NodePort on 127.0.0.1.
import { DEFAULT_VERIFY_TIMEOUT_S } from '../../../gitops/flows/verify.js';
import type { VerifyResult } from '../../../gitops/flows/verify.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { watchFailureSignal } from './failure-signal.js';
import type { FailureSignal } from './failure-signal.js';
import { gitopsJson } from './gitops-cli.js';
import { DEPLOYMENT, GKE, MINIKUBE, nodePortUrl } from './gitops-env.js';
import type { GitopsEnv, Target } from './gitops-env.js';
import { git } from './git.js';
import { kubectlJson, waitFor } from './harness.js';
import { copyImage } from './releases.js';
import type { Release, ReleaseKind } from './releases.js';
import { formatLoad, startLoad } from './score-load.js';
import type { LoadOptions, LoadReport } from './score-load.js';

// Verify's own default (Argo CD's retries plus the progress deadline, 300 s) unless set.
const VERIFY_TIMEOUT_S = Number(process.env.E2E_VERIFY_TIMEOUT_S ?? DEFAULT_VERIFY_TIMEOUT_S);

/** The load every minikube flow runs under (E2E_LOAD_RATE, E2E_LOAD_CONNECTIONS). */
export const LOAD: Pick<LoadOptions, 'ratePerSec' | 'connections'> = {
  ratePerSec: Number(process.env.E2E_LOAD_RATE ?? 150),
  connections: Number(process.env.E2E_LOAD_CONNECTIONS ?? 8),
};

/** The headline figures of one flow, in milliseconds. */
export interface FlowTimings {
  /** The commit (bump, revert or merge) reached the remote -> Argo CD synced it. */
  pushToSyncedMs?: number;
  /** Synced -> Argo CD Healthy (settled) and the Deployment complete. */
  syncedToReadyMs?: number;
  /** Synced -> verify judged the release failed. */
  syncedToFailedMs?: number;
  /** The first failure signal of the release's pods (failure-signal.ts) -> the revert pushed. */
  signalToRevertedMs?: number;
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

/** The image reference Kustomize renders for a release in an environment (name:tag@digest). */
export function imageRef(target: Target, release: Release): string {
  return `${target.newName}:${release.tag}@${release.digest}`;
}

/** The goals of issue 12 for a release of `kind` (ms); `probeBudgetMs` is the readiness probe's. */
export function goalsFor(
  kind: ReleaseKind,
  probeBudgetMs: number,
): { signalToRevertedMs?: number; revertedToRecoveredMs?: number } {
  if (kind === 'good') return {};
  return {
    signalToRevertedMs: kind === 'never-ready' ? probeBudgetMs + 15_000 : 30_000,
    revertedToRecoveredMs: 60_000,
  };
}

/** Prints one flow's timings as `name: push→synced 2.1s, synced→ready 12.3s, ...`. */
export function formatTimings(
  name: string,
  t: FlowTimings,
  goals: ReturnType<typeof goalsFor> = {},
): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  const goal = (v: number, g: number | undefined): string =>
    g === undefined ? '' : ` (goal ≤ ${s(g)}: ${v <= g ? 'met' : 'MISSED'})`;
  const parts: [string, number | undefined, number | undefined][] = [
    ['push→synced', t.pushToSyncedMs, undefined],
    ['synced→ready', t.syncedToReadyMs, undefined],
    ['synced→failed', t.syncedToFailedMs, undefined],
    ['first failure signal→reverted', t.signalToRevertedMs, goals.signalToRevertedMs],
    ['reverted→recovered', t.revertedToRecoveredMs, goals.revertedToRecoveredMs],
  ];
  return `${name}: ${parts
    .filter(([, v]) => v !== undefined)
    .map(([k, v, g]) => `${k} ${s(v ?? 0)}${goal(v ?? 0, g)}`)
    .join(', ')}`;
}

/** Timeline offset (ms from the start of verify) of the first event starting with `prefix`. */
function eventAt(v: VerifyJson, prefix: string): number | undefined {
  return v.timeline.find((e) => e.event.startsWith(prefix))?.atMs;
}

/**
 * The flow's headline figures from verify's own timeline: `pushedAt` is when the commit reached the
 * remote, `verifyStartedAt` when verify started (its timeline offsets count from there), `signalAt`
 * the first failure signal (epoch ms), if any.
 */
export function flowTimings(
  pushedAt: number,
  verifyStartedAt: number,
  v: VerifyJson,
  signalAt?: number,
): FlowTimings {
  const t: FlowTimings = {};
  const lead = verifyStartedAt - pushedAt;
  const synced = v.timings.toSyncedMs;
  if (synced !== undefined) t.pushToSyncedMs = lead + synced;
  if (synced !== undefined && v.timings.toReadyMs !== undefined)
    t.syncedToReadyMs = v.timings.toReadyMs - synced;
  const failed = eventAt(v, 'verification failed');
  const reverted = eventAt(v, 'pushed revert commit') ?? eventAt(v, 'already reverted');
  if (failed !== undefined && synced !== undefined) t.syncedToFailedMs = failed - synced;
  if (signalAt !== undefined && reverted !== undefined)
    t.signalToRevertedMs = verifyStartedAt + reverted - signalAt;
  if (reverted !== undefined && v.timings.toRecoveredMs !== undefined)
    t.revertedToRecoveredMs = v.timings.toRecoveredMs - reverted;
  return t;
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

/** Waits until no pod of the Deployment is terminating: the drained pods are gone. */
async function podsSettled(env: GitopsEnv, target: Target): Promise<void> {
  await waitFor(
    `no terminating pod in ${target.namespace}`,
    async () => {
      const pods = await kubectlJson<{ items: { metadata: { deletionTimestamp?: string } }[] }>(
        env.cluster,
        ['get', 'pods', '-n', target.namespace, '-l', 'app.kubernetes.io/name=score-api'],
      );
      return pods.items.some((p) => p.metadata.deletionTimestamp) ? undefined : true;
    },
    { timeoutMs: 120_000, pollMs: 1000 },
  );
}

/**
 * Runs `flow` under the keep-alive load on minikube's NodePort: the load starts once a request
 * has been answered (the environment serves before the flow) and ends when the flow is over and
 * the pods it replaced have drained and gone.
 */
async function underLoad<T>(
  env: GitopsEnv,
  flow: () => Promise<T>,
): Promise<{ result: T; load: LoadReport }> {
  const url = await nodePortUrl(env.cluster);
  const probe = startLoad({ url, ratePerSec: 1, connections: 1, maxDurationMs: 1500 });
  await new Promise((r) => setTimeout(r, 1200));
  const before = await probe.stop();
  if (before.ok === 0)
    throw new Error(
      `${url} does not serve before the flow: ${formatLoad(before, { ratePerSec: 1, connections: 1 })}`,
    );
  const load = startLoad({ url, ...LOAD, maxDurationMs: 15 * 60_000 });
  let result: T;
  try {
    result = await flow();
    await podsSettled(env, MINIKUBE);
  } catch (err) {
    env.log(`load (the flow failed): ${formatLoad(await load.stop(), LOAD)}`);
    throw err;
  }
  const report = await load.stop();
  env.log(`load: ${formatLoad(report, LOAD)}`);
  return { result, load: report };
}

/** Result of a deploy flow: the bump, verify's verdict, the timings, the first failure signal and the load. */
export interface DeployOutcome {
  bump: BumpJson;
  verify: VerifyJson;
  timings: FlowTimings;
  signal?: FailureSignal;
  load: LoadReport;
}

/**
 * Deploy flow (deploy.yml's bump + verify jobs) under load: bump the minikube overlay to the
 * release, verify with rollback; the first failure signal of the release's pods is recorded.
 */
export async function deployRelease(env: GitopsEnv, release: Release): Promise<DeployOutcome> {
  const signals = await watchFailureSignal(
    env.cluster.kubeconfig,
    MINIKUBE.namespace,
    imageRef(MINIKUBE, release),
  );
  try {
    const { result, load } = await underLoad(env, async () => {
      const b = await bump(env, release, MINIKUBE);
      const v = await verify(env, MINIKUBE, b.json.commit);
      return { b, v };
    });
    const signal = signals.first();
    return {
      bump: result.b.json,
      verify: result.v.json,
      timings: flowTimings(result.b.pushedAt, result.v.startedAt, result.v.json, signal?.at),
      load,
      ...(signal ? { signal } : {}),
    };
  } finally {
    signals.stop();
  }
}

/** Manual rollback under load: a plain `git revert` of a bump commit in a developer clone, pushed by hand, then verified. */
export async function manualRevert(
  env: GitopsEnv,
  bumpCommit: string,
): Promise<{ revertCommit: string; verify: VerifyJson; timings: FlowTimings; load: LoadReport }> {
  const { result, load } = await underLoad(env, async () => {
    git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
    git(env.work, 'revert', '--no-edit', bumpCommit);
    git(env.work, 'push', '--quiet', 'origin', 'main');
    const pushedAt = Date.now();
    const revertCommit = git(env.work, 'rev-parse', 'HEAD');
    // A revert is itself the rollback: verified, never reverted again (as the workflows do).
    const v = await verify(env, MINIKUBE, revertCommit, { rollback: false });
    return { revertCommit, v, pushedAt };
  });
  return {
    revertCommit: result.revertCommit,
    verify: result.v.json,
    timings: flowTimings(result.pushedAt, result.v.startedAt, result.v.json),
    load,
  };
}

/** The readiness probe's budget in the live Deployment: initialDelaySeconds + periodSeconds × failureThreshold. */
export async function readinessBudgetMs(
  env: GitopsEnv,
  target: Target = MINIKUBE,
): Promise<number> {
  const d = await kubectlJson<{
    spec: {
      template: {
        spec: {
          containers: {
            readinessProbe?: {
              initialDelaySeconds?: number;
              periodSeconds?: number;
              failureThreshold?: number;
            };
          }[];
        };
      };
    };
  }>(env.cluster, ['get', 'deployment', DEPLOYMENT, '-n', target.namespace]);
  const p = d.spec.template.spec.containers[0]?.readinessProbe ?? {};
  return (
    ((p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3)) * 1000
  );
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

/** Result of the promotion flow: the PR, the merge commit, gke's verdict and the timings. */
export interface PromotionOutcome {
  promote: PromoteJson;
  merge: string;
  verify: VerifyJson;
  timings: FlowTimings;
}

/**
 * Promotion flow (promote.yml): the release's image is copied to gke's registry path with its
 * digest preserved, `gitops promote --push --open-pr` pins the minikube overlay's digest in
 * overlays/gke on promote/gke and opens the PR (GitHub's API is the fake: it cannot run here); the
 * PR is merged with a real merge commit in the remote; verify-gke then verifies score-api-gke at
 * the merge, with the merge as the commit to revert on failure.
 */
export async function promoteAndMerge(
  env: GitopsEnv,
  github: FakeGithubApi,
  release: Release,
): Promise<PromotionOutcome> {
  await copyImage(release, GKE.loopbackRepository);
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
  await podsSettled(env, GKE);
  return {
    promote: json,
    merge,
    verify: v.json,
    timings: flowTimings(pushedAt, v.startedAt, v.json),
  };
}
