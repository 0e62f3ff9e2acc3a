/** Decides the deploy check: a reachable cluster with the Argo CD Application -> verifyRollout, else the container check. */
import { existsSync } from 'node:fs';
import { describeError } from '../../gitops/errors.js';
import { kubeClientFromConfig } from '../../gitops/adapters/kube.js';
import type { KubeClient } from '../../gitops/adapters/kube-api.js';
import { kubeconfigPath } from './kubeconfig.js';

/** A cluster the deploy check can use, or why there is none. */
export type ClusterProbe =
  { kube: KubeClient; app: string; appNamespace: string; kubeconfig: string } | { none: string };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Looks for the kubeconfig, asks the API server for the Argo CD Application `app`; never throws. */
export async function probeCluster(opts: {
  kubeconfig?: string;
  app: string;
  appNamespace?: string;
  timeoutMs?: number;
}): Promise<ClusterProbe> {
  const file = kubeconfigPath(opts.kubeconfig);
  if (!existsSync(file)) return { none: `no kubeconfig (${file})` };
  const appNamespace = opts.appNamespace ?? 'argocd';
  try {
    const kube = kubeClientFromConfig({ kubeconfig: file });
    await withTimeout(
      kube.getApplication(appNamespace, opts.app),
      opts.timeoutMs ?? 5000,
      'the Kubernetes API',
    );
    return { kube, app: opts.app, appNamespace, kubeconfig: file };
  } catch (err) {
    return {
      none: `no Argo CD Application ${appNamespace}/${opts.app} reachable through ${file}: ${describeError(err).split('\n')[0]}`,
    };
  }
}
