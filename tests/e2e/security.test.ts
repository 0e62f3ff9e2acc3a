// The security objects of issue 15 on a real API server (tests/e2e/cluster): Argo CD syncs both
// Applications under an AppProject that whitelists no cluster-scoped kind, into namespaces
// bootstrapped under Pod Security `restricted`, which the API server enforces; the verify identity
// (argocd/verify-access) can do exactly what verify does, its Application patch is narrowed to the
// refresh annotation, and its service-proxy grant matches the name the proxy request carries.
// The pods run on the real node: verify's smoke request through the service proxy is answered.
// NetworkPolicy is not tested here: the e2e node's bridge CNI does not enforce it.
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubeClientFromConfig } from '../../gitops/adapters/kube.js';
import { selectorOf } from '../../gitops/rules/rollout-status.js';
import {
  DEPLOYMENT,
  GKE,
  MINIKUBE,
  deleteApplications,
  disposeGitopsEnv,
  setupGitopsEnv,
} from './cluster/gitops-env.js';
import type { GitopsEnv } from './cluster/gitops-env.js';
import {
  REPO_ROOT,
  argocdExpected,
  clusterSkipReason,
  createNamespace,
  kubectl,
  kubectlJson,
  startCluster,
  stopCluster,
} from './cluster/harness.js';
import type { ClusterHandle } from './cluster/harness.js';

const NAME = 'security';
const log = (line: string): void => void process.stdout.write(`[${NAME}] ${line}\n`);

const skipReason =
  clusterSkipReason() ??
  (argocdExpected()
    ? undefined
    : 'Argo CD will not run (argocd binary not built: tests/e2e/cluster/build.sh argocd)');
if (skipReason) log(`skipped: ${skipReason}`);
const describeCluster = skipReason ? describe.skip : describe;

const STARTUP_TIMEOUT_MS = Number(process.env.E2E_CLUSTER_STARTUP_TIMEOUT_MS ?? 90 * 60_000);
jest.setTimeout(5 * 60_000);

const VERIFY_SA = 'score-api-verify';
const VERIFY_USER = `system:serviceaccount:${MINIKUBE.namespace}:${VERIFY_SA}`;
const PSA_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
};

/** The documents of a YAML file in the repository. */
function loadAll(rel: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(join(REPO_ROOT, rel), 'utf8')).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
}

/** The error text of a kubectl run that must fail. */
async function refused(c: ClusterHandle, args: string[], input?: string): Promise<string> {
  try {
    await kubectl(c, args, input);
  } catch (err) {
    return String((err as Error).message);
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded, expected a refusal`);
}

describeCluster('security objects on a real API server (+ Argo CD)', () => {
  let cluster: ClusterHandle | undefined;
  let env: GitopsEnv | undefined;

  beforeAll(async () => {
    cluster = await startCluster(log);
    env = await setupGitopsEnv(cluster, log);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    // Leave no Synced Application behind: a later file applying argocd-local would see it Synced
    // at this file's commit before Argo CD has looked at its own.
    if (cluster && !cluster.owned) await deleteApplications(cluster);
    disposeGitopsEnv(env);
    await stopCluster(cluster);
  }, 240_000);

  it('Argo CD syncs both Applications under a project that may create no cluster-scoped object', async () => {
    const c = cluster!;
    const project = await kubectlJson<{ spec: { clusterResourceWhitelist?: unknown[] } }>(c, [
      'get',
      'appproject',
      'score-api',
      '-n',
      'argocd',
    ]);
    expect(project.spec.clusterResourceWhitelist ?? []).toEqual([]);
    // setupGitopsEnv waited for both to be Synced and Healthy; the objects only the project's new
    // whitelist entries permit are there.
    for (const t of [MINIKUBE, GKE]) {
      const names = await kubectl(c, ['get', 'networkpolicy', '-n', t.namespace, '-o', 'name']);
      expect(names.trim()).toBe(`networkpolicy.networking.k8s.io/${DEPLOYMENT}`);
    }
    const gke = await kubectl(c, [
      'get',
      'managedcertificate,frontendconfig',
      '-n',
      GKE.namespace,
      '-o',
      'name',
    ]);
    expect(gke.trim().split('\n').sort()).toEqual([
      `frontendconfig.networking.gke.io/${DEPLOYMENT}`,
      `managedcertificate.networking.gke.io/${DEPLOYMENT}`,
    ]);
  });

  it('the API server enforces Pod Security restricted and admits the pipeline pods', async () => {
    const c = cluster!;
    for (const t of [MINIKUBE, GKE]) {
      const ns = await kubectlJson<{ metadata: { labels: Record<string, string> } }>(c, [
        'get',
        'namespace',
        t.namespace,
      ]);
      expect(ns.metadata.labels).toMatchObject(PSA_LABELS);
      // The ReplicaSet controller created every pod the Deployment wants: none was refused.
      const d = await kubectlJson<{ status: { replicas?: number; availableReplicas?: number } }>(
        c,
        ['get', 'deployment', DEPLOYMENT, '-n', t.namespace],
      );
      expect(d.status.availableReplicas).toBe(t.minReplicas);
      const pods = await kubectl(c, ['get', 'pods', '-n', t.namespace, '-o', 'name']);
      expect(pods.trim().split('\n')).toHaveLength(t.minReplicas);
    }
    const deployment = await kubectlJson<{ spec: { template: Record<string, unknown> } }>(c, [
      'get',
      'deployment',
      DEPLOYMENT,
      '-n',
      MINIKUBE.namespace,
    ]);
    const asPod = (spec: unknown) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'psa-check', namespace: MINIKUBE.namespace },
        spec,
      });
    const template = deployment.spec.template as {
      spec: { containers: Record<string, unknown>[] };
    };
    await kubectl(c, ['create', '--dry-run=server', '-f', '-'], asPod(template.spec));
    const loosened = {
      ...template.spec,
      containers: template.spec.containers.map((ct) => ({ ...ct, securityContext: {} })),
      securityContext: {},
    };
    const message = await refused(c, ['create', '--dry-run=server', '-f', '-'], asPod(loosened));
    expect(message).toContain('violates PodSecurity "restricted:latest"');
    expect(message).toContain('capabilities.drop=["ALL"]');
  });

  it('the verify identity may read the rollout and refresh its Application, and nothing more', async () => {
    const c = cluster!;
    // `can-i` answers on stdout and exits 1 for "no"; anything else on stdout is a failure to ask.
    const can = (...args: string[]) =>
      new Promise<string>((resolve) => {
        execFile(
          'kubectl',
          ['auth', 'can-i', `--as=${VERIFY_USER}`, ...args],
          { env: { ...process.env, KUBECONFIG: c.kubeconfig } },
          (_err, stdout, stderr) => resolve(stdout.trim() || `error: ${stderr.trim()}`),
        );
      });
    const ns = ['-n', MINIKUBE.namespace];
    const allowed = [
      ...['get', 'list', 'watch'].flatMap((verb) =>
        ['deployments.apps', 'replicasets.apps', 'pods', 'events'].map((r) => [verb, r, ...ns]),
      ),
      ['get', 'applications.argoproj.io/score-api-minikube', '-n', 'argocd'],
      ['patch', 'applications.argoproj.io/score-api-minikube', '-n', 'argocd'],
      ['get', 'applications.argoproj.io/score-api-gke', '-n', 'argocd'],
      ['create', 'services/score-api:http', '--subresource=proxy', ...ns],
    ];
    const denied = [
      ['get', 'services/score-api:http', '--subresource=proxy', ...ns],
      ['create', 'services/score-api', '--subresource=proxy', ...ns],
      ['create', 'services/other:http', '--subresource=proxy', ...ns],
      ['get', 'secrets', ...ns],
      ['get', 'configmaps', ...ns],
      ['get', 'pods', '--subresource=log', ...ns],
      ['create', 'pods', '--subresource=exec', ...ns],
      ['create', 'pods', '--subresource=portforward', ...ns],
      ['patch', 'deployments.apps/score-api', ...ns],
      ['delete', 'pods', ...ns],
      ['create', 'rolebindings.rbac.authorization.k8s.io', ...ns],
      ['create', 'serviceaccounts/score-api-verify', '--subresource=token', ...ns],
      ['get', 'deployments.apps', '-n', GKE.namespace],
      ['list', 'pods', '--all-namespaces'],
      ['list', 'applications.argoproj.io', '-n', 'argocd'],
      ['update', 'applications.argoproj.io/score-api-minikube', '-n', 'argocd'],
      ['delete', 'applications.argoproj.io/score-api-minikube', '-n', 'argocd'],
      ['patch', 'applications.argoproj.io/other', '-n', 'argocd'],
      ['patch', 'appprojects.argoproj.io/score-api', '-n', 'argocd'],
      ['get', 'secrets', '-n', 'argocd'],
      ['patch', 'namespaces/score-api'],
    ];
    const answers = async (list: string[][]) =>
      Object.fromEntries(await Promise.all(list.map(async (a) => [a.join(' '), await can(...a)])));
    expect(await answers(allowed)).toEqual(
      Object.fromEntries(allowed.map((a) => [a.join(' '), 'yes'])),
    );
    expect(await answers(denied)).toEqual(
      Object.fromEntries(denied.map((a) => [a.join(' '), 'no'])),
    );
  });

  it("the service proxy authorizes the Service name as the request's path writes it", async () => {
    // A Service without endpoints in a scratch namespace: an authorized request is answered by the
    // API server itself (not found), so nothing is forwarded anywhere.
    const c = cluster!;
    const scratch = `proxy-name-${Date.now().toString(36)}`;
    await createNamespace(c, scratch);
    try {
      const role = loadAll('argocd/verify-access/role-workload.yaml').find(
        (d) => d.kind === 'Role',
      ) as {
        rules: { resources: string[] }[];
      };
      const proxyRules = role.rules.filter((r) => r.resources.includes('services/proxy'));
      expect(proxyRules).toHaveLength(1);
      const manifest = [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'probe' } },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: DEPLOYMENT },
          spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'probe' },
          rules: proxyRules,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'probe' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'probe' },
          subjects: [{ kind: 'ServiceAccount', name: 'probe', namespace: scratch }],
        },
      ];
      await kubectl(
        c,
        ['apply', '-n', scratch, '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest }),
      );
      const as = `--as=system:serviceaccount:${scratch}:probe`;
      const post = (name: string) =>
        refused(
          c,
          [
            as,
            'create',
            '--raw',
            `/api/v1/namespaces/${scratch}/services/${name}/proxy/score`,
            '-f',
            '-',
          ],
          '{}',
        );
      expect(await post('score-api:http')).toContain('(NotFound)');
      for (const name of ['score-api', 'http:score-api:http', 'score-api:80'])
        expect(await post(name)).toContain(`services "${name}" is forbidden`);
      const get = await refused(c, [
        as,
        'get',
        '--raw',
        `/api/v1/namespaces/${scratch}/services/score-api:http/proxy/metrics`,
      ]);
      expect(get).toContain('cannot get resource "services/proxy"');
    } finally {
      await kubectl(c, ['delete', 'namespace', scratch, '--wait=false']);
    }
  });

  it('verify runs on a kubeconfig of its own identity, whose Application patch is narrowed to the refresh annotation', async () => {
    const c = cluster!;
    // The runner's kubeconfig, as docs/operators-guide.md builds it: a bound token of the ServiceAccount.
    const token = (
      await kubectl(c, ['create', 'token', VERIFY_SA, '-n', MINIKUBE.namespace, '--duration=10m'])
    ).trim();
    const view = await kubectlJson<{
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    }>(c, ['config', 'view', '--raw', '--minify', '--flatten']);
    const server = view.clusters[0]!.cluster;
    const kubeconfig = join(env!.tmp, 'verify.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'e2e', cluster: server }],
        users: [{ name: VERIFY_SA, user: { token } }],
        contexts: [
          {
            name: VERIFY_SA,
            context: { cluster: 'e2e', user: VERIFY_SA, namespace: MINIKUBE.namespace },
          },
        ],
        'current-context': VERIFY_SA,
      }),
      { mode: 0o600 },
    );
    // Every call verify makes, through verify's own client.
    const kube = kubeClientFromConfig({ kubeconfig });
    const deployment = await kube.getDeployment(MINIKUBE.namespace, DEPLOYMENT);
    const selector = selectorOf(deployment);
    expect((await kube.listReplicaSets(MINIKUBE.namespace, selector)).length).toBeGreaterThan(0);
    expect(await kube.listPods(MINIKUBE.namespace, selector)).toHaveLength(MINIKUBE.minReplicas);
    expect(await kube.getApplication('argocd', MINIKUBE.app)).toMatchObject({
      metadata: { name: MINIKUBE.app },
    });
    await kube.refreshApplication('argocd', MINIKUBE.app);
    // The kubelet's probe failures (events.k8s.io is not needed: core/v1 events).
    expect(Array.isArray(await kube.listEvents(MINIKUBE.namespace, 'reason=Unhealthy'))).toBe(true);
    // The smoke request: the known input through the API server's service proxy, answered by the
    // release running on the node.
    const smoke = await kube.postServiceProxy({
      namespace: MINIKUBE.namespace,
      service: DEPLOYMENT,
      port: 'http',
      path: 'score',
      body: { X: [5.1, 3.5, 1.4, 0.2] },
      timeoutMs: 10_000,
    });
    expect(smoke.status).toBe(200);
    expect(JSON.parse(smoke.body)).toMatchObject({ score: [{ label: 'setosa' }] });

    const asVerify = ['--kubeconfig', kubeconfig];
    const patch = (body: unknown) =>
      refused(c, [
        ...asVerify,
        'patch',
        'application',
        MINIKUBE.app,
        '-n',
        'argocd',
        '--type=merge',
        '-p',
        JSON.stringify(body),
      ]);
    expect(await patch({ spec: { source: { targetRevision: 'unreviewed' } } })).toContain(
      "ValidatingAdmissionPolicy 'score-api-verify-refresh-only'",
    );
    expect(await patch({ operation: { sync: { revision: 'unreviewed' } } })).toContain(
      "may not change an Application's spec or start an operation",
    );
    expect(await patch({ metadata: { annotations: { other: 'x' } } })).toContain(
      'may change only the argocd.argoproj.io/refresh annotation',
    );
    const app = await kubectlJson<{ spec: { source: { targetRevision: string } } }>(c, [
      'get',
      'application',
      MINIKUBE.app,
      '-n',
      'argocd',
    ]);
    expect(app.spec.source.targetRevision).toBe('main');
  });
});
