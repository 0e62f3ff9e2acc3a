// Policy rules over rendered Kubernetes objects (pure: plain data in, violations out). Each
// violation names the object and the path inside it; the caller maps that to a file and line.
import type { ContainerAt, K8sObject, ObjectRef, PathSegment } from './manifest-objects.js';
import { containersOf, isRecord, objectId, splitImage } from './manifest-objects.js';

/** One broken rule on one object. */
export interface PolicyViolation extends ObjectRef {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** The offending image reference, for the image rules (so the caller can point at the overlay's `images:` entry). */
  image?: string;
}

/** How strict to be: overlays (what is deployed) must pin every image by digest; a base may not. */
export interface PolicyOptions {
  requireDigest: boolean;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

function containerLabel(c: ContainerAt): string {
  const name = typeof c.container.name === 'string' ? c.container.name : '?';
  return `${c.init ? 'init container' : 'container'} "${name}"`;
}

function isTrue(value: unknown): boolean {
  return value === true;
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

function securityRules(obj: ObjectRef, c: ContainerAt): PolicyViolation[] {
  const sc = isRecord(c.container.securityContext) ? c.container.securityContext : {};
  const podSc = isRecord(c.podSpec.securityContext) ? c.podSpec.securityContext : {};
  const out: PolicyViolation[] = [];
  // The container's own setting wins over the pod's, as in the kubelet.
  const nonRoot =
    sc.runAsNonRoot !== undefined ? isTrue(sc.runAsNonRoot) : isTrue(podSc.runAsNonRoot);
  if (!nonRoot) {
    out.push({
      ...obj,
      path: sc.runAsNonRoot !== undefined ? [...c.path, 'securityContext', 'runAsNonRoot'] : c.path,
      rule: 'security/run-as-non-root',
      severity: 'error',
      message: `${containerLabel(c)} of ${obj.kind}/${obj.name} does not set securityContext.runAsNonRoot: true`,
    });
  }
  if (sc.allowPrivilegeEscalation !== false) {
    out.push({
      ...obj,
      path: c.path,
      rule: 'security/privilege-escalation',
      severity: 'warning',
      message: `${containerLabel(c)} of ${obj.kind}/${obj.name} does not set securityContext.allowPrivilegeEscalation: false`,
    });
  }
  if (sc.readOnlyRootFilesystem !== true) {
    out.push({
      ...obj,
      path: c.path,
      rule: 'security/read-only-root-filesystem',
      severity: 'warning',
      message: `${containerLabel(c)} of ${obj.kind}/${obj.name} does not set securityContext.readOnlyRootFilesystem: true`,
    });
  }
  return out;
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
  if (opts.requireDigest && (parts.digest === undefined || !DIGEST_RE.test(parts.digest))) {
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

/** Checks one object: probes, requests/limits, runAsNonRoot (+ warnings for other hardening), image pinning. */
export function checkObjectPolicy(obj: K8sObject, opts: PolicyOptions): PolicyViolation[] {
  const { kind, name } = objectId(obj);
  const ref: ObjectRef = { kind, name, path: [] };
  const out: PolicyViolation[] = [];
  for (const c of containersOf(obj)) {
    out.push(
      ...probeRules(ref, c),
      ...resourceRules(ref, c),
      ...securityRules(ref, c),
      ...imageRules(ref, c, opts),
    );
  }
  return out;
}

/** Checks every object of a rendered kustomization. */
export function checkPolicy(objects: K8sObject[], opts: PolicyOptions): PolicyViolation[] {
  return objects.flatMap((o) => checkObjectPolicy(o, opts));
}
