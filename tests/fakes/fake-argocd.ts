/**
 * A fake Argo CD controller + Deployment controller for the fake Kubernetes API server: on each refresh it
 * reads the tip of a real bare git remote, and when the tip moved it "syncs" it: the Application reports the
 * new revision, and the Deployment rolls out a new ReplicaSet whose pods become ready, or crash-loop when
 * `isBad(image)` says the image is broken. The rollout advances one step per Application read, like a cluster
 * that needs a few polls to converge.
 */
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import type { FakeKubeApiServer, KubeObject } from './fake-kube-apiserver.js';

export interface FakeArgoCdOptions {
  remote: string;
  branch?: string;
  /** Overlay path in the repo, e.g. overlays/minikube. */
  overlay: string;
  app: string;
  appNamespace: string;
  namespace: string;
  deployment: string;
  /** The image name in the overlay's images: list. */
  imageName: string;
  isBad: (image: string) => boolean;
  /** Polls of the Application between "synced, rolling out" and the rollout's end state. Default 2. */
  stepsToConverge?: number;
  /**
   * What the release's pods answer to POST /score through the Service (the smoke request). Default: the
   * iris model's answer (label setosa) from a good release, no ready endpoint for a bad one.
   */
  score?: (image: string) => { status: number; body: unknown };
  /** The Deployment is paused (spec.paused), as after `kubectl rollout pause`. */
  paused?: boolean;
}

export interface FakeArgoCd {
  /** Revisions synced, in order. */
  synced: string[];
  refreshes: number;
}

const LABELS = { 'app.kubernetes.io/name': 'score-api' };

/** Installs the controller on `fake` (onRefresh / onRequest) and seeds the Application and Deployment at the remote's tip. */
export function installFakeArgoCd(fake: FakeKubeApiServer, opts: FakeArgoCdOptions): FakeArgoCd {
  const branch = opts.branch ?? 'main';
  const controller: FakeArgoCd = { synced: [], refreshes: 0 };
  let generation = 0;
  let rolloutStep = 0;
  let current: { revision: string; image: string; bad: boolean } | undefined;
  // Argo CD moves these only on events: a sync finishing, the health changing, a refresh.
  let syncedAt = new Date().toISOString();
  let reconciledAt = syncedAt;
  let lastHealth = '';
  let healthChangedAt = syncedAt;

  const tip = () =>
    execFileSync('git', ['rev-parse', branch], { cwd: opts.remote, encoding: 'utf8' }).trim();
  const imageAt = (rev: string): string => {
    const text = execFileSync('git', ['show', `${rev}:${opts.overlay}/kustomization.yaml`], {
      cwd: opts.remote,
      encoding: 'utf8',
    });
    const images =
      (
        parse(text) as {
          images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
        }
      ).images ?? [];
    const entry = images.find((i) => i.name === opts.imageName);
    if (!entry) throw new Error(`fake argocd: ${opts.imageName} not in ${opts.overlay} at ${rev}`);
    return `${entry.newName ?? entry.name}${entry.newTag ? `:${entry.newTag}` : ''}${entry.digest ? `@${entry.digest}` : ''}`;
  };

  const publish = (): void => {
    if (!current) return;
    const now = new Date().toISOString();
    const converged = rolloutStep >= (opts.stepsToConverge ?? 2);
    const hash = `h${generation}`;
    const health = !converged ? 'Progressing' : current.bad ? 'Degraded' : 'Healthy';
    if (health !== lastHealth) {
      lastHealth = health;
      healthChangedAt = now;
    }
    fake.put({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: opts.app, namespace: opts.appNamespace },
      spec: { source: { repoURL: opts.remote, path: opts.overlay, targetRevision: branch } },
      status: {
        reconciledAt,
        sync: { status: 'Synced', revision: current.revision },
        health: { status: health, lastTransitionTime: healthChangedAt },
        operationState: {
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          operation: { sync: { revision: current.revision } },
          syncResult: { revision: current.revision },
          finishedAt: syncedAt,
        },
      },
    });
    const dep: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: opts.deployment,
        namespace: opts.namespace,
        uid: 'dep-uid',
        generation,
        annotations: { 'deployment.kubernetes.io/revision': String(generation) },
      },
      spec: {
        replicas: 1,
        ...(opts.paused ? { paused: true } : {}),
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: { containers: [{ name: 'score-api', image: current.image }] },
        },
      },
      status: {
        observedGeneration: generation,
        replicas: converged && !current.bad ? 1 : 2,
        updatedReplicas: 1,
        readyReplicas: converged && !current.bad ? 1 : 1,
        availableReplicas: converged && !current.bad ? 1 : 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'True',
            reason: converged && !current.bad ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          },
        ],
      },
    };
    fake.put(dep);
    for (const key of [...fake.state.replicaSets.keys()]) fake.state.replicaSets.delete(key);
    for (const key of [...fake.state.pods.keys()]) fake.state.pods.delete(key);
    fake.put({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${opts.deployment}-${hash}`,
        namespace: opts.namespace,
        uid: `rs-${hash}`,
        labels: { ...LABELS, 'pod-template-hash': hash },
        annotations: { 'deployment.kubernetes.io/revision': String(generation) },
        ownerReferences: [
          { kind: 'Deployment', name: opts.deployment, uid: 'dep-uid', controller: true },
        ],
      },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { ...LABELS, 'pod-template-hash': hash } },
          spec: { containers: [{ name: 'score-api', image: current.image }] },
        },
      },
    });
    const containerStatus = current.bad
      ? {
          name: 'score-api',
          ready: false,
          restartCount: converged ? 3 : 1,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 10s restarting failed container',
            },
          },
          lastState: { terminated: { reason: 'Error', exitCode: 1 } },
        }
      : converged
        ? {
            name: 'score-api',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: now } },
          }
        : {
            name: 'score-api',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          };
    fake.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${opts.deployment}-${hash}-x1`,
        namespace: opts.namespace,
        labels: { ...LABELS, 'pod-template-hash': hash },
        ownerReferences: [
          {
            kind: 'ReplicaSet',
            name: `${opts.deployment}-${hash}`,
            uid: `rs-${hash}`,
            controller: true,
          },
        ],
      },
      status: { phase: 'Running', containerStatuses: [containerStatus] },
    });
  };

  const sync = (): void => {
    const revision = tip();
    if (current?.revision === revision) return;
    const image = imageAt(revision);
    generation += 1;
    rolloutStep = 0;
    syncedAt = new Date().toISOString();
    current = { revision, image, bad: opts.isBad(image) };
    controller.synced.push(revision);
    publish();
  };

  fake.serviceProxy = ({ service, path }) => {
    if (!current || service !== `${opts.deployment}:http` || path !== 'score') {
      return { status: 404, body: `fake argocd: nothing serves ${service}/${path}` };
    }
    if (opts.score) return opts.score(current.image);
    return current.bad
      ? {
          status: 503,
          body: {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            code: 503,
            reason: 'ServiceUnavailable',
            message: `no endpoints available for service "${service}"`,
          },
        }
      : {
          status: 200,
          body: {
            score: [
              {
                label: 'setosa',
                probabilities: { setosa: 0.97, versicolor: 0.02, virginica: 0.01 },
              },
            ],
            model: { name: 'iris-classifier', version: '1.0.0' },
          },
        };
  };

  sync(); // the state the cluster is in before verification starts
  rolloutStep = opts.stepsToConverge ?? 2;
  publish();

  fake.onRefresh = () => {
    controller.refreshes += 1;
    reconciledAt = new Date().toISOString();
    sync();
  };
  fake.onRequest = (req) => {
    if (req.method === 'GET' && req.path.endsWith(`/applications/${opts.app}`)) {
      rolloutStep += 1;
      publish();
    }
  };
  return controller;
}
