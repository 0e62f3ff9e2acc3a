/**
 * Verifies that a GitOps revision went live: asks Argo CD to refresh, waits until the revision is synced, then
 * watches the Deployment rollout and the application's health. On failure or timeout it can roll back by
 * reverting the bump commit in Git (Argo CD then syncs the revert) and waits for the recovery.
 */
import {
  evaluateApplication,
  isSyncedTo,
  trackedRevision,
  DEFAULT_SETTLE_MS,
} from '../rules/argocd-status.js';
import type { AppVerdict } from '../rules/argocd-status.js';
import { evaluateRollout, selectorOf } from '../rules/rollout-status.js';
import type { RolloutVerdict } from '../rules/rollout-status.js';
import { KubeApiError } from '../adapters/kube-api.js';
import type { KubeClient } from '../adapters/kube-api.js';
import { GitopsError, InputError } from '../errors.js';
import { retry } from '../retry.js';
import { checkBranch, checkCommitSha, checkKubeName } from '../rules/names.js';
import type { RevertOptions, RevertResult } from './revert.js';
import { findRevertOf, revertDeployment } from './revert.js';
import type { Workspace } from './workspace.js';
import { openWorkspace } from './workspace.js';

/** Time source and wait; injected so unit tests run without real waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface VerifyOptions {
  kube: KubeClient;
  app: string;
  appNamespace?: string;
  /** The GitOps repository commit Argo CD must reach (40 hex). */
  revision: string;
  deployment: string;
  namespace: string;
  /** How long to wait for the revision to be live. Default 300 000 ms. */
  timeoutMs?: number;
  /** Poll interval. Default 2000 ms. */
  pollMs?: number;
  /** Revert `commit` (default: `revision`) in `repo` when verification fails, and wait for the recovery. */
  rollback?: { repo: string; branch?: string; commit?: string };
  log?: (line: string) => void;
  /** Argo CD must report Synced+Healthy this long after its last transition. Default 5000 ms. */
  settleMs?: number;
  /** Container restarts of a new pod above which the rollout fails. Default 3. */
  restartThreshold?: number;
  /** How long to wait for the recovery after a revert. Default: timeoutMs. */
  recoveryTimeoutMs?: number;
  clock?: Clock;
  /** Injected for tests; default revertDeployment in the rollback workspace. */
  revert?: (opts: RevertOptions) => Promise<RevertResult>;
  /** Injected for tests; default: the revert of `commit` on the remote rollback branch (findRevertOf), if any. */
  findRevert?: (commit: string) => Promise<string | undefined>;
}

export interface VerifyResult {
  result: 'healthy' | 'rolled-back' | 'failed';
  reason?: string;
  timings: { toSyncedMs?: number; toReadyMs?: number; toRecoveredMs?: number };
  timeline: { atMs: number; event: string }[];
  revertCommit?: string;
  /** 'reverted' when this run pushed the revert, 'already-reverted' when an earlier run had. */
  revertStatus?: RevertResult['status'];
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One observation of the application and the workload. */
interface Observation {
  app: AppVerdict;
  synced: boolean;
  tracked?: string;
  rollout?: RolloutVerdict;
}

/** The outcome of one poll loop: what `decide` concluded, or how it timed out. */
interface Polled<T> {
  done?: T;
  observed: boolean;
  lastWaiting: string;
  lastError?: string;
}

/**
 * The one poll loop of a verification: observe, let `decide` end it, otherwise log what is awaited (once
 * per change) and wait `pollMs`, until `deadline`. API errors are retried on the next poll; fatal ones
 * (credentials, a missing Application) end the run.
 */
async function pollUntil<T>(p: {
  clock: Clock;
  deadline: number;
  pollMs: number;
  label: string;
  event: (text: string) => void;
  observe: () => Promise<Observation>;
  decide: (obs: Observation) => T | undefined;
}): Promise<Polled<T>> {
  const state: Polled<T> = { observed: false, lastWaiting: '' };
  for (;;) {
    let obs: Observation | undefined;
    try {
      obs = await p.observe();
      state.lastError = undefined;
    } catch (err) {
      state.lastError = fatalOrMessage(err);
    }
    if (obs) {
      state.observed = true;
      const done = p.decide(obs);
      if (done !== undefined) return { ...state, done };
      const waiting = waitingFor(obs);
      if (waiting !== state.lastWaiting) {
        p.event(`${p.label}: ${waiting}`);
        state.lastWaiting = waiting;
      }
    } else if (state.lastError) {
      p.event(`Kubernetes API error (will retry): ${state.lastError}`);
    }
    const now = p.clock.now();
    if (now >= p.deadline) return state;
    await p.clock.sleep(Math.min(p.pollMs, p.deadline - now));
  }
}

/** Runs the verification (and the rollback when asked) and returns the verdict with timings and a timeline. */
export async function verifyRollout(opts: VerifyOptions): Promise<VerifyResult> {
  validateVerifyOptions(opts);
  // The rollback repository is opened once, for the check for an earlier revert and for the revert.
  let workspace: Promise<Workspace> | undefined;
  const rollbackWorkspace = (): Promise<Workspace> =>
    (workspace ??= openWorkspace({
      repo: opts.rollback!.repo,
      branch: opts.rollback!.branch ?? 'main',
      sync: true,
      log: opts.log,
    }));
  try {
    return await verifyWith(opts, rollbackWorkspace);
  } finally {
    if (workspace) await (await workspace.catch(() => undefined))?.cleanup();
  }
}

async function verifyWith(
  opts: VerifyOptions,
  rollbackWorkspace: () => Promise<Workspace>,
): Promise<VerifyResult> {
  const clock = opts.clock ?? realClock;
  const appNamespace = opts.appNamespace ?? 'argocd';
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const pollMs = opts.pollMs ?? 2000;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const start = clock.now();
  const timeline: VerifyResult['timeline'] = [];
  const timings: VerifyResult['timings'] = {};
  const event = (text: string): void => {
    const atMs = clock.now() - start;
    timeline.push({ atMs, event: text });
    opts.log?.(`[+${(atMs / 1000).toFixed(1)}s] ${text}`);
  };

  const observe = async (
    revision: string,
    watchRollout: (synced: boolean) => boolean,
  ): Promise<Observation> => {
    const app = await opts.kube.getApplication(appNamespace, opts.app);
    const verdict = evaluateApplication(app, revision, new Date(clock.now()), settleMs);
    const synced = isSyncedTo(app, revision);
    const obs: Observation = { app: verdict, synced, tracked: trackedRevision(app) };
    if (watchRollout(synced)) obs.rollout = await readRollout(opts);
    return obs;
  };

  // A re-run after a rollback (a retried CI job) must not wait the whole timeout for a revision that is gone.
  let failure: string | undefined;
  if (opts.rollback) {
    const commit = opts.rollback.commit ?? opts.revision;
    const findRevert =
      opts.findRevert ??
      (async (c: string) => {
        const ws = await rollbackWorkspace();
        return findRevertOf(ws.git, c, ws.hasRemote ? ws.upstream : 'HEAD');
      });
    const earlier = await findRevert(commit);
    if (earlier) {
      failure = `${commit.slice(0, 12)} was already reverted by ${earlier.slice(0, 12)} (an earlier verification failed)`;
      event(failure);
    }
  }

  event(`verifying ${opts.app} at ${opts.revision.slice(0, 12)}: requesting an Argo CD refresh`);
  await refresh(opts, appNamespace, clock);

  // Phase 1: the revision goes live, or fails, or time runs out.
  const seen = new Set<string>([opts.revision]);
  if (!failure) {
    const deadline = start + timeoutMs;
    const phase = await pollUntil<{ failure: string } | { healthy: string }>({
      clock,
      deadline,
      pollMs,
      label: 'waiting',
      event,
      // Before the sync the Deployment still runs the previous release; its state says nothing about this one.
      observe: () => observe(opts.revision, (synced) => synced || timings.toSyncedMs !== undefined),
      decide: (obs) => {
        if (obs.tracked) seen.add(obs.tracked);
        if (obs.synced && timings.toSyncedMs === undefined) {
          timings.toSyncedMs = clock.now() - start;
          event(`Argo CD synced ${opts.revision.slice(0, 12)}`);
        }
        if (obs.app.state === 'failed' || obs.app.state === 'degraded')
          return { failure: `Argo CD ${obs.app.state}: ${obs.app.message}` };
        if (obs.rollout?.state === 'failed')
          return { failure: `rollout failed: ${obs.rollout.reason}: ${obs.rollout.message}` };
        if (obs.app.state === 'live' && obs.rollout?.state === 'complete')
          return { healthy: obs.rollout.message };
        return undefined;
      },
    });
    if (phase.done && 'healthy' in phase.done) {
      timings.toReadyMs = clock.now() - start;
      event(`healthy: ${phase.done.healthy}`);
      return { result: 'healthy', timings, timeline };
    }
    if (phase.done) failure = phase.done.failure;
    else if (!phase.observed) {
      // Never having seen the cluster says nothing about the release: do not roll back on it.
      throw new GitopsError(
        `could not read ${appNamespace}/${opts.app} from the cluster in ${Math.round(timeoutMs / 1000)}s: ${phase.lastError ?? 'no answer'}`,
        'KUBE_UNREACHABLE',
        'check the kubeconfig and the network to the API server; nothing was rolled back',
      );
    } else {
      failure = `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${phase.lastWaiting || 'the first observation'}${phase.lastError ? ` (last API error: ${phase.lastError})` : ''}`;
    }
  }
  event(`verification failed: ${failure}`);

  if (!opts.rollback) return { result: 'failed', reason: failure, timings, timeline };

  // Phase 2: revert the bump or promotion commit and wait until the cluster is back on a healthy revision.
  const revert =
    opts.revert ??
    (async (o: RevertOptions) => revertDeployment({ ...o, workspace: await rollbackWorkspace() }));
  const commit = opts.rollback.commit ?? opts.revision;
  event(`rolling back: reverting ${commit.slice(0, 12)}`);
  const reverted = await revert({
    repo: opts.rollback.repo,
    branch: opts.rollback.branch,
    commit,
    reason: failure as string,
    push: true,
    log: opts.log,
  });
  event(
    reverted.status === 'reverted'
      ? `pushed revert commit ${reverted.commit.slice(0, 12)}`
      : `already reverted by ${reverted.commit.slice(0, 12)}; waiting for the recovery`,
  );
  await refresh(opts, appNamespace, clock);

  const base: VerifyResult = {
    result: 'failed',
    reason: failure,
    timings,
    timeline,
    revertCommit: reverted.commit,
    revertStatus: reverted.status,
  };
  let target: string | undefined;
  const recovery = await pollUntil<string>({
    clock,
    deadline: clock.now() + (opts.recoveryTimeoutMs ?? timeoutMs),
    pollMs,
    label: 'recovery',
    event,
    observe: async () => {
      const app = await opts.kube.getApplication(appNamespace, opts.app);
      const tracked = trackedRevision(app);
      // The revert commit, or anything newer than what was seen before the revert (a later push on top of it).
      target = tracked && (tracked === reverted.commit || !seen.has(tracked)) ? tracked : undefined;
      const verdict: AppVerdict = target
        ? evaluateApplication(app, target, new Date(clock.now()), settleMs)
        : {
            state: 'pending',
            message: `waiting for Argo CD to pick up revert ${reverted.commit.slice(0, 12)} (it tracks ${tracked?.slice(0, 12) ?? 'nothing'})`,
          };
      const obs: Observation = {
        app: verdict,
        synced: target !== undefined && isSyncedTo(app, target),
        tracked,
      };
      if (obs.synced) obs.rollout = await readRollout(opts);
      return obs;
    },
    decide: (obs) =>
      obs.app.state === 'live' && obs.rollout?.state === 'complete'
        ? obs.rollout.message
        : undefined,
  });
  if (recovery.done !== undefined) {
    timings.toRecoveredMs = clock.now() - start;
    event(`recovered at ${target?.slice(0, 12)}: ${recovery.done}`);
    return { ...base, result: 'rolled-back' };
  }
  const reason = `${failure}; reverted by ${reverted.commit.slice(0, 12)} but the recovery was not observed in time, still waiting for ${recovery.lastWaiting || 'the first observation'}${recovery.lastError ? ` (last API error: ${recovery.lastError})` : ''}`;
  event('recovery timed out');
  return { ...base, reason };
}

/** Checks the verify inputs before anything is contacted; InputError naming the first bad one. */
export function validateVerifyOptions(opts: Omit<VerifyOptions, 'kube'>): void {
  checkCommitSha(opts.revision, 'revision');
  if (opts.rollback?.commit !== undefined) checkCommitSha(opts.rollback.commit, 'rollback.commit');
  checkKubeName(opts.app, 'app');
  checkKubeName(opts.deployment, 'deployment');
  checkKubeName(opts.namespace, 'namespace', { label: true });
  if (opts.appNamespace !== undefined)
    checkKubeName(opts.appNamespace, 'app-namespace', { label: true });
  for (const [input, value] of [
    ['timeout', opts.timeoutMs],
    ['poll', opts.pollMs],
    ['recovery-timeout', opts.recoveryTimeoutMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new InputError(input, `expected a positive number of milliseconds, got ${value}`);
    }
  }
  if (opts.rollback) {
    if (typeof opts.rollback.repo !== 'string' || opts.rollback.repo.trim() === '')
      throw new InputError(
        'repo',
        'is required for a rollback (the GitOps repository path or URL)',
      );
    if (opts.rollback.branch !== undefined) checkBranch(opts.rollback.branch);
  }
}

// A refresh only speeds Argo CD up, but failing to send it is a sign of a bad setup: retry blips, then give up.
function refresh(opts: VerifyOptions, appNamespace: string, clock: Clock): Promise<void> {
  return retry(() => opts.kube.refreshApplication(appNamespace, opts.app), {
    maxAttempts: 3,
    baseDelayMs: 500,
    sleep: (ms) => clock.sleep(ms),
    shouldRetry: (err) => err instanceof KubeApiError && (err.status === 0 || err.status >= 500),
    onRetry: (err, attempt) =>
      opts.log?.(`refresh attempt ${attempt} failed (${(err as Error).message}); retrying`),
  });
}

async function readRollout(opts: VerifyOptions): Promise<RolloutVerdict> {
  let deployment: object;
  try {
    deployment = await opts.kube.getDeployment(opts.namespace, opts.deployment);
  } catch (err) {
    // Right after a first sync the Deployment may not exist yet; keep waiting rather than fail.
    if (err instanceof KubeApiError && err.status === 404) {
      return {
        state: 'progressing',
        message: `deployment ${opts.namespace}/${opts.deployment} not found yet`,
      };
    }
    throw err;
  }
  const selector = selectorOf(deployment);
  const [replicaSets, pods] = await Promise.all([
    opts.kube.listReplicaSets(opts.namespace, selector),
    opts.kube.listPods(opts.namespace, selector),
  ]);
  return evaluateRollout({
    deployment,
    replicaSets,
    pods,
    restartThreshold: opts.restartThreshold,
  });
}

function waitingFor(obs: Observation): string {
  if (obs.app.state !== 'live') return obs.app.message;
  return obs.rollout ? obs.rollout.message : 'the rollout';
}

// Credentials, permissions or a missing Application are configuration errors: reverting a release cannot fix
// them, so they end the run instead of counting as a failed rollout. Anything else is retried next poll.
function fatalOrMessage(err: unknown): string {
  if (err instanceof KubeApiError && [401, 403, 404].includes(err.status)) throw err;
  if (err instanceof InputError) throw err;
  if (err instanceof GitopsError || err instanceof Error) return err.message;
  return String(err);
}
