import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeClientFromConfig } from '../../../gitops/adapters/kube.js';
import { KubeApiError } from '../../../gitops/adapters/kube-api.js';
import { selectorOf } from '../../../gitops/rules/rollout-status.js';
import { evaluateRollout } from '../../../gitops/rules/rollout-status.js';
import { startFakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import type { FakeKubeApiServer, KubeObject } from '../../fakes/fake-kube-apiserver.js';
import { InputError } from '../../../gitops/errors.js';

const fixtures = new URL('../../unit/delivery/fixtures/', import.meta.url);
const healthy = JSON.parse(readFileSync(new URL('rollout-healthy.json', fixtures), 'utf8')) as {
  deployment: KubeObject;
  replicaSets: KubeObject[];
  pods: KubeObject[];
}[];
const argo = JSON.parse(readFileSync(new URL('argocd-sequence.json', fixtures), 'utf8')) as {
  apps: Record<string, KubeObject>;
};

describe('kube client against the fake Kubernetes API server (plain HTTP, skipTLSVerify)', () => {
  let fake: FakeKubeApiServer;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    fake = await startFakeKubeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'kube-fake-'));
    kubeconfig = fake.writeKubeconfig(dir, 'fake-ctx');
    const step = healthy[4];
    if (!step) throw new Error('fixture');
    fake.put(step.deployment);
    // A ReplicaSet of another app in the same namespace must be filtered out by the selector.
    fake.put({
      kind: 'ReplicaSet',
      metadata: { name: 'other-1', namespace: 'score', labels: { app: 'other' } },
    });
    for (const rs of step.replicaSets) fake.put(rs);
    for (const p of step.pods) fake.put(p);
    const app = argo.apps['synced-progressing'];
    if (!app) throw new Error('fixture');
    fake.put(app);
  });

  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the Deployment, its ReplicaSets and Pods by label selector, with the bearer token', async () => {
    const kube = kubeClientFromConfig({ kubeconfig, context: 'fake-ctx' });
    const deployment = await kube.getDeployment('score', 'score-api');
    const selector = selectorOf(deployment);
    expect(selector).toBe('app.kubernetes.io/name=score-api');
    const replicaSets = await kube.listReplicaSets('score', selector);
    const pods = await kube.listPods('score', selector);
    expect(
      replicaSets.map((r) => (r as { metadata: { name: string } }).metadata.name).sort(),
    ).toEqual(['score-api-5d4b9c8f7', 'score-api-7c9f8d6b5']);
    expect(pods).toHaveLength(2);
    expect(evaluateRollout({ deployment, replicaSets, pods }).state).toBe('complete');
    const rsRequest = fake.requests.find(
      (r) => r.path === '/apis/apps/v1/namespaces/score/replicasets',
    );
    expect(rsRequest?.query.labelSelector).toBe('app.kubernetes.io/name=score-api');
    expect(rsRequest?.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('reads the Argo CD Application and refreshes it with a JSON merge patch', async () => {
    const kube = kubeClientFromConfig({ kubeconfig });
    const refreshed: string[] = [];
    fake.onRefresh = (ns, name) => {
      refreshed.push(`${ns}/${name}`);
    };
    const app = (await kube.getApplication('argocd', 'score-api-minikube')) as {
      status: { sync: { status: string } };
    };
    expect(app.status.sync.status).toBe('Synced');
    await kube.refreshApplication('argocd', 'score-api-minikube');
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/score-api-minikube',
    );
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({
      metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } },
    });
    expect(refreshed).toEqual(['argocd/score-api-minikube']);
  });

  it('lists the namespace events by field selector (the readiness failures)', async () => {
    const kube = kubeClientFromConfig({ kubeconfig });
    const never = JSON.parse(
      readFileSync(new URL('rollout-never-ready.json', fixtures), 'utf8'),
    ) as { events: KubeObject[] }[];
    for (const e of never[0]?.events ?? []) fake.put(e);
    fake.put({
      kind: 'Event',
      metadata: { name: 'scheduled', namespace: 'score' },
      reason: 'Scheduled',
    });
    const events = await kube.listEvents('score', 'reason=Unhealthy');
    expect(events).toHaveLength(3);
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/api/v1/namespaces/score/events',
      query: { fieldSelector: 'reason=Unhealthy' },
    });
  });

  it("POSTs the smoke request's JSON through the service proxy and hands back whatever answered", async () => {
    const kube = kubeClientFromConfig({ kubeconfig });
    fake.serviceProxy = ({ service, path, body }) => ({
      status: 200,
      body: { score: [{ label: 'setosa' }], echo: { service, path, body } },
    });
    const res = await kube.postServiceProxy({
      namespace: 'score',
      service: 'score-api',
      port: 'http',
      path: 'score',
      body: { X: [5.1, 3.5, 1.4, 0.2] },
      timeoutMs: 5000,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      score: [{ label: 'setosa' }],
      echo: { service: 'score-api:http', path: 'score', body: { X: [5.1, 3.5, 1.4, 0.2] } },
    });
    const req = fake.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(req?.path).toMatch(
      /^\/api\/v1\/namespaces\/score\/services\/score-api(:|%3A)http\/proxy\/score$/,
    );

    // An error answer is the Service's (or the proxy's) to judge, not an exception.
    delete fake.serviceProxy;
    const none = await kube.postServiceProxy({
      namespace: 'score',
      service: 'score-api',
      port: 'http',
      path: 'score',
      body: {},
      timeoutMs: 5000,
    });
    expect(none.status).toBe(503);
    expect(none.body).toContain('no endpoints available');
    // Credentials are a configuration error: thrown, never judged as the release's answer.
    fake.token = 'rotated';
    const err = await kube
      .postServiceProxy({
        namespace: 'score',
        service: 'score-api',
        port: 'http',
        path: 'score',
        body: {},
        timeoutMs: 5000,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(401);
  });

  it('turns a 404 into a typed KubeApiError naming the object', async () => {
    const kube = kubeClientFromConfig({ kubeconfig });
    const err = await kube.getDeployment('score', 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(404);
    expect((err as Error).message).toContain('deployments.apps "missing" not found');
  });

  it('reports bad credentials as a 401 KubeApiError with a hint', async () => {
    fake.token = 'rotated';
    const kube = kubeClientFromConfig({ kubeconfig });
    const err = (await kube
      .getApplication('argocd', 'score-api-minikube')
      .catch((e: unknown) => e)) as KubeApiError;
    expect(err.status).toBe(401);
    expect(err.hint).toContain('credentials');
  });

  it('says plainly when no kubeconfig exists at all instead of trying localhost:8080', () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    process.env.KUBECONFIG = '';
    process.env.HOME = dir; // no .kube/config in the temp dir, and no service account outside a cluster
    try {
      expect(() => kubeClientFromConfig()).toThrow(/no kubeconfig found/);
    } finally {
      process.env.KUBECONFIG = saved.KUBECONFIG;
      process.env.HOME = saved.HOME;
      if (saved.KUBECONFIG === undefined) delete process.env.KUBECONFIG;
    }
  });

  it('rejects a missing kubeconfig file or unknown context before any request', () => {
    expect(() => kubeClientFromConfig({ kubeconfig: join(dir, 'nope.yaml') })).toThrow(InputError);
    expect(() => kubeClientFromConfig({ kubeconfig, context: 'prod' })).toThrow(
      /no context named "prod"/,
    );
    expect(fake.requests).toHaveLength(0);
  });
});
