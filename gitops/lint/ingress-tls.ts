// HTTPS on a rendered overlay's Ingresses (pure): each one terminates TLS (spec.tls, or on GKE a
// Google-managed or pre-shared certificate), and a GKE Ingress also answers plain HTTP only with a
// redirect (a FrontendConfig with redirectToHttps) or not at all (allow-http "false"). The objects
// an annotation names must be rendered by the same overlay, or GKE silently ignores the reference.
import type { K8sObject, ObjectRef, PolicyViolation } from './manifest-objects.js';
import { isRecord, objectId } from './manifest-objects.js';

const MANAGED_CERTS = 'networking.gke.io/managed-certificates';
const PRE_SHARED_CERT = 'ingress.gcp.kubernetes.io/pre-shared-cert';
const FRONTEND_CONFIG = 'networking.gke.io/v1beta1.FrontendConfig';
const ALLOW_HTTP = 'kubernetes.io/ingress.allow-http';
const INGRESS_CLASS = 'kubernetes.io/ingress.class';

function annotationsOf(obj: K8sObject): Record<string, unknown> {
  const a = obj.metadata?.annotations;
  return isRecord(a) ? a : {};
}

function names(objects: K8sObject[], kind: string): Map<string, K8sObject> {
  return new Map(
    objects.filter((o) => objectId(o).kind === kind).map((o) => [objectId(o).name, o] as const),
  );
}

/** GKE's own controller serves an Ingress whose class is gce (or gce-internal), or that names none. */
function isGke(obj: K8sObject, annotations: Record<string, unknown>): boolean {
  const cls = annotations[INGRESS_CLASS];
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (typeof cls === 'string') return cls.startsWith('gce');
  return spec.ingressClassName === undefined;
}

/** Checks every Ingress of one rendered overlay for TLS and, on GKE, the HTTP -> HTTPS redirect. */
export function checkIngressTls(objects: K8sObject[]): PolicyViolation[] {
  const certs = names(objects, 'ManagedCertificate');
  const frontends = names(objects, 'FrontendConfig');
  const out: PolicyViolation[] = [];
  for (const obj of objects) {
    const { kind, name } = objectId(obj);
    if (kind !== 'Ingress') continue;
    const ref: ObjectRef = { kind, name, path: ['metadata', 'annotations'] };
    const fail = (rule: string, message: string): void => {
      out.push({ ...ref, rule, severity: 'error', message: `Ingress/${name} ${message}` });
    };
    const annotations = annotationsOf(obj);
    const spec = isRecord(obj.spec) ? obj.spec : {};
    const managed = String(annotations[MANAGED_CERTS] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const cert of managed.filter((c) => !certs.has(c)))
      fail('ingress/https', `names ManagedCertificate ${cert}, which this overlay does not render`);
    const tls =
      (Array.isArray(spec.tls) && spec.tls.length > 0) ||
      managed.length > 0 ||
      typeof annotations[PRE_SHARED_CERT] === 'string';
    if (!tls) {
      fail(
        'ingress/https',
        `serves plain HTTP only: add spec.tls, or on GKE a ManagedCertificate named in ${MANAGED_CERTS}`,
      );
      continue;
    }
    if (!isGke(obj, annotations) || annotations[ALLOW_HTTP] === 'false') continue;
    const frontendName = annotations[FRONTEND_CONFIG];
    const frontend = typeof frontendName === 'string' ? frontends.get(frontendName) : undefined;
    const redirect = isRecord(frontend?.spec) ? frontend.spec.redirectToHttps : undefined;
    if (!isRecord(redirect) || redirect.enabled !== true) {
      fail(
        'ingress/http-redirect',
        typeof frontendName === 'string' && !frontend
          ? `names FrontendConfig ${frontendName}, which this overlay does not render`
          : `also answers plain HTTP: name a FrontendConfig with redirectToHttps.enabled: true in ${FRONTEND_CONFIG} (or set ${ALLOW_HTTP}: "false")`,
      );
    }
  }
  return out;
}
