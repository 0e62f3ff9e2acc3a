/**
 * A fake Kubernetes API server on loopback speaking the real HTTP protocol for the handful of endpoints the
 * gitops verify step uses: Deployments, ReplicaSets and Pods (with labelSelector filtering), Events (with
 * fieldSelector filtering), POST through the service proxy, and Argo CD Applications (GET, and PATCH with a
 * JSON merge patch). Plain HTTP: the kubeconfig it writes sets
 * `insecure-skip-tls-verify: true`, which is what @kubernetes/client-node 1.x requires to talk plain HTTP.
 * Tests drive a scenario by mutating `state` directly or from the `onRefresh` / `onRequest` hooks.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type KubeObject = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
};

/** One request the fake received, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

/** The cluster contents the fake serves; keyed by `${namespace}/${name}`. */
export interface FakeClusterState {
  deployments: Map<string, KubeObject>;
  replicaSets: Map<string, KubeObject>;
  pods: Map<string, KubeObject>;
  events: Map<string, KubeObject>;
  applications: Map<string, KubeObject>;
}

/** What the Service behind `/services/NAME:PORT/proxy/PATH` answers. */
export type ServiceProxyHandler = (req: {
  namespace: string;
  /** As the request path writes it, e.g. `score-api:http`. */
  service: string;
  path: string;
  body: unknown;
}) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

export interface FakeKubeApiServer {
  url: string;
  state: FakeClusterState;
  requests: RecordedRequest[];
  /** Bearer token the fake accepts; requests without it get 401 like a real API server. */
  token: string;
  /** Called after a merge patch that sets the Argo CD refresh annotation was applied. */
  onRefresh?: (namespace: string, name: string) => void | Promise<void>;
  /**
   * Answers POSTs through the service proxy; without one the fake answers like an API server whose
   * Service has no ready endpoint (503 Status).
   */
  serviceProxy?: ServiceProxyHandler;
  /** Called before each request is served (e.g. to advance a scripted scenario). */
  onRequest?: (req: RecordedRequest) => void | Promise<void>;
  /** Puts an object into the state under its kind. */
  put(obj: KubeObject): void;
  /** Writes a kubeconfig for this server into `dir` and returns its path. */
  writeKubeconfig(dir: string, context?: string): string;
  close(): Promise<void>;
}

const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startFakeKubeApiServer(
  opts: { token?: string } = {},
): Promise<FakeKubeApiServer> {
  const state: FakeClusterState = {
    deployments: new Map(),
    replicaSets: new Map(),
    pods: new Map(),
    events: new Map(),
    applications: new Map(),
  };
  const requests: RecordedRequest[] = [];
  let resourceVersion = 1000;

  const fake: FakeKubeApiServer = {
    url: '',
    state,
    requests,
    token: opts.token ?? 'fake-kube-token',
    put(obj) {
      const kind = obj.kind;
      const key = `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
      const map =
        kind === 'Deployment'
          ? state.deployments
          : kind === 'ReplicaSet'
            ? state.replicaSets
            : kind === 'Pod'
              ? state.pods
              : kind === 'Event'
                ? state.events
                : kind === 'Application'
                  ? state.applications
                  : undefined;
      if (!map) throw new Error(`fake kube: unsupported kind ${String(kind)}`);
      map.set(key, obj);
    },
    writeKubeconfig(dir, context = 'fake') {
      const file = join(dir, 'kubeconfig.yaml');
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: fake-cluster',
          '  cluster:',
          `    server: ${fake.url}`,
          '    insecure-skip-tls-verify: true',
          'users:',
          '- name: fake-user',
          '  user:',
          `    token: ${fake.token}`,
          'contexts:',
          `- name: ${context}`,
          '  context:',
          '    cluster: fake-cluster',
          '    user: fake-user',
          `current-context: ${context}`,
          '',
        ].join('\n'),
      );
      return file;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(
        res,
        500,
        status(500, 'InternalError', err instanceof Error ? err.message : String(err)),
      );
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: raw ? safeJson(raw) : undefined,
    };
    requests.push(rec);
    if (req.headers.authorization !== `Bearer ${fake.token}`) {
      send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    await fake.onRequest?.(rec);

    let m = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/);
    if (m && rec.method === 'GET') {
      const obj = state.deployments.get(`${m[1]}/${m[2]}`);
      if (!obj)
        return send(res, 404, status(404, 'NotFound', `deployments.apps "${m[2]}" not found`));
      return send(res, 200, obj);
    }
    m = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets$/);
    if (m && rec.method === 'GET') {
      return send(
        res,
        200,
        list('ReplicaSetList', 'apps/v1', state.replicaSets, m[1] ?? '', rec.query.labelSelector),
      );
    }
    m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
    if (m && rec.method === 'GET') {
      return send(res, 200, list('PodList', 'v1', state.pods, m[1] ?? '', rec.query.labelSelector));
    }
    m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/events$/);
    if (m && rec.method === 'GET') {
      const events = list('EventList', 'v1', state.events, m[1] ?? '', undefined);
      const fields = rec.query.fieldSelector;
      events.items = (events.items as KubeObject[]).filter((e) => matchesFields(e, fields));
      return send(res, 200, events);
    }
    m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy\/(.*)$/);
    if (m && rec.method === 'POST') {
      const answer = fake.serviceProxy
        ? await fake.serviceProxy({
            namespace: m[1] ?? '',
            service: decodeURIComponent(m[2] ?? ''),
            path: m[3] ?? '',
            body: rec.body,
          })
        : {
            status: 503,
            body: status(
              503,
              'ServiceUnavailable',
              `no endpoints available for service "${decodeURIComponent(m[2] ?? '')}"`,
            ),
          };
      return send(res, answer.status, answer.body);
    }
    m = url.pathname.match(
      /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/applications\/([^/]+)$/,
    );
    if (m) {
      const key = `${m[1]}/${m[2]}`;
      const obj = state.applications.get(key);
      if (!obj) {
        return send(
          res,
          404,
          status(404, 'NotFound', `applications.argoproj.io "${m[2]}" not found`),
        );
      }
      if (rec.method === 'GET') return send(res, 200, obj);
      if (rec.method === 'PATCH') {
        if (rec.contentType !== 'application/merge-patch+json') {
          return send(
            res,
            415,
            status(
              415,
              'UnsupportedMediaType',
              `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
            ),
          );
        }
        if (!rec.body || typeof rec.body !== 'object') {
          return send(res, 400, status(400, 'BadRequest', 'invalid JSON merge patch'));
        }
        const patched = mergePatch(obj, rec.body) as KubeObject;
        (patched.metadata as Record<string, unknown>).resourceVersion = String(
          (resourceVersion += 1),
        );
        state.applications.set(key, patched);
        const annotations = (patched.metadata?.annotations ?? {}) as Record<string, string>;
        if (annotations[REFRESH_ANNOTATION]) {
          // Argo CD removes the annotation once it has refreshed; the fake does the same at once.
          delete annotations[REFRESH_ANNOTATION];
          await fake.onRefresh?.(m[1] ?? '', m[2] ?? '');
        }
        return send(res, 200, state.applications.get(key));
      }
    }
    send(
      res,
      404,
      status(
        404,
        'NotFound',
        `the server could not find the requested resource (${rec.method} ${url.pathname})`,
      ),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return { unparseable: text, error: String(err) };
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}

/** Equality-based selectors only (`a=b,c==d,e!=f`), which is what Deployments' matchLabels produce. */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: string | undefined,
): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const neq = term.match(/^([^!=]+)!=(.*)$/);
    if (neq) return labels?.[neq[1]?.trim() ?? ''] !== neq[2]?.trim();
    const eq = term.match(/^([^=]+)==?(.*)$/);
    if (eq) return labels?.[eq[1]?.trim() ?? ''] === eq[2]?.trim();
    throw new Error(`fake kube: unsupported selector term ${term}`);
  });
}

/** Equality field selectors over dotted paths (`reason=Unhealthy,involvedObject.name=x`). */
function matchesFields(obj: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [path = '', want] = term.split('=');
    let value: unknown = obj;
    for (const key of path.split('.'))
      value = (value as Record<string, unknown> | undefined)?.[key];
    return String(value ?? '') === want;
  });
}

function list(
  kind: string,
  apiVersion: string,
  map: Map<string, KubeObject>,
  namespace: string,
  selector: string | undefined,
): Record<string, unknown> {
  const items = [...map.entries()]
    .filter(([key]) => key.startsWith(`${namespace}/`))
    .map(([, obj]) => obj)
    .filter((obj) => matchesSelector(obj.metadata?.labels, selector));
  return { kind, apiVersion, metadata: { resourceVersion: '1' }, items };
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}
