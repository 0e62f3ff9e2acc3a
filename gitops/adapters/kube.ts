/**
 * The Kubernetes reads and the one write the verify step needs, over @kubernetes/client-node 1.4: the
 * Deployment, its ReplicaSets and Pods, the Argo CD Application, and an immediate Argo CD refresh.
 */
import { existsSync } from 'node:fs';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Observable,
  PatchStrategy,
  ResponseContext,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { RequestContext } from '@kubernetes/client-node';
import { InputError } from '../errors.js';
import {
  ARGOCD_GROUP,
  ARGOCD_REFRESH_ANNOTATION,
  ARGOCD_VERSION,
  KubeApiError,
} from './kube-api.js';
import type { KubeClient, ServiceProxyRequest } from './kube-api.js';

/** Options for building a client: kubeconfig file and context, or the in-cluster service account. */
export interface KubeClientOptions {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
}

/**
 * Loads a kubeconfig (`kubeconfig` file, else KUBECONFIG / ~/.kube/config, else in-cluster) and returns a client.
 * Plain-HTTP servers are only accepted when the cluster entry sets insecure-skip-tls-verify (client-node's rule).
 */
export function kubeClientFromConfig(opts: KubeClientOptions = {}): KubeClient {
  const kc = new KubeConfig();
  if (opts.inCluster) {
    kc.loadFromCluster();
  } else if (opts.kubeconfig) {
    if (!existsSync(opts.kubeconfig)) {
      throw new InputError('kubeconfig', `file ${opts.kubeconfig} does not exist`);
    }
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (err) {
      throw new InputError('kubeconfig', `cannot be loaded: ${errorText(err)}`);
    }
  } else {
    kc.loadFromDefault();
    const cluster = kc.getCurrentCluster();
    // loadFromDefault's last resort is an unauthenticated http://localhost:8080 that client-node then refuses;
    // say plainly that no configuration was found instead.
    if (
      cluster?.name === 'cluster' &&
      cluster.server === 'http://localhost:8080' &&
      kc.getContexts().length <= 1
    ) {
      throw new InputError(
        'kubeconfig',
        'no kubeconfig found (KUBECONFIG unset, no ~/.kube/config, not running in a cluster)',
        'pass --kubeconfig FILE or set KUBECONFIG',
      );
    }
  }
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) {
      throw new InputError(
        'context',
        `no context named "${opts.context}" (available: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(
      'kubeconfig',
      'has no current cluster',
      'pass --kubeconfig and --context, or set KUBECONFIG',
    );
  }
  return kubeClientFromKubeConfig(kc);
}

/** Builds the client from an already loaded KubeConfig. */
export function kubeClientFromKubeConfig(kc: KubeConfig): KubeClient {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    getDeployment: (namespace, name) =>
      call(`get deployment ${namespace}/${name}`, () =>
        apps.readNamespacedDeployment({ name, namespace }),
      ),
    listReplicaSets: async (namespace, selector) =>
      (
        await call(`list replicasets in ${namespace} (${selector})`, () =>
          apps.listNamespacedReplicaSet({ namespace, labelSelector: selector }),
        )
      ).items,
    listPods: async (namespace, selector) =>
      (
        await call(`list pods in ${namespace} (${selector})`, () =>
          core.listNamespacedPod({ namespace, labelSelector: selector }),
        )
      ).items,
    listEvents: async (namespace, fieldSelector) =>
      (
        await call(`list events in ${namespace}${fieldSelector ? ` (${fieldSelector})` : ''}`, () =>
          core.listNamespacedEvent({ namespace, fieldSelector }),
        )
      ).items,
    postServiceProxy: (request) => postServiceProxy(core, request),
    getApplication: (namespace, name) =>
      call(`get Argo CD application ${namespace}/${name}`, () =>
        custom.getNamespacedCustomObject({
          group: ARGOCD_GROUP,
          version: ARGOCD_VERSION,
          namespace,
          plural: 'applications',
          name,
        }),
      ) as Promise<object>,
    refreshApplication: async (namespace, name) => {
      // The generated client would send application/json-patch+json; a merge patch needs its own content type.
      await call(`refresh Argo CD application ${namespace}/${name}`, () =>
        custom.patchNamespacedCustomObject(
          {
            group: ARGOCD_GROUP,
            version: ARGOCD_VERSION,
            namespace,
            plural: 'applications',
            name,
            body: { metadata: { annotations: { [ARGOCD_REFRESH_ANNOTATION]: 'normal' } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
    },
  };
}

/**
 * The generated connect-POST method sends no body, so a request middleware adds the JSON body, its content
 * type and a timeout; a response middleware keeps the raw text, which the generated code would parse.
 */
async function postServiceProxy(
  core: CoreV1Api,
  r: ServiceProxyRequest,
): Promise<{ status: number; body: string }> {
  const name = `${r.service}:${r.port}`;
  const operation = `POST /${r.path} to service ${r.namespace}/${name} through the API server's proxy`;
  let answer: { status: number; body: string } | undefined;
  const middleware = {
    pre: (ctx: RequestContext) => {
      ctx.setBody(JSON.stringify(r.body));
      ctx.setHeaderParam('Content-Type', 'application/json');
      ctx.setSignal(AbortSignal.timeout(r.timeoutMs));
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) =>
      new Observable(
        res.body.text().then((text) => {
          answer = { status: res.httpStatusCode, body: text };
          return new ResponseContext(res.httpStatusCode, res.headers, {
            text: async () => text,
            binary: async () => Buffer.from(text),
          });
        }),
      ),
  };
  try {
    await core.connectPostNamespacedServiceProxyWithPathWithHttpInfo(
      { name, namespace: r.namespace, path: r.path },
      { middleware: [middleware], middlewareMergeStrategy: 'append' },
    );
  } catch (err) {
    if (answer && (answer.status === 401 || answer.status === 403)) {
      throw new KubeApiError(operation, answer.status, apiMessage(answer.body), { cause: err });
    }
    // Any other status is the Service's (or the proxy's) answer, judged by the caller.
    if (!answer) return { status: 0, body: errorText(err) };
  }
  return answer ?? { status: 0, body: 'no response' };
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiException) {
      throw new KubeApiError(operation, err.code, apiMessage(err.body), { cause: err });
    }
    throw new KubeApiError(operation, 0, errorText(err), { cause: err });
  }
}

function apiMessage(body: unknown): string {
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
    return body.slice(0, 300);
  }
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return 'no detail from the server';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
