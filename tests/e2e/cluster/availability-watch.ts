// Watches a Deployment and its pods through a rollout with the API server's watch stream, so every
// state change is seen (a poll could miss a short gap with no ready replica between two samples).
import { AppsV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { selectorOf } from '../../../gitops/rules/rollout-status.js';

/** The serving capacity at one moment: what changed it and the counts after the change. */
export interface AvailabilitySample {
  atMs: number;
  /** Pods with Ready=True and no deletionTimestamp (a terminating pod leaves the Service at once). */
  readyPods: number;
  /** The Deployment's status.availableReplicas (Ready for at least minReadySeconds). */
  available: number;
  pods: number;
  images: string[];
}

/** Everything seen between start and stop. */
export interface AvailabilityReport {
  samples: AvailabilitySample[];
  minReadyPods: number;
  minAvailable: number;
  maxPods: number;
  /** Watch events received (pods + deployment), to show the rollout was observed at all. */
  events: number;
}

/** A watch stream ended or failed before stop(): the report would not cover the whole rollout. */
export class WatchInterruptedError extends Error {
  constructor(what: string, cause: unknown) {
    super(`the ${what} watch ended before the rollout was over: ${String(cause)}`, { cause });
    this.name = 'WatchInterruptedError';
  }
}

/** A running watch; stop() ends it and returns the report. */
export interface AvailabilityWatch {
  stop(): Promise<AvailabilityReport>;
}

const isServing = (p: V1Pod): boolean =>
  !p.metadata?.deletionTimestamp &&
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * Lists the Deployment and its pods, then watches both from that resourceVersion, recording a sample
 * whenever the number of ready pods, available replicas or pods changes.
 */
export async function watchAvailability(
  kubeconfig: string,
  namespace: string,
  name: string,
): Promise<AvailabilityWatch> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const start = Date.now();

  const deployment = await apps.readNamespacedDeployment({ name, namespace });
  const labelSelector = selectorOf(deployment);
  const podList = await core.listNamespacedPod({ namespace, labelSelector });
  const depList = await apps.listNamespacedDeployment({
    namespace,
    fieldSelector: `metadata.name=${name}`,
  });

  const pods = new Map<string, V1Pod>(podList.items.map((p) => [p.metadata?.name ?? '', p]));
  let available = deployment.status?.availableReplicas ?? 0;
  let events = 0;
  let failure: Error | undefined;
  let stopping = false;
  const samples: AvailabilitySample[] = [];
  const record = (): void => {
    const live = [...pods.values()];
    const s: AvailabilitySample = {
      atMs: Date.now() - start,
      readyPods: live.filter(isServing).length,
      available,
      pods: live.length,
      images: [...new Set(live.map((p) => p.spec?.containers[0]?.image ?? '?'))].sort(),
    };
    const last = samples.at(-1);
    if (
      !last ||
      last.readyPods !== s.readyPods ||
      last.available !== s.available ||
      last.pods !== s.pods ||
      last.images.join() !== s.images.join()
    )
      samples.push(s);
  };
  record();

  const watch = new Watch(kc);
  const ended =
    (what: string) =>
    (err: unknown): void => {
      if (!stopping && !failure) failure = new WatchInterruptedError(what, err ?? 'closed');
    };
  const podWatch = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    {
      labelSelector,
      resourceVersion: podList.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    },
    (phase: string, obj: V1Pod) => {
      if (phase === 'BOOKMARK') return;
      if (phase === 'ERROR') {
        failure ??= new WatchInterruptedError('pod', JSON.stringify(obj));
        return;
      }
      events += 1;
      const key = obj.metadata?.name ?? '';
      if (phase === 'DELETED') pods.delete(key);
      else pods.set(key, obj);
      record();
    },
    ended('pod'),
  );
  const depWatch = await watch.watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    {
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: depList.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    },
    (phase: string, obj: V1Deployment) => {
      if (phase === 'BOOKMARK') return;
      if (phase === 'ERROR') {
        failure ??= new WatchInterruptedError('deployment', JSON.stringify(obj));
        return;
      }
      events += 1;
      available = phase === 'DELETED' ? 0 : (obj.status?.availableReplicas ?? 0);
      record();
    },
    ended('deployment'),
  );

  return {
    stop: async () => {
      stopping = true;
      podWatch.abort();
      depWatch.abort();
      if (failure) throw failure;
      return {
        samples,
        minReadyPods: Math.min(...samples.map((s) => s.readyPods)),
        minAvailable: Math.min(...samples.map((s) => s.available)),
        maxPods: Math.max(...samples.map((s) => s.pods)),
        events,
      };
    },
  };
}

/** One line per sample: `+1.2s ready 1 available 1 pods 2 [tag…]`, images shortened to their tag. */
export function formatSamples(report: AvailabilityReport): string {
  // registry:port/path/name:tag@digest -> the first 12 characters of the tag
  const short = (image: string): string => {
    const nameTag = (image.split('@')[0] ?? image).split('/').pop() ?? image;
    return (nameTag.split(':')[1] ?? nameTag).slice(0, 12);
  };
  return report.samples
    .map(
      (s) =>
        `+${(s.atMs / 1000).toFixed(1)}s ready ${s.readyPods} available ${s.available} pods ${s.pods} [${s.images.map(short).join(' ')}]`,
    )
    .join('\n');
}
