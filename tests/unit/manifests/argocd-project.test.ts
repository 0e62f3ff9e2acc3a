import {
  checkArgoObjects,
  checkProjectPermits,
  projectPermits,
} from '../../../gitops/lint/argocd-project.js';
import type { K8sObject } from '../../../gitops/lint/manifest-objects.js';

const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
};

function project(spec: Record<string, unknown>): K8sObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'p', namespace: 'argocd' },
    spec: {
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: 'apps', kind: 'Deployment' },
        { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
      ],
      ...spec,
    },
  };
}

function app(syncPolicy: Record<string, unknown> = {}, path = 'overlays/prod'): K8sObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web-prod', namespace: 'argocd' },
    spec: {
      project: 'p',
      source: { repoURL: 'https://example.com/r.git', path, targetRevision: 'main' },
      destination: { name: 'prod', namespace: 'web' },
      syncPolicy,
    },
  };
}

function namespace(labels: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', labels } };
}

const rules = (objects: K8sObject[]) => checkArgoObjects(objects).map((v) => v.rule);

describe('Argo CD project rules', () => {
  it('accepts a project without cluster kinds or RBAC, and a bootstrapped restricted namespace', () => {
    expect(checkArgoObjects([project({}), app(), namespace(RESTRICTED)])).toEqual([]);
  });

  it('refuses a Namespace whitelist, by kind or by glob, with or without a name', () => {
    const p = project({
      clusterResourceWhitelist: [
        { group: 'storage.k8s.io', kind: 'StorageClass' },
        { group: '', kind: 'Namespace', name: 'web' },
        { group: '*', kind: '*' },
      ],
    });
    const v = checkArgoObjects([p]).filter((x) => x.rule === 'project/cluster-namespace');
    expect(v.map((x) => x.path)).toEqual([
      ['spec', 'clusterResourceWhitelist', 1],
      ['spec', 'clusterResourceWhitelist', 2],
    ]);
    expect(v[0]?.message).toContain('before v3.3');
  });

  it('refuses RBAC kinds in either whitelist and an absent namespaced whitelist', () => {
    const p = project({
      namespaceResourceWhitelist: [
        { group: 'apps', kind: 'Deployment' },
        { group: 'rbac.authorization.k8s.io', kind: 'Role*' },
      ],
      clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }],
    });
    expect(checkArgoObjects([p]).map((x) => [x.rule, x.path.join('.')])).toEqual([
      ['project/rbac', 'spec.clusterResourceWhitelist.0'],
      ['project/rbac', 'spec.namespaceResourceWhitelist.1'],
    ]);
    const open = project({});
    delete (open.spec as Record<string, unknown>).namespaceResourceWhitelist;
    expect(rules([open])).toEqual(['project/rbac']);
  });

  it('requires restricted in all three modes on every destination namespace', () => {
    const [partial] = checkArgoObjects([
      app(),
      namespace({ 'pod-security.kubernetes.io/enforce': 'baseline' }),
    ]);
    expect(partial).toMatchObject({
      kind: 'Namespace',
      name: 'web',
      rule: 'namespace/pod-security',
      path: ['metadata', 'labels'],
    });
    expect(partial?.message).toContain('enforce: restricted, pod-security.kubernetes.io/audit');
    const [absent] = checkArgoObjects([app()]);
    expect(absent).toMatchObject({
      kind: 'Application',
      path: ['spec', 'destination', 'namespace'],
    });
    expect(absent?.message).toContain('is not bootstrapped here');
  });

  it("accepts the labels from Argo CD's managed namespace metadata", () => {
    const managed = app({
      syncOptions: ['CreateNamespace=true'],
      managedNamespaceMetadata: { labels: RESTRICTED },
    });
    expect(rules([managed])).toEqual([]);
    // Without CreateNamespace=true Argo CD ignores managedNamespaceMetadata.
    expect(rules([app({ managedNamespaceMetadata: { labels: RESTRICTED } })])).toEqual([
      'namespace/pod-security',
    ]);
  });
});

describe('project permits', () => {
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
  };
  const ingress: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web' },
  };
  const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };

  it('follows Argo CD: absent namespaced list permits all, empty permits none, blacklist wins', () => {
    const gk = { group: 'apps', kind: 'Deployment' };
    expect(projectPermits(project({}), gk)).toBe(true);
    expect(projectPermits(project({ namespaceResourceWhitelist: [] }), gk)).toBe(false);
    expect(projectPermits(project({ namespaceResourceWhitelist: undefined }), gk)).toBe(true);
    expect(
      projectPermits(
        project({ namespaceResourceBlacklist: [{ group: '*', kind: 'Deploy*' }] }),
        gk,
      ),
    ).toBe(false);
    expect(projectPermits(project({}), { group: '', kind: 'Namespace' })).toBe(false);
    expect(
      projectPermits(project({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] }), {
        group: '',
        kind: 'Namespace',
      }),
    ).toBe(true);
  });

  it("reports every object of an Application's overlay the project does not permit, in that render", () => {
    const renders = new Map([
      ['argocd', [project({}), app({}, './overlays/prod/')]],
      ['overlays/prod', [deployment, ingress, ns]],
      ['overlays/other', [ingress]],
    ]);
    expect(checkProjectPermits('argocd', renders).map((v) => [v.target, v.kind, v.rule])).toEqual([
      ['overlays/prod', 'Ingress', 'project/not-permitted'],
      ['overlays/prod', 'Namespace', 'project/not-permitted'],
    ]);
  });

  it('reports CreateNamespace=true when the project may not create the namespace', () => {
    const renders = new Map([
      ['argocd', [project({}), app({ syncOptions: ['CreateNamespace=true'] })]],
      ['overlays/prod', [deployment]],
    ]);
    const [v] = checkProjectPermits('argocd', renders);
    expect(v).toMatchObject({
      target: 'argocd',
      kind: 'Application',
      name: 'web-prod',
      path: ['spec', 'syncPolicy', 'syncOptions'],
      rule: 'project/not-permitted',
    });
    expect(v?.message).toContain('does not permit Namespace');
  });
});
