// Policy rules over rendered Kubernetes objects (pure: plain data in, violations out). Each
// violation names the object and the path inside it; the caller maps that to a file and line.
import type {
  ContainerAt,
  K8sObject,
  ObjectRef,
  PathSegment,
  PolicyViolation,
} from './manifest-objects.js';
import { containersOf, isRecord, objectId, splitImage } from './manifest-objects.js';
import { checkArgoObjects } from './argocd-project.js';
import { checkIngressTls } from './ingress-tls.js';
import { checkNetworkPolicies } from './network-policy.js';
import { checkPodSecurity } from './pod-security.js';

export type { PolicyViolation } from './manifest-objects.js';

/**
 * How strict to be. `deployed`: the render is an overlay, what a cluster runs: every image is
 * pinned by digest, NetworkPolicies isolate every pod, and Ingresses serve HTTPS. A base is not.
 */
export interface PolicyOptions {
  deployed: boolean;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

function containerLabel(c: ContainerAt): string {
  const name = typeof c.container.name === 'string' ? c.container.name : '?';
  return `${c.init ? 'init container' : 'container'} "${name}"`;
}

function probeRules(obj: ObjectRef, c: ContainerAt): PolicyViolation[] {
  // Probes matter for long-running workloads; init containers and Jobs run to completion.
  if (!c.longRunning || c.init) return [];
  const out: PolicyViolation[] = [];
  for (const [field, rule] of [
    ['readinessProbe', 'probes/readiness'],
    ['livenessProbe', 'probes/liveness'],
  ] as const) {
    if (!isRecord(c.container[field])) {
      out.push({
        ...obj,
        path: c.path,
        rule,
        severity: 'error',
        message: `${containerLabel(c)} of ${obj.kind}/${obj.name} has no ${field}`,
      });
    }
  }
  return out;
}

function resourceRules(obj: ObjectRef, c: ContainerAt): PolicyViolation[] {
  const resources = isRecord(c.container.resources) ? c.container.resources : {};
  const out: PolicyViolation[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    const values = resources[kind];
    const missing = ['cpu', 'memory'].filter(
      (r) => !isRecord(values) || values[r] === undefined || values[r] === null,
    );
    if (missing.length > 0) {
      const path: PathSegment[] = isRecord(values)
        ? [...c.path, 'resources', kind]
        : [...c.path, 'resources'];
      out.push({
        ...obj,
        path,
        rule: `resources/${kind}`,
        severity: 'error',
        message: `${containerLabel(c)} of ${obj.kind}/${obj.name} has no resources.${kind}.${missing.join(' or ')}`,
      });
    }
  }
  return out;
}

// Pod Security `restricted` is checked in pod-security.ts; a read-only root filesystem is
// hardening beyond it, so a warning.
function readOnlyRootRule(obj: ObjectRef, c: ContainerAt): PolicyViolation[] {
  const sc = isRecord(c.container.securityContext) ? c.container.securityContext : {};
  if (sc.readOnlyRootFilesystem === true) return [];
  return [
    {
      ...obj,
      path: c.path,
      rule: 'security/read-only-root-filesystem',
      severity: 'warning',
      message: `${containerLabel(c)} of ${obj.kind}/${obj.name} does not set securityContext.readOnlyRootFilesystem: true`,
    },
  ];
}

function imageRules(obj: ObjectRef, c: ContainerAt, opts: PolicyOptions): PolicyViolation[] {
  const image = c.container.image;
  const path = [...c.path, 'image'];
  const label = `${containerLabel(c)} of ${obj.kind}/${obj.name}`;
  if (typeof image !== 'string' || image.trim() === '') {
    return [
      {
        ...obj,
        path: c.path,
        rule: 'image/missing',
        severity: 'error',
        message: `${label} has no image`,
      },
    ];
  }
  const parts = splitImage(image);
  const out: PolicyViolation[] = [];
  if (parts.tag === 'latest') {
    out.push({
      ...obj,
      path,
      image,
      rule: 'image/latest',
      severity: 'error',
      message: `${label} uses the mutable tag :latest (${image}); pin a commit SHA tag and a digest`,
    });
  }
  if (parts.tag === undefined && parts.digest === undefined) {
    out.push({
      ...obj,
      path,
      image,
      rule: 'image/untagged',
      severity: 'error',
      message: `${label} uses an untagged image (${image}), which means :latest`,
    });
  }
  if (opts.deployed && (parts.digest === undefined || !DIGEST_RE.test(parts.digest))) {
    out.push({
      ...obj,
      path,
      image,
      rule: 'image/digest',
      severity: 'error',
      message: `${label} is not pinned by digest (${image}); the overlay's images: entry needs digest: sha256:<64 hex>`,
    });
  }
  return out;
}

/** Checks one object: probes, requests/limits, Pod Security `restricted`, a read-only root (warning), image pinning. */
export function checkObjectPolicy(obj: K8sObject, opts: PolicyOptions): PolicyViolation[] {
  const { kind, name } = objectId(obj);
  const ref: ObjectRef = { kind, name, path: [] };
  const out: PolicyViolation[] = [];
  for (const c of containersOf(obj)) {
    out.push(
      ...probeRules(ref, c),
      ...resourceRules(ref, c),
      ...readOnlyRootRule(ref, c),
      ...imageRules(ref, c, opts),
    );
  }
  out.push(...checkPodSecurity(obj));
  return out;
}

/** Checks every object of a rendered kustomization, and the rules that span its objects. */
export function checkPolicy(objects: K8sObject[], opts: PolicyOptions): PolicyViolation[] {
  return [
    ...objects.flatMap((o) => checkObjectPolicy(o, opts)),
    ...(opts.deployed ? [...checkNetworkPolicies(objects), ...checkIngressTls(objects)] : []),
    ...checkArgoObjects(objects),
  ];
}
