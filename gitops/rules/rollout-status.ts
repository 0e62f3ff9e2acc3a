/**
 * Decides whether a Deployment rollout is progressing, complete or failed from plain objects shaped like the
 * Kubernetes API JSON. The completion rules are those of `kubectl rollout status`; on top of them, pods of the
 * new ReplicaSet that can never become ready (crash loops, image pulls, bad config) fail the rollout at once
 * instead of waiting for the progress deadline.
 */
import { InputError } from '../errors.js';

export type RolloutVerdict =
  | { state: 'progressing'; message: string }
  | { state: 'complete'; message: string }
  | { state: 'failed'; reason: string; message: string };

/** Input of evaluateRollout: the Deployment, the ReplicaSets its selector matches and the pods it matches. */
export interface RolloutInput {
  deployment: object;
  replicaSets: object[];
  pods: object[];
  /** A container of the new ReplicaSet restarting more than this many times fails the rollout. Default 3. */
  restartThreshold?: number;
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
interface DeploymentView {
  metadata?: Meta;
  spec?: { replicas?: number; paused?: boolean; template?: { metadata?: Meta; spec?: unknown } };
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
  running?: unknown;
  terminated?: { reason?: string; exitCode?: number; message?: string };
}
interface ContainerStatus {
  name?: string;
  restartCount?: number;
  ready?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}
interface PodView {
  metadata?: Meta;
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
    const podFailure = findPodFailure(newRs, input.pods as PodView[], threshold);
    if (podFailure) return podFailure;
  }

  const desired = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const paused = spec.paused
    ? ' (deployment is paused: the rollout will not progress until it is resumed)'
    : '';
  const hints = waitingHints(newRs, input.pods as PodView[]);

  if (updated < desired) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated${paused}${hints}`,
    };
  }
  if (total > updated) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination${paused}${hints}`,
    };
  }
  if (available < updated) {
    return {
      state: 'progressing',
      message: `waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available${paused}${hints}`,
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

function findPodFailure(
  rs: ReplicaSetView,
  pods: PodView[],
  threshold: number,
): RolloutVerdict | undefined {
  for (const pod of podsOf(rs, pods)) {
    const podName = pod.metadata?.name ?? '(unnamed pod)';
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const c of statuses) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && FATAL_WAITING_REASONS.includes(waiting.reason)) {
        const last = describeTermination(c.lastState?.terminated);
        return {
          state: 'failed',
          reason: waiting.reason,
          message: `pod ${podName} container ${c.name ?? '?'}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}${last ? ` (last termination: ${last})` : ''}`,
        };
      }
      if ((c.restartCount ?? 0) > threshold) {
        const last = describeTermination(c.lastState?.terminated ?? c.state?.terminated);
        return {
          state: 'failed',
          reason: 'RestartThresholdExceeded',
          message: `pod ${podName} container ${c.name ?? '?'} restarted ${c.restartCount} times (threshold ${threshold})${last ? `; last termination: ${last}` : ''}`,
        };
      }
    }
  }
  return undefined;
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
