/**
 * How long a container of a new pod may run without becoming Ready before the release counts as failed,
 * from the container's own probes, and the kubelet's events that say why it is not Ready.
 *
 * The kubelet runs readiness probes only once the startup probe (if any) has passed. So the budget is the
 * startup probe's `initialDelaySeconds + periodSeconds × failureThreshold` (until it is known to have
 * passed), then the readiness probe's own `initialDelaySeconds + periodSeconds × failureThreshold`, plus a
 * margin for a probe's timeout, the kubelet's probe jitter and events' one-second timestamps.
 * `minReadySeconds` is not added: it counts from Ready, so it cannot make a container that never became
 * Ready any later, and waiting it out would only delay the verdict.
 */

/** Seconds added to every readiness budget. */
export const READINESS_MARGIN_S = 5;

/** The probe fields the budget reads; defaults are the API's. */
export interface ProbeView {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

/** The API's defaults for an unset probe field. */
const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 };

/** `initialDelaySeconds + periodSeconds × failureThreshold` of a probe, in seconds (0 without a probe). */
export function probeBudgetSeconds(probe: ProbeView | undefined): number {
  if (!probe) return 0;
  const p = { ...PROBE_DEFAULTS, ...probe };
  return p.initialDelaySeconds + p.periodSeconds * p.failureThreshold;
}

/** A core/v1 Event, as far as this module reads it (legacy and events.k8s.io-style timestamps). */
export interface EventView {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string; uid?: string; fieldPath?: string };
  firstTimestamp?: unknown;
  lastTimestamp?: unknown;
  eventTime?: unknown;
  series?: { lastObservedTime?: unknown };
}

/** One readiness-probe failure event of a container, with its time span in epoch ms. */
export interface ProbeFailure {
  message: string;
  firstMs: number;
  lastMs: number;
}

export function toMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The kubelet's `Readiness probe failed` events (reason Unhealthy) for one container of a pod, oldest
 * first. A pod is matched by uid when both sides have one, else by name.
 */
export function readinessFailures(
  events: readonly object[],
  pod: { name?: string; uid?: string },
  container: string,
): ProbeFailure[] {
  const fieldPath = `spec.containers{${container}}`;
  const out: ProbeFailure[] = [];
  for (const e of events as EventView[]) {
    const o = e.involvedObject ?? {};
    if (e.reason !== 'Unhealthy' || !e.message?.startsWith('Readiness probe failed')) continue;
    if (o.kind !== undefined && o.kind !== 'Pod') continue;
    const samePod = pod.uid && o.uid ? o.uid === pod.uid : o.name === pod.name;
    if (!samePod || (o.fieldPath !== undefined && o.fieldPath !== fieldPath)) continue;
    const firstMs = toMs(e.firstTimestamp) ?? toMs(e.eventTime);
    const lastMs = toMs(e.lastTimestamp) ?? toMs(e.series?.lastObservedTime) ?? firstMs;
    if (firstMs === undefined || lastMs === undefined) continue;
    out.push({ message: e.message.trim(), firstMs, lastMs });
  }
  return out.sort((a, b) => a.lastMs - b.lastMs);
}

/** What readinessDeadline needs to know about one running container. */
export interface ReadinessInput {
  startupProbe?: ProbeView;
  readinessProbe?: ProbeView;
  /** When the current instance of the container started (state.running.startedAt), epoch ms. */
  startedAtMs: number;
  /** containerStatuses[].started: true once the startup probe has passed. */
  started?: boolean;
  /** Its readiness failures (readinessFailures), any instance. */
  failures: readonly ProbeFailure[];
}

/** When the container must be Ready by, and how that was computed (for the verdict). */
export interface ReadinessDeadline {
  deadlineMs: number;
  /** The readiness probing began (or at the latest began) at this time. */
  probingFromMs: number;
  /** Human-readable arithmetic, e.g. "readiness 0 + 5 × 2 = 10s + 5s margin". */
  budget: string;
}

/**
 * The time by which a running container must be Ready, or undefined when it has no readiness probe (it is
 * Ready once started, and a startup probe that fails restarts it, which the restart rules judge).
 *
 * Readiness probing begins when the startup probe passes. Its time is not in the API; bounds for it are:
 * the container's start (no startup probe), the first readiness failure of this instance (probes run only
 * after startup), or else the start plus the whole startup budget. The earliest bound that is certain is
 * used, so a container is never judged before its budget is really spent.
 */
export function readinessDeadline(c: ReadinessInput): ReadinessDeadline | undefined {
  if (!c.readinessProbe) return undefined;
  const startupS = probeBudgetSeconds(c.startupProbe);
  let probingFromMs = c.startedAtMs + startupS * 1000;
  let from = c.startupProbe ? `start + startup ${startupS}s` : 'start';
  if (c.startupProbe && c.started) {
    // Event timestamps have one-second resolution: a failure in this instance may read up to 1 s early.
    const ownInstance = c.failures
      .filter((f) => f.lastMs >= c.startedAtMs - 1000)
      .map((f) => (f.firstMs >= c.startedAtMs - 1000 ? f.firstMs : f.lastMs));
    const firstFailure = Math.min(...ownInstance);
    if (firstFailure < probingFromMs) {
      probingFromMs = Math.max(firstFailure, c.startedAtMs);
      from = 'first readiness failure';
    }
  }
  const readinessS = probeBudgetSeconds(c.readinessProbe);
  const p = { ...PROBE_DEFAULTS, ...c.readinessProbe };
  return {
    deadlineMs: probingFromMs + (readinessS + READINESS_MARGIN_S) * 1000,
    probingFromMs,
    budget: `${from}, then readiness ${p.initialDelaySeconds} + ${p.periodSeconds} × ${p.failureThreshold} = ${readinessS}s, + ${READINESS_MARGIN_S}s margin`,
  };
}
