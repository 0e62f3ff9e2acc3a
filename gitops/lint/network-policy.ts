// NetworkPolicy coverage of a rendered overlay (pure): every pod template must be selected by a
// policy that isolates it for ingress and for egress, and every rule of a selecting policy must
// name its ports (a rule without ports opens all of them). Which sources and destinations a rule
// allows is left to review: NodePort and node traffic cannot be told apart by address anyway.
import type { K8sObject, ObjectRef, PathSegment, PolicyViolation } from './manifest-objects.js';
import { containersOf, isRecord, objectId } from './manifest-objects.js';

type Labels = Record<string, unknown>;

interface Selector {
  matchLabels?: unknown;
  matchExpressions?: unknown;
}

/** True when a label selector selects these labels (an empty selector selects everything). */
export function selects(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector)) return false;
  const { matchLabels, matchExpressions } = selector as Selector;
  if (isRecord(matchLabels)) {
    for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  }
  for (const e of Array.isArray(matchExpressions) ? matchExpressions : []) {
    if (!isRecord(e) || typeof e.key !== 'string') return false;
    const has = Object.hasOwn(labels, e.key);
    const values = Array.isArray(e.values) ? e.values : [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !values.includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** The directions a policy isolates: policyTypes, or as the API server defaults them. */
function isolates(spec: Record<string, unknown>): Set<string> {
  if (Array.isArray(spec.policyTypes)) return new Set(spec.policyTypes.map(String));
  return new Set(spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress']);
}

function namespaceOf(obj: K8sObject): unknown {
  return obj.metadata?.namespace;
}

function openRules(ref: ObjectRef, spec: Record<string, unknown>): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const field of ['ingress', 'egress'] as const) {
    const rules: unknown[] = Array.isArray(spec[field]) ? spec[field] : [];
    rules.forEach((rule, i) => {
      const ports = isRecord(rule) ? rule.ports : undefined;
      if (Array.isArray(ports) && ports.length > 0) return;
      out.push({
        ...ref,
        path: ['spec', field, i],
        rule: 'network-policy/all-ports',
        severity: 'error',
        message: `NetworkPolicy/${ref.name}: ${field} rule ${i + 1} names no ports, so it allows every port; list them`,
      });
    });
  }
  return out;
}

/** Checks that the rendered overlay's NetworkPolicies isolate every pod template it renders. */
export function checkNetworkPolicies(objects: K8sObject[]): PolicyViolation[] {
  const policies = objects.filter(
    (o) =>
      objectId(o).kind === 'NetworkPolicy' &&
      objectId(o).apiVersion.startsWith('networking.k8s.io/'),
  );
  const out: PolicyViolation[] = [];
  const used = new Set<K8sObject>();
  for (const obj of objects) {
    const first = containersOf(obj)[0];
    if (!first) continue;
    const { kind, name } = objectId(obj);
    // The pod template's metadata sits beside its spec (a Pod's is the object's own).
    const specPath = first.path.slice(0, -2);
    const templatePath: PathSegment[] = specPath.slice(0, -1);
    let node: unknown = obj;
    for (const seg of [...templatePath, 'metadata', 'labels'])
      node = isRecord(node) && typeof seg === 'string' ? node[seg] : undefined;
    const labels: Labels = isRecord(node) ? node : {};
    const selecting = policies.filter((p) => {
      const spec = isRecord(p.spec) ? p.spec : {};
      const sameNs = namespaceOf(p) === undefined || namespaceOf(p) === namespaceOf(obj);
      return sameNs && selects(spec.podSelector, labels);
    });
    const directions = new Set<string>();
    for (const p of selecting) {
      used.add(p);
      for (const d of isolates(isRecord(p.spec) ? p.spec : {})) directions.add(d);
    }
    const missing = ['Ingress', 'Egress'].filter((d) => !directions.has(d));
    if (missing.length > 0) {
      out.push({
        kind,
        name,
        path: templatePath.length > 0 ? templatePath : ['metadata'],
        rule: 'network-policy/missing',
        severity: 'error',
        message:
          `the pods of ${kind}/${name} are not isolated for ${missing.join(' and ')}: ` +
          'ship a NetworkPolicy that selects them with policyTypes [Ingress, Egress]',
      });
    }
  }
  for (const p of used) {
    const ref: ObjectRef = { kind: 'NetworkPolicy', name: objectId(p).name, path: [] };
    out.push(...openRules(ref, isRecord(p.spec) ? p.spec : {}));
  }
  return out;
}
