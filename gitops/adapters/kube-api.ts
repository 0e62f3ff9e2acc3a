/**
 * What verify needs of a cluster, without the client library: the KubeClient interface and its typed error.
 * The implementation over @kubernetes/client-node (kube.ts) is loaded only where a client is built, so
 * code that merely handles these types does not pay for parsing the library.
 */
import { ApiCallError } from '../errors.js';

/** The cluster reads and writes verify uses; objects are returned as the API's JSON shapes. */
export interface KubeClient {
  getDeployment(namespace: string, name: string): Promise<object>;
  listReplicaSets(namespace: string, selector: string): Promise<object[]>;
  listPods(namespace: string, selector: string): Promise<object[]>;
  /** core/v1 Events of a namespace, optionally narrowed by a field selector (e.g. `reason=Unhealthy`). */
  listEvents(namespace: string, fieldSelector?: string): Promise<object[]>;
  /**
   * POSTs `body` as JSON to `path` of a Service through the API server's service proxy
   * (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`, RBAC `create` on `services/proxy` named
   * `NAME:PORT`). Resolves with whatever answered (status 0 when nothing did); KubeApiError for 401/403.
   */
  postServiceProxy(request: ServiceProxyRequest): Promise<{ status: number; body: string }>;
  getApplication(namespace: string, name: string): Promise<object>;
  /** Asks Argo CD to re-read Git and compare now instead of at its next poll (default every 3 minutes). */
  refreshApplication(namespace: string, name: string): Promise<void>;
}

/** A request through the API server's service proxy. */
export interface ServiceProxyRequest {
  namespace: string;
  service: string;
  /** The Service port's name or number. */
  port: string;
  /** Path on the Service, without the leading slash. */
  path: string;
  body: unknown;
  timeoutMs: number;
}

/** A Kubernetes API call failed; carries the HTTP status (0 when the server was not reached). */
export class KubeApiError extends ApiCallError {
  constructor(operation: string, status: number, detail: string, options?: { cause?: unknown }) {
    super(
      operation,
      status,
      detail,
      status === 404 ? 'KUBE_NOT_FOUND' : 'KUBE_API_FAILED',
      status === 401 || status === 403
        ? 'check the kubeconfig credentials and the RBAC rules for this user'
        : status === 404
          ? 'check the name and namespace'
          : undefined,
      options,
    );
  }
}

export const ARGOCD_GROUP = 'argoproj.io';
export const ARGOCD_VERSION = 'v1alpha1';
export const ARGOCD_REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
