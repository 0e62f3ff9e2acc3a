/**
 * Decides from an Argo CD Application's status whether a given Git revision is live: compared, synced by a
 * finished sync operation, healthy, and quiet for a short settle window so a flapping health is not taken
 * for success. Multi-source applications are supported minimally: the revision counts as matched when it is
 * one of `revisions` (it does not check which source it belongs to).
 *
 * Argo CD retries on its own: a sync operation that fails is put back to Running until the Application's
 * `syncPolicy.retry.limit` is spent, and a comparison that failed (ComparisonError: a repo-server or Git
 * blip) is tried again at the next refresh. Only a sync operation that ends Failed or Error for the revision
 * is a failure here; an error condition keeps the revision pending, with its message, until the caller's
 * deadline.
 */

import { toMs } from './readiness-budget.js';

export type AppVerdict = { state: 'pending' | 'live' | 'degraded' | 'failed'; message: string };

export const DEFAULT_SETTLE_MS = 5000;

interface AppView {
  metadata?: { name?: string };
  status?: {
    reconciledAt?: unknown;
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string; lastTransitionTime?: unknown };
    conditions?: { type?: string; message?: string }[];
    operationState?: {
      phase?: string;
      message?: string;
      retryCount?: number;
      finishedAt?: unknown;
      operation?: { sync?: { revision?: string; revisions?: string[] } };
      syncResult?: {
        revision?: string;
        revisions?: string[];
        resources?: { kind?: string; name?: string; status?: string; message?: string }[];
      };
    };
  };
}

function matches(revision: string, single?: string, many?: string[]): boolean {
  return single === revision || (many ?? []).includes(revision);
}

function short(revision: string | undefined): string {
  return revision ? revision.slice(0, 12) : '(none)';
}

/** The Application's error conditions (type ending in `Error`) as one line, or undefined when there are none. */
export function errorConditions(app: object): string | undefined {
  const errors = ((app as AppView).status?.conditions ?? []).filter((c) =>
    c.type?.endsWith('Error'),
  );
  if (errors.length === 0) return undefined;
  return errors.map((c) => `${c.type}: ${c.message ?? ''}`.trim()).join('; ');
}

/** The revision Argo CD last compared the application against (first of `revisions` for multi-source apps). */
export function trackedRevision(app: object): string | undefined {
  const sync = (app as AppView).status?.sync;
  return sync?.revision ?? sync?.revisions?.[0];
}

/** True when Argo CD reports the application Synced to `revision` by a sync operation that succeeded. */
export function isSyncedTo(app: object, revision: string): boolean {
  const status = (app as AppView).status ?? {};
  const op = status.operationState;
  return (
    status.sync?.status === 'Synced' &&
    matches(revision, status.sync.revision, status.sync.revisions) &&
    op?.phase === 'Succeeded' &&
    matches(revision, op.syncResult?.revision, op.syncResult?.revisions)
  );
}

/** Evaluates one observation of the Application for `revision` at time `now`. */
export function evaluateApplication(
  app: object,
  revision: string,
  now: Date,
  settleMs: number = DEFAULT_SETTLE_MS,
): AppVerdict {
  const a = app as AppView;
  const name = a.metadata?.name ?? '(unnamed)';
  const status = a.status ?? {};
  const sync = status.sync ?? {};
  const health = status.health ?? {};
  const op = status.operationState;
  const opRevisionMatches =
    op !== undefined &&
    (matches(revision, op.syncResult?.revision, op.syncResult?.revisions) ||
      matches(revision, op.operation?.sync?.revision, op.operation?.sync?.revisions));

  if (opRevisionMatches && (op.phase === 'Failed' || op.phase === 'Error')) {
    const failedResources = (op.syncResult?.resources ?? [])
      .filter((r) => r.status === 'SyncFailed')
      .map((r) => `${r.kind ?? '?'}/${r.name ?? '?'}: ${r.message ?? ''}`.trim());
    return {
      state: 'failed',
      message: `sync of ${short(revision)} ${op.phase}: ${op.message ?? ''}${failedResources.length ? ` (${failedResources.join('; ')})` : ''}`,
    };
  }

  // Conditions are app-wide and carry no revision. An error condition (a failed comparison, an invalid
  // spec) blocks any revision from going live, but Argo CD retries it: wait, and say why.
  const errors = errorConditions(a);
  if (errors) {
    return {
      state: 'pending',
      message: `Argo CD reports ${errors} (Argo CD retries; waiting until the deadline)`,
    };
  }

  if (!matches(revision, sync.revision, sync.revisions)) {
    return {
      state: 'pending',
      message: `waiting for Argo CD to compare ${name} against ${short(revision)} (it tracks ${short(trackedRevision(a))}, sync ${sync.status ?? 'Unknown'})`,
    };
  }

  if (op?.phase === 'Running' || op?.phase === 'Terminating') {
    const retry = op.retryCount ? ` (Argo CD retry ${op.retryCount})` : '';
    return {
      state: 'pending',
      message: `sync operation ${op.phase}${retry} for ${short(op.operation?.sync?.revision ?? op.syncResult?.revision)}${op.message ? `: ${op.message}` : ''}`,
    };
  }

  if (sync.status !== 'Synced' || !opRevisionMatches || op?.phase !== 'Succeeded') {
    return {
      state: 'pending',
      message: `waiting for a successful sync of ${short(revision)} (sync ${sync.status ?? 'Unknown'}, last operation ${op?.phase ?? 'none'} for ${short(op?.syncResult?.revision)}; a revision that changes nothing in this app gets no sync operation)`,
    };
  }

  if (health.status === 'Degraded') {
    // A Degraded that began before this sync finished was assessed on the previous release (e.g. the one this
    // revision fixes); only a degradation entered after the sync speaks about this revision.
    const degradedAt = toMs(health.lastTransitionTime);
    const syncedAt = toMs(op.finishedAt);
    if (degradedAt !== undefined && syncedAt !== undefined && degradedAt < syncedAt) {
      return {
        state: 'pending',
        message: `health Degraded since before the sync of ${short(revision)}; waiting for Argo CD to assess the new state`,
      };
    }
    return {
      state: 'degraded',
      message: `application ${name} Degraded at ${short(revision)}${health.message ? `: ${health.message}` : ''}`,
    };
  }

  if (health.status === 'Suspended') {
    return {
      state: 'pending',
      message: `application ${name} Suspended at ${short(revision)} (a paused Deployment?)${health.message ? `: ${health.message}` : ''}`,
    };
  }

  if (health.status !== 'Healthy') {
    return {
      state: 'pending',
      message: `waiting for health: ${health.status ?? 'Unknown'}${health.message ? ` (${health.message})` : ''}`,
    };
  }

  const transitions = [op.finishedAt, health.lastTransitionTime, status.reconciledAt]
    .map(toMs)
    .filter((ms): ms is number => ms !== undefined);
  const last = transitions.length > 0 ? Math.max(...transitions) : undefined;
  if (last !== undefined && now.getTime() - last < settleMs) {
    const left = Math.ceil((settleMs - (now.getTime() - last)) / 1000);
    return {
      state: 'pending',
      message: `Synced and Healthy at ${short(revision)}; settling (${left}s left)`,
    };
  }
  return { state: 'live', message: `${name} is Synced and Healthy at ${short(revision)}` };
}
