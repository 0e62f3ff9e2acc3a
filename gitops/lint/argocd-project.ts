// Rules over the Argo CD objects (pure): what an AppProject lets this repository change in a
// cluster, the Pod Security labels of every namespace an Application deploys to, and whether the
// project permits every kind the Applications' overlays render (Argo CD refuses the whole sync
// otherwise, at deploy time instead of review time).
import type { K8sObject, ObjectRef, PolicyViolation } from './manifest-objects.js';
import { isRecord, objectId } from './manifest-objects.js';

/** A violation found in a render other than the one being checked, with that render's target. */
export interface TargetViolation extends PolicyViolation {
  target: string;
}

interface GroupKind {
  group: string;
  kind: string;
}

const PSA_MODES = ['enforce', 'audit', 'warn'] as const;
const PSA_LEVEL = 'restricted';
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const RBAC_KINDS = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
// Kinds without a namespace that an overlay might render; anything else counts as namespaced,
// which is what Argo CD assumes for a kind it cannot look up before the sync.
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'APIService',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

function spec(obj: K8sObject | undefined): Record<string, unknown> {
  return isRecord(obj?.spec) ? obj.spec : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function globMatch(pattern: unknown, value: string): boolean {
  if (typeof pattern !== 'string') return false;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

function inList(entries: unknown, gk: GroupKind): boolean {
  return list(entries).some(
    (e) => isRecord(e) && globMatch(e.group, gk.group) && globMatch(e.kind, gk.kind),
  );
}

function groupKindOf(obj: K8sObject): GroupKind {
  const { apiVersion, kind } = objectId(obj);
  return { group: apiVersion.includes('/') ? apiVersion.split('/')[0]! : '', kind };
}

/** Whether an AppProject lets Argo CD sync this kind, with Argo CD's own list semantics. */
export function projectPermits(project: K8sObject, gk: GroupKind): boolean {
  const s = spec(project);
  if (CLUSTER_SCOPED.has(gk.kind)) {
    // An absent or empty cluster whitelist permits no cluster-scoped kind.
    return inList(s.clusterResourceWhitelist, gk) && !inList(s.clusterResourceBlacklist, gk);
  }
  // An absent namespaced whitelist permits every kind; an empty one permits none.
  const white = s.namespaceResourceWhitelist;
  const whitelisted = white === undefined || white === null || inList(white, gk);
  return whitelisted && !inList(s.namespaceResourceBlacklist, gk);
}

function projectRules(project: K8sObject): PolicyViolation[] {
  const { kind, name } = objectId(project);
  const out: PolicyViolation[] = [];
  const s = spec(project);
  list(s.clusterResourceWhitelist).forEach((e, i) => {
    if (!isRecord(e) || !globMatch(e.group, '') || !globMatch(e.kind, 'Namespace')) return;
    out.push({
      kind,
      name,
      path: ['spec', 'clusterResourceWhitelist', i],
      rule: 'project/cluster-namespace',
      severity: 'error',
      message:
        `AppProject/${name} whitelists Namespace cluster-wide: a commit could create, relabel (Pod Security ` +
        'included) or delete any namespace. Argo CD before v3.3 has no `name` on this list (it drops or ' +
        'rejects one); bootstrap the namespace outside the project instead',
    });
  });
  for (const field of ['clusterResourceWhitelist', 'namespaceResourceWhitelist'] as const) {
    list(s[field]).forEach((e, i) => {
      const grants = RBAC_KINDS.filter((k) => inList([e], { group: RBAC_GROUP, kind: k }));
      // An absent namespaced whitelist permits everything, RBAC included; that is reported below.
      if (grants.length === 0) return;
      out.push({
        kind,
        name,
        path: ['spec', field, i],
        rule: 'project/rbac',
        severity: 'error',
        message: `AppProject/${name} lets the repository sync ${grants.join(', ')}: a commit could grant itself rights`,
      });
    });
  }
  if (s.namespaceResourceWhitelist === undefined || s.namespaceResourceWhitelist === null) {
    out.push({
      kind,
      name,
      path: ['spec'],
      rule: 'project/rbac',
      severity: 'error',
      message: `AppProject/${name} has no namespaceResourceWhitelist, which permits every kind (RBAC included); list the kinds`,
    });
  }
  return out;
}

function labelsOf(value: unknown): Record<string, unknown> {
  return isRecord(value) && isRecord(value.labels) ? value.labels : {};
}

function syncOptions(app: K8sObject): string[] {
  const policy = spec(app).syncPolicy;
  return list(isRecord(policy) ? policy.syncOptions : undefined).map(String);
}

function missingPsa(labels: Record<string, unknown>): string[] {
  return PSA_MODES.filter((m) => labels[`pod-security.kubernetes.io/${m}`] !== PSA_LEVEL);
}

function destinationNamespace(app: K8sObject): string | undefined {
  const dest = spec(app).destination;
  return isRecord(dest) && typeof dest.namespace === 'string' ? dest.namespace : undefined;
}

function podSecurityRules(app: K8sObject, namespaces: Map<string, K8sObject>): PolicyViolation[] {
  const ns = destinationNamespace(app);
  if (ns === undefined) return [];
  const { name } = objectId(app);
  const policy = spec(app).syncPolicy;
  const managed = isRecord(policy) ? policy.managedNamespaceMetadata : undefined;
  const nsObject = namespaces.get(ns);
  // Either form carries the labels: a bootstrapped Namespace, or Argo CD's managed metadata.
  const viaManaged = syncOptions(app).includes('CreateNamespace=true') && isRecord(managed);
  const missing = missingPsa(viaManaged ? labelsOf(managed) : labelsOf(nsObject?.metadata));
  if (missing.length === 0) return [];
  const labels = missing.map((m) => `pod-security.kubernetes.io/${m}: ${PSA_LEVEL}`).join(', ');
  const ref: ObjectRef =
    nsObject && !viaManaged
      ? { kind: 'Namespace', name: ns, path: ['metadata', 'labels'] }
      : { kind: 'Application', name, path: ['spec', 'destination', 'namespace'] };
  return [
    {
      ...ref,
      rule: 'namespace/pod-security',
      severity: 'error',
      message:
        nsObject || viaManaged
          ? `namespace ${ns} (Application/${name}) lacks ${labels}`
          : `namespace ${ns} of Application/${name} is not bootstrapped here, so nothing sets its Pod Security labels; add a Namespace with ${labels}`,
    },
  ];
}

/** The rules on one rendered argocd/ kustomization: its AppProjects and Applications. */
export function checkArgoObjects(objects: K8sObject[]): PolicyViolation[] {
  const namespaces = new Map(
    objects.filter((o) => objectId(o).kind === 'Namespace').map((o) => [objectId(o).name, o]),
  );
  const out: PolicyViolation[] = [];
  for (const obj of objects) {
    const { kind, apiVersion } = objectId(obj);
    if (!apiVersion.startsWith('argoproj.io/')) continue;
    if (kind === 'AppProject') out.push(...projectRules(obj));
    if (kind === 'Application') out.push(...podSecurityRules(obj, namespaces));
  }
  return out;
}

function sourcePaths(app: K8sObject): string[] {
  const s = spec(app);
  const sources = [s.source, ...list(s.sources)];
  return sources
    .map((src) => (isRecord(src) && typeof src.path === 'string' ? src.path : undefined))
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/^\.\//, '').replace(/\/+$/, ''));
}

/**
 * Cross-render check: every object an Application's overlay renders (and the namespace it would
 * create) is permitted by the Application's project. `renders` maps a render target
 * ('overlays/gke') to its objects; `argocdTarget` is the target holding the Argo CD objects.
 */
export function checkProjectPermits(
  argocdTarget: string,
  renders: Map<string, K8sObject[]>,
): TargetViolation[] {
  const argo = renders.get(argocdTarget) ?? [];
  const projects = new Map(
    argo.filter((o) => objectId(o).kind === 'AppProject').map((o) => [objectId(o).name, o]),
  );
  const out: TargetViolation[] = [];
  for (const app of argo.filter((o) => objectId(o).kind === 'Application')) {
    const appName = objectId(app).name;
    const projectName = spec(app).project;
    const project = typeof projectName === 'string' ? projects.get(projectName) : undefined;
    if (!project) continue;
    const ns = destinationNamespace(app);
    if (
      ns !== undefined &&
      syncOptions(app).includes('CreateNamespace=true') &&
      !projectPermits(project, { group: '', kind: 'Namespace' })
    ) {
      out.push({
        target: argocdTarget,
        kind: 'Application',
        name: appName,
        path: ['spec', 'syncPolicy', 'syncOptions'],
        rule: 'project/not-permitted',
        severity: 'error',
        message:
          `Application/${appName} has CreateNamespace=true, but AppProject/${String(projectName)} does not ` +
          'permit Namespace: Argo CD checks the namespace it creates (or labels, with ' +
          'managedNamespaceMetadata) against the project and fails the sync; bootstrap the namespace instead',
      });
    }
    for (const path of sourcePaths(app)) {
      for (const obj of renders.get(path) ?? []) {
        const gk = groupKindOf(obj);
        if (projectPermits(project, gk)) continue;
        const { kind, name } = objectId(obj);
        out.push({
          target: path,
          kind,
          name,
          path: [],
          rule: 'project/not-permitted',
          severity: 'error',
          message:
            `${gk.group || 'core'} ${kind}/${name} is not permitted by AppProject/${String(projectName)} ` +
            `(Application/${appName}): Argo CD would refuse the sync; add the kind to the project's whitelist or drop it`,
        });
      }
    }
  }
  return out;
}
