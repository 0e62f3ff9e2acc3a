// The first sign, on the cluster, that a release's pods are failing: a container that exited
// non-zero or waits for a reason other than being created (ErrImagePull, CrashLoopBackOff...), or a
// kubelet Warning event about one of them (a failed probe, a failed pull, a crash back-off). The flows measure
// "first failure signal -> reverted" from it, independently of when verify judged the release.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

/** When (epoch ms, as received) and what the first failure signal was. */
export interface FailureSignal {
  at: number;
  pod: string;
  what: string;
}

/** A running watch; first() is the earliest signal so far, stop() ends the watch. */
export interface FailureSignalWatch {
  first(): FailureSignal | undefined;
  stop(): void;
}

const STARTING = new Set(['ContainerCreating', 'PodInitializing']);
// The kubelet's Warning events that say a release's container fails (probes, pulls, starts, crash
// back-off); others, like MissingClusterDNS (this cluster runs no DNS), say nothing about it.
const FAILURE_EVENTS = new Set(['Unhealthy', 'Failed', 'BackOff']);

/** A failure visible in the pod's own status, or undefined. */
export function podFailure(pod: V1Pod): string | undefined {
  for (const c of pod.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting?.reason;
    if (waiting && !STARTING.has(waiting)) return `container ${c.name} waiting: ${waiting}`;
    for (const t of [c.state?.terminated, c.lastState?.terminated]) {
      if (t && t.exitCode !== 0)
        return `container ${c.name} exited ${t.exitCode} (${t.reason ?? ''})`;
    }
  }
  return undefined;
}

/** Watches the namespace's pods running `image` and the Warning events about them. */
export async function watchFailureSignal(
  kubeconfig: string,
  namespace: string,
  image: string,
): Promise<FailureSignalWatch> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const watch = new Watch(kc);
  const releasePods = new Set<string>();
  // Events may arrive before the pod watch has seen their pod: keep them until it has.
  const events: FailureSignal[] = [];
  let first: FailureSignal | undefined;
  const consider = (s: FailureSignal): void => {
    if (releasePods.has(s.pod) && (!first || s.at < first.at)) first = s;
  };
  const ignoreEnd = (): void => undefined;
  const pods = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    {},
    (phase: string, pod: V1Pod) => {
      if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
      const name = pod.metadata?.name ?? '';
      if (pod.spec?.containers[0]?.image !== image) return;
      if (!releasePods.has(name)) {
        releasePods.add(name);
        for (const e of events) consider(e);
      }
      const what = podFailure(pod);
      if (what) consider({ at: Date.now(), pod: name, what });
    },
    ignoreEnd,
  );
  const started = new Date();
  const evs = await watch.watch(
    `/api/v1/namespaces/${namespace}/events`,
    { fieldSelector: 'involvedObject.kind=Pod,type=Warning' },
    (phase: string, e: CoreV1Event) => {
      if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
      if (!FAILURE_EVENTS.has(e.reason ?? '')) return;
      // The initial list replays old events (an earlier release's): only newer ones count.
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      if (last && new Date(last).getTime() < started.getTime() - 1000) return;
      const s = {
        at: Date.now(),
        pod: e.involvedObject?.name ?? '',
        what: `${e.reason ?? 'Warning'}: ${(e.message ?? '').split('\n')[0]}`,
      };
      events.push(s);
      consider(s);
    },
    ignoreEnd,
  );
  return {
    first: () => first,
    stop: () => {
      pods.abort();
      evs.abort();
    },
  };
}
