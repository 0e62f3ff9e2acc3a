/**
 * Verifies that a GitOps revision went live: asks Argo CD to refresh, waits until the revision (or a
 * descendant that pins the same images) is synced, watches the Deployment rollout and the application's
 * health, then sends a known request through the Service. On failure or timeout it can roll back by
 * reverting the bump commit in Git (Argo CD then syncs the revert) and waits for the recovery. A paused
 * Deployment (suspended) and a release a newer bump replaced (superseded) end the run without a revert.
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
import { judgeLiveRevision, pinnedDigests } from '../rules/revision-lineage.js';
import type { LineageVerdict, Pin } from '../rules/revision-lineage.js';
import { DEFAULT_SMOKE, judgeSmoke } from '../rules/smoke-check.js';
import { KubeApiError } from '../adapters/kube-api.js';
import { fetchBranch } from '../adapters/git.js';
import { GitopsError, InputError } from '../errors.js';
import { retry } from '../retry.js';
import { listImages } from '../rules/kustomization.js';
import type { RevertOptions } from './revert.js';
import { findRevertOf, revertDeployment } from './revert.js';
import type { Workspace } from './workspace.js';
import { openWorkspace } from './workspace.js';
import { DEFAULT_VERIFY_TIMEOUT_S, validateVerifyOptions } from './verify-options.js';
import type { Clock, LineageSource, VerifyOptions, VerifyResult } from './verify-options.js';

export { DEFAULT_VERIFY_TIMEOUT_S, validateVerifyOptions } from './verify-options.js';
export type {
  Clock,
  LineageSource,
  SmokeOptions,
  VerifyOptions,
  VerifyResult,
} from './verify-options.js';

/** Attempts of a smoke request the Service did not answer (no endpoint yet, a proxy blip), and the wait between. */
const SMOKE_ATTEMPTS = 3;
const SMOKE_RETRY_MS = 2000;
const SMOKE_TIMEOUT_MS = 10_000;

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
  /** The revision judged: `revision` or a descendant that pins the same images. */
  judged?: string;
  lineage?: LineageVerdict;
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
  // The GitOps repository is opened once, for the lineage of a live revision, the check for an earlier
  // revert and the revert; only a rollback needs it synced with the remote (it pushes).
  const repo = opts.rollback ?? opts.source;
  let workspace: Promise<Workspace> | undefined;
  const openRepo = (): Promise<Workspace> =>
    (workspace ??= openWorkspace({
      repo: repo!.repo,
      branch: repo!.branch ?? 'main',
      sync: opts.rollback !== undefined,
      log: opts.log,
    }));
  const lineage = opts.lineage ?? (repo ? gitLineage(openRepo, opts.log) : undefined);
  try {
    return await verifyWith(opts, openRepo, lineage);
  } finally {
    if (workspace) await (await workspace.catch(() => undefined))?.cleanup();
  }
}

async function verifyWith(
  opts: VerifyOptions,
  rollbackWorkspace: () => Promise<Workspace>,
  lineage: LineageSource | undefined,
): Promise<VerifyResult> {
  const clock = opts.clock ?? realClock;
  const appNamespace = opts.appNamespace ?? 'argocd';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_S * 1000;
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

  const lineageOf = memoLineage(lineage, opts.revision);

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
  const deadline = start + timeoutMs;
  let liveRevision: string | undefined;
  let smoke: string | undefined;
  if (!failure) {
    type Phase1 =
      | { failure: string }
      | { healthy: string }
      | { suspended: string }
      | { superseded: LineageVerdict & { state: 'superseded' } };
    const phase = await pollUntil<Phase1>({
      clock,
      deadline,
      pollMs,
      label: 'waiting',
      event,
      observe: async () => {
        const app = await opts.kube.getApplication(appNamespace, opts.app);
        const tracked = trackedRevision(app);
        const lin =
          tracked && tracked !== opts.revision
            ? await lineageOf.judge(tracked, appPath(app))
            : undefined;
        if (lin?.state === 'superseded') {
          return {
            app: { state: 'pending', message: lin.message },
            synced: false,
            tracked,
            lineage: lin,
          };
        }
        const judged = lin?.state === 'follows' ? lin.revision : opts.revision;
        const verdict = evaluateApplication(app, judged, new Date(clock.now()), settleMs);
        const obs: Observation = {
          app:
            lin?.state === 'waiting' && verdict.state === 'pending'
              ? { ...verdict, message: `${verdict.message}; ${lin.message}` }
              : verdict,
          synced: isSyncedTo(app, judged),
          tracked,
          judged,
          lineage: lin,
        };
        // Before the sync the Deployment still runs the previous release; its state says nothing about this one.
        if (obs.synced || timings.toSyncedMs !== undefined) {
          const path = appPath(app);
          const pins = path && lineage ? await lineageOf.bumpPins(path) : undefined;
          obs.rollout = await readRollout(opts, clock, pins ? pinnedDigests(pins) : undefined);
        }
        return obs;
      },
      decide: (obs) => {
        if (obs.tracked) seen.add(obs.tracked);
        if (obs.lineage?.state === 'superseded') return { superseded: obs.lineage };
        if (obs.synced && timings.toSyncedMs === undefined) {
          timings.toSyncedMs = clock.now() - start;
          event(
            `Argo CD synced ${obs.judged?.slice(0, 12)}${obs.judged !== opts.revision ? ` (${obs.lineage?.message})` : ''}`,
          );
        }
        if (obs.app.state === 'failed' || obs.app.state === 'degraded')
          return { failure: `Argo CD ${obs.app.state}: ${obs.app.message}` };
        if (obs.rollout?.state === 'suspended') return { suspended: obs.rollout.message };
        if (obs.rollout?.state === 'failed')
          return { failure: `rollout failed: ${obs.rollout.reason}: ${obs.rollout.message}` };
        if (obs.app.state === 'live' && obs.rollout?.state === 'complete') {
          liveRevision = obs.judged;
          return { healthy: obs.rollout.message };
        }
        return undefined;
      },
    });
    const done = phase.done;
    if (done && 'superseded' in done) {
      event(`superseded: ${done.superseded.message}; not judged, not reverted`);
      return {
        result: 'superseded',
        reason: done.superseded.message,
        supersededBy: done.superseded.revision,
        timings,
        timeline,
      };
    }
    if (done && 'suspended' in done) {
      event(`suspended: ${done.suspended}; not reverted`);
      return { result: 'suspended', reason: done.suspended, timings, timeline };
    }
    if (done && 'healthy' in done) {
      event(`rollout healthy: ${done.healthy}`);
      const answer = await smokeRequest(opts, clock, event);
      smoke = answer.message || undefined; // '' when skipped
      if (answer.ok) {
        timings.toReadyMs = clock.now() - start;
        event(`healthy: ${done.healthy}`);
        return { result: 'healthy', liveRevision, smoke, timings, timeline };
      }
      failure = `smoke request failed: ${answer.message}`;
    } else if (done && 'failure' in done) failure = done.failure;
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

  if (!opts.rollback)
    return {
      result: 'failed',
      reason: failure,
      liveRevision,
      smoke,
      timings,
      timeline,
    };

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
    reason: failure,
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
    liveRevision,
    smoke,
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
      if (obs.synced) obs.rollout = await readRollout(opts, clock);
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

/** The overlay path the Application renders (single source, or the first source with a path). */
function appPath(app: object): string | undefined {
  const spec = (app as { spec?: { source?: { path?: string }; sources?: { path?: string }[] } })
    .spec;
  return spec?.source?.path ?? spec?.sources?.find((s) => s.path)?.path;
}

/**
 * Judges each live revision once (its lineage cannot change), except while the relation is unknown (the
 * commit not fetched yet, or no repository): those are asked again at the next poll. What the bump pins
 * (the digest the Deployment must run) is read once too, again after a failed read.
 */
function memoLineage(
  lineage: LineageSource | undefined,
  bump: string,
): {
  judge: (live: string, path: string | undefined) => Promise<LineageVerdict>;
  bumpPins: (path: string) => Promise<Pin[] | undefined>;
} {
  const known = new Map<string, LineageVerdict>();
  let pinned: Promise<Pin[] | undefined> | undefined;
  const bumpPins = (path: string): Promise<Pin[] | undefined> => {
    if (!lineage) return Promise.resolve(undefined);
    return (pinned ??= lineage.pins(bump, path).catch((err: unknown) => {
      pinned = undefined;
      throw err;
    }));
  };
  const judge = async (live: string, path: string | undefined): Promise<LineageVerdict> => {
    const cached = known.get(live);
    if (cached) return cached;
    const relation = lineage ? await lineage.relation(bump, live) : 'unknown';
    const pins =
      relation === 'descendant' && path && lineage
        ? { bumpPins: await bumpPins(path), livePins: await lineage.pins(live, path) }
        : {};
    const verdict = judgeLiveRevision({ bump, live, relation, ...pins });
    if (relation !== 'unknown') known.set(live, verdict);
    return verdict;
  };
  return { judge, bumpPins };
}

/** Lineage from the GitOps repository's history; a commit not fetched yet is fetched once. */
function gitLineage(open: () => Promise<Workspace>, log?: (line: string) => void): LineageSource {
  const present = async (ws: Workspace, rev: string): Promise<boolean> =>
    (await ws.git.tryRun(['cat-file', '-e', `${rev}^{commit}`])).code === 0;
  return {
    relation: async (bump, live) => {
      const ws = await open();
      if (!(await present(ws, live)) && ws.hasRemote) {
        log?.(`fetching ${ws.branch}: Argo CD tracks ${live.slice(0, 12)}, not in the local clone`);
        await fetchBranch(ws.git, ws.branch);
      }
      if (!(await present(ws, live)) || !(await present(ws, bump))) return 'unknown';
      if (await ws.git.isAncestor(bump, live)) return 'descendant';
      if (await ws.git.isAncestor(live, bump)) return 'ancestor';
      return 'unrelated';
    },
    pins: async (revision, path) => {
      const ws = await open();
      for (const file of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
        const res = await ws.git.tryRun([
          'show',
          `${revision}:${path.replace(/\/+$/, '')}/${file}`,
        ]);
        if (res.code === 0) return listImages(res.stdout, `${path}/${file}`);
      }
      return undefined;
    },
  };
}

/**
 * Sends the smoke request through the Service once the rollout is healthy. A request the Service did not
 * answer (no endpoint yet, a proxy blip) is tried again a few times; an answer that is wrong is final.
 */
async function smokeRequest(
  opts: VerifyOptions,
  clock: Clock,
  event: (text: string) => void,
): Promise<{ ok: boolean; message: string }> {
  if (opts.smoke === false) return { ok: true, message: '' };
  const spec = opts.smoke?.request ?? DEFAULT_SMOKE;
  const service = opts.smoke?.service ?? opts.deployment;
  const port = opts.smoke?.port ?? 'http';
  for (let attempt = 1; ; attempt += 1) {
    const res = await opts.kube.postServiceProxy({
      namespace: opts.namespace,
      service,
      port,
      path: spec.path,
      body: spec.body,
      timeoutMs: SMOKE_TIMEOUT_MS,
    });
    const verdict = judgeSmoke(spec, res);
    const where = `service ${opts.namespace}/${service}:${port}`;
    if (verdict.state === 'passed') {
      event(`smoke request through ${where}: ${verdict.message}`);
      return { ok: true, message: verdict.message };
    }
    if (verdict.state === 'failed' || attempt >= SMOKE_ATTEMPTS)
      return { ok: false, message: `${where}: ${verdict.message}` };
    event(`smoke request through ${where}: ${verdict.message}; trying again`);
    await clock.sleep(SMOKE_RETRY_MS);
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

async function readRollout(
  opts: VerifyOptions,
  clock: Clock,
  expectedDigests?: string[],
): Promise<RolloutVerdict> {
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
  // The kubelet's probe failures explain a pod that is not Ready, and date when its probing began.
  const events = pods.some(hasUnreadyContainer)
    ? await opts.kube.listEvents(opts.namespace, 'reason=Unhealthy')
    : [];
  return evaluateRollout({
    deployment,
    replicaSets,
    pods,
    events,
    now: new Date(clock.now()),
    expectedDigests,
    restartThreshold: opts.restartThreshold,
  });
}

function hasUnreadyContainer(pod: object): boolean {
  const statuses = (
    pod as { status?: { containerStatuses?: { ready?: boolean; state?: { running?: unknown } }[] } }
  ).status?.containerStatuses;
  return (statuses ?? []).some((c) => !c.ready && c.state?.running !== undefined);
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
