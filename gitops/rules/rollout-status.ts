/**
 * Decides whether a Deployment rollout is progressing, complete, failed or suspended from plain objects shaped
 * like the Kubernetes API JSON. The completion rules are those of `kubectl rollout status`; a paused Deployment
 * is suspended, as Argo CD calls it. On top of them, pods of the new ReplicaSet fail the rollout as soon as
 * they show they will not become ready: a waiting reason Argo CD calls Degraded (crash loops, image pulls,
 * bad config), repeated non-zero exits, or a readiness probe that has used up its budget
 * (readiness-budget.ts), instead of waiting for the progress deadline. A pod that cannot be scheduled yet is
 * left to the progress deadline: a cluster autoscaler may still add a node for it.
 */
import { InputError } from '../errors.js';
import { readinessDeadline, readinessFailures, toMs } from './readiness-budget.js';
import type { ProbeView } from './readiness-budget.js';

export type RolloutVerdict =
  | { state: 'progressing'; message: string }
  | { state: 'complete'; message: string }
  | { state: 'suspended'; message: string }
  | { state: 'failed'; reason: string; message: string };

/** Input of evaluateRollout: the Deployment, the ReplicaSets its selector matches and the pods it matches. */
export interface RolloutInput {
  deployment: object;
  replicaSets: object[];
  pods: object[];
  /** A container of the new ReplicaSet restarting more than this many times fails the rollout. Default 3. */
  restartThreshold?: number;
  /** The time of the observation; without it no readiness budget is judged. */
  now?: Date;
  /** core/v1 Events of the namespace (at least the pods' `Unhealthy` ones): the readiness failures. */
  events?: object[];
  /**
   * Image digests (sha256:...) the release pins: until the Deployment's pod template carries one of them it
   * does not run the release yet, whatever its counters say.
   */
  expectedDigests?: string[];
}

/** Waiting reasons after which a container will not start without a change to the release. */
export const FATAL_WAITING_REASONS: readonly string[] = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
];

/**
 * Argo CD's rule for a pod's waiting container (gitops-engine health_pod.go): a reason starting with `Err`
 * or ending in `Error` or `BackOff` is Degraded (ErrImageNeverPull, ImageInspectError, RunContainerError,
 * PostStartHookError...), plus the fixed list above.
 */
export function isFatalWaitingReason(reason: string | undefined): boolean {
  if (!reason) return false;
  return (
    FATAL_WAITING_REASONS.includes(reason) ||
    reason.startsWith('Err') ||
    reason.endsWith('Error') ||
    reason.endsWith('BackOff')
  );
}

/** Restarts after which a container that exited non-zero and is not ready fails the release at once. */
export const RESTARTS_AFTER_ERROR = 2;

export const DEFAULT_RESTART_THRESHOLD = 3;
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const POD_TEMPLATE_HASH = 'pod-template-hash';

// Minimal views of the API objects; every field optional because the API omits zero values.
interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; uid?: string; controller?: boolean }[];
  deletionTimestamp?: unknown;
}
interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}
interface ContainerSpec {
  name?: string;
  image?: string;
  startupProbe?: ProbeView;
  readinessProbe?: ProbeView;
}
interface PodSpec {
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
}
interface DeploymentView {
  metadata?: Meta;
  spec?: {
    replicas?: number;
    paused?: boolean;
    template?: { metadata?: Meta; spec?: PodSpec };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}
interface ReplicaSetView {
  metadata?: Meta;
  spec?: { replicas?: number; template?: { metadata?: Meta; spec?: unknown } };
}
interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: unknown };
  terminated?: { reason?: string; exitCode?: number; message?: string };
}
interface ContainerStatus {
  name?: string;
  restartCount?: number;
  ready?: boolean;
  started?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}
interface PodView {
  metadata?: Meta;
  spec?: PodSpec;
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** Evaluates one observation of a rollout; call it again on each poll. */
export function evaluateRollout(input: RolloutInput): RolloutVerdict {
  const deployment = input.deployment as DeploymentView;
  const name = deployment.metadata?.name ?? '(unnamed)';
  const threshold = input.restartThreshold ?? DEFAULT_RESTART_THRESHOLD;
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? 0;

  if (observed < generation) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" spec update to be observed (generation ${generation}, observed ${observed})`,
    };
  }

  // Argo CD calls a paused Deployment Suspended: someone stopped the rollout on purpose, nothing is broken,
  // and a revert could not roll out either until it is resumed.
  if (spec.paused) {
    return {
      state: 'suspended',
      message: `deployment "${name}" is paused (spec.paused): the rollout waits until it is resumed (kubectl rollout resume deployment/${name})`,
    };
  }

  const missing = missingDigests(deployment, input.expectedDigests);
  if (missing) return { state: 'progressing', message: `deployment "${name}" ${missing}` };

  const progressing = (status.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      reason: 'ProgressDeadlineExceeded',
      message: `deployment "${name}" exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}`,
    };
  }

  const newRs = findNewReplicaSet(deployment, input.replicaSets as ReplicaSetView[]);
  if (newRs) {
    const podFailure = findPodFailure(newRs, input.pods as PodView[], threshold, {
      now: input.now,
      events: input.events ?? [],
    });
    if (podFailure) return podFailure;
  }

  const desired = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const hints = waitingHints(newRs, input.pods as PodView[]);

  if (updated < desired) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated${hints}`,
    };
  }
  if (total > updated) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination${hints}`,
    };
  }
  if (available < updated) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available${hints}`,
    };
  }
  return {
    state: 'complete',
    message:
      desired === 0
        ? `deployment "${name}" scaled to zero: rollout complete`
        : `deployment "${name}" successfully rolled out (${available}/${desired} available)`,
  };
}

/**
 * The ReplicaSet of the Deployment's current template: owned by the Deployment with the same revision
 * annotation, or else (objects without annotations) the one whose pod template equals the Deployment's
 * once the pod-template-hash label is ignored, as the Deployment controller itself compares them.
 */
export function findNewReplicaSet(deployment: object, replicaSets: object[]): object | undefined {
  const d = deployment as DeploymentView;
  const owned = (replicaSets as ReplicaSetView[]).filter((rs) =>
    isOwnedBy(rs.metadata, d.metadata),
  );
  const revision = d.metadata?.annotations?.[REVISION_ANNOTATION];
  if (revision !== undefined) {
    const byRevision = owned.find(
      (rs) => rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision,
    );
    if (byRevision) return byRevision;
  }
  const wanted = canonicalTemplate(d.spec?.template);
  return owned.find((rs) => canonicalTemplate(rs.spec?.template) === wanted);
}

function isOwnedBy(child: Meta | undefined, owner: Meta | undefined): boolean {
  const refs = child?.ownerReferences ?? [];
  if (refs.length === 0) return false;
  return refs.some((r) =>
    owner?.uid && r.uid ? r.uid === owner.uid : r.kind === 'Deployment' && r.name === owner?.name,
  );
}

function canonicalTemplate(template: { metadata?: Meta; spec?: unknown } | undefined): string {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  return stableJson({
    labels,
    annotations: template?.metadata?.annotations ?? {},
    spec: template?.spec ?? {},
  });
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function podsOf(rs: ReplicaSetView, pods: PodView[]): PodView[] {
  const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH];
  return pods.filter((p) => {
    if (p.metadata?.deletionTimestamp) return false; // terminating pods say nothing about the new release
    const refs = p.metadata?.ownerReferences ?? [];
    if (refs.length > 0) {
      return refs.some((r) =>
        rs.metadata?.uid && r.uid
          ? r.uid === rs.metadata.uid
          : r.kind === 'ReplicaSet' && r.name === rs.metadata?.name,
      );
    }
    return hash !== undefined && p.metadata?.labels?.[POD_TEMPLATE_HASH] === hash;
  });
}

/** What the readiness rule needs besides the pods. */
interface Observed {
  now?: Date;
  events: object[];
}

function findPodFailure(
  rs: ReplicaSetView,
  pods: PodView[],
  threshold: number,
  observed: Observed,
): RolloutVerdict | undefined {
  for (const pod of podsOf(rs, pods)) {
    const podName = pod.metadata?.name ?? '(unnamed pod)';
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const c of statuses) {
      const where = `pod ${podName} container ${c.name ?? '?'}`;
      const waiting = c.state?.waiting;
      if (isFatalWaitingReason(waiting?.reason)) {
        const last = describeTermination(c.lastState?.terminated);
        return {
          state: 'failed',
          reason: waiting?.reason as string,
          message: `${where}: ${waiting?.reason}${waiting?.message ? `: ${waiting.message}` : ''}${last ? ` (last termination: ${last})` : ''}`,
        };
      }
      const restarts = c.restartCount ?? 0;
      if (restarts > threshold) {
        const last = describeTermination(c.lastState?.terminated ?? c.state?.terminated);
        return {
          state: 'failed',
          reason: 'RestartThresholdExceeded',
          message: `${where} restarted ${restarts} times (threshold ${threshold})${last ? `; last termination: ${last}` : ''}`,
        };
      }
      // Exited non-zero again after a restart: the next back-off would only repeat it. One restart alone
      // is allowed (a dependency that was not up yet).
      const exited = [c.state?.terminated, c.lastState?.terminated].find(
        (t) => t?.exitCode !== undefined && t.exitCode !== 0,
      );
      if (exited && !c.ready && restarts >= RESTARTS_AFTER_ERROR) {
        return {
          state: 'failed',
          reason: exited.reason && exited.reason !== 'Error' ? exited.reason : 'ExitedNonZero',
          message: `${where} exited with an error after ${restarts} restarts and is not ready; last termination: ${describeTermination(exited)}`,
        };
      }
    }
    const notReady = readinessFailure(pod, podName, observed);
    if (notReady) return notReady;
  }
  return undefined;
}

/** A running container of `pod` that has used up its readiness budget without becoming Ready. */
function readinessFailure(
  pod: PodView,
  podName: string,
  { now, events }: Observed,
): RolloutVerdict | undefined {
  if (!now) return undefined;
  const specs = pod.spec?.containers ?? [];
  for (const c of pod.status?.containerStatuses ?? []) {
    const startedAtMs = toMs(c.state?.running?.startedAt);
    if (c.ready || startedAtMs === undefined) continue;
    const spec = specs.find((s) => s.name === c.name);
    const failures = readinessFailures(
      events,
      { name: pod.metadata?.name, uid: pod.metadata?.uid },
      c.name ?? '',
    );
    const deadline = readinessDeadline({
      startupProbe: spec?.startupProbe,
      readinessProbe: spec?.readinessProbe,
      startedAtMs,
      started: c.started,
      failures,
    });
    if (!deadline || now.getTime() < deadline.deadlineMs) continue;
    const last = failures.at(-1);
    const notReadyFor = Math.round((now.getTime() - deadline.probingFromMs) / 1000);
    return {
      state: 'failed',
      reason: 'ReadinessProbeFailed',
      message: `pod ${podName} container ${c.name ?? '?'} not ready ${notReadyFor}s after its readiness probing began (budget: ${deadline.budget}): ${last ? `${last.message}` : 'no Readiness probe failed event found'}`,
    };
  }
  return undefined;
}

/** Why the Deployment's pod template does not run the release yet, or undefined when it pins one of `digests`. */
function missingDigests(deployment: DeploymentView, digests?: string[]): string | undefined {
  if (!digests || digests.length === 0) return undefined;
  const spec = deployment.spec?.template?.spec;
  const images = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
    .map((c) => c.image ?? '')
    .filter(Boolean);
  if (images.some((image) => digests.some((d) => image.endsWith(`@${d}`)))) return undefined;
  return `does not pin the release's image yet: its pod template has ${images.join(', ') || 'no image'}, the release pins ${digests.join(', ')}`;
}

function describeTermination(t: ContainerState['terminated']): string {
  if (!t) return '';
  const parts = [
    t.reason,
    t.exitCode !== undefined ? `exit code ${t.exitCode}` : undefined,
    t.message?.trim(),
  ];
  return parts.filter(Boolean).join(', ');
}

// Why new pods are not ready yet, so that a timeout message says more than "1 of 2 available".
function waitingHints(rs: ReplicaSetView | undefined, pods: PodView[]): string {
  if (!rs) return '';
  const hints: string[] = [];
  for (const pod of podsOf(rs, pods)) {
    const podName = pod.metadata?.name ?? '(unnamed pod)';
    const unschedulable = (pod.status?.conditions ?? []).find(
      (c) => c.type === 'PodScheduled' && c.status === 'False',
    );
    if (unschedulable) {
      hints.push(
        `pod ${podName} not scheduled: ${unschedulable.reason ?? ''} ${unschedulable.message ?? ''}`.trim(),
      );
      continue;
    }
    const notReady = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready);
    for (const c of notReady) {
      const why =
        c.state?.waiting?.reason ??
        (c.state?.running ? 'running, not ready (readiness probe)' : 'not ready');
      hints.push(`pod ${podName} container ${c.name ?? '?'} ${why}`);
    }
  }
  return hints.length > 0 ? `; ${hints.slice(0, 3).join('; ')}` : '';
}

/** The label selector string (`k=v,...`) of a Deployment's spec.selector; InputError for an empty selector. */
export function selectorOf(deployment: object): string {
  const selector = (
    deployment as {
      spec?: {
        selector?: {
          matchLabels?: Record<string, string>;
          matchExpressions?: { key: string; operator: string; values?: string[] }[];
        };
      };
    }
  ).spec?.selector;
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') terms.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
  }
  if (terms.length === 0) {
    throw new InputError(
      'deployment',
      'has an empty spec.selector; refusing to list every pod in the namespace',
    );
  }
  return terms.join(',');
}
