// The Pod Security Standards' `restricted` profile over pod templates (pure). The namespaces carry
// `pod-security.kubernetes.io/enforce: restricted`, and the API server applies it when a pod is
// created: for a Deployment that is inside the ReplicaSet controller, after Argo CD reported the
// sync a success, so a non-compliant template would only show up as a rollout without pods.
// Checked here, it fails the change before it merges. AppArmor, SELinux, sysctls and procMount are
// left to the API server (the templates set none of them; the e2e cluster enforces the profile).
import type {
  ContainerAt,
  K8sObject,
  ObjectRef,
  PathSegment,
  PolicyViolation,
} from './manifest-objects.js';
import { containersOf, isRecord, objectId } from './manifest-objects.js';

const SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);
// The volume types the restricted profile allows (hostPath and the in-tree drivers are not among them).
const VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function label(ref: ObjectRef, c: ContainerAt): string {
  const name = typeof c.container.name === 'string' ? c.container.name : '?';
  return `${c.init ? 'init container' : 'container'} "${name}" of ${ref.kind}/${ref.name}`;
}

function containerRules(ref: ObjectRef, c: ContainerAt): PolicyViolation[] {
  const sc = record(c.container.securityContext);
  const podSc = record(c.podSpec.securityContext);
  const at = (field?: string): PathSegment[] =>
    field !== undefined && sc[field] !== undefined ? [...c.path, 'securityContext', field] : c.path;
  const who = label(ref, c);
  const out: PolicyViolation[] = [];
  const fail = (rule: string, field: string | undefined, message: string): void => {
    out.push({ ...ref, path: at(field), rule, severity: 'error', message: `${who} ${message}` });
  };

  if (sc.privileged === true) fail('security/privileged', 'privileged', 'runs privileged');
  if (sc.allowPrivilegeEscalation !== false)
    fail(
      'security/privilege-escalation',
      'allowPrivilegeEscalation',
      'does not set securityContext.allowPrivilegeEscalation: false',
    );
  // The container's own setting wins over the pod's, as in the kubelet.
  const nonRoot = sc.runAsNonRoot !== undefined ? sc.runAsNonRoot : podSc.runAsNonRoot;
  if (nonRoot !== true)
    fail(
      'security/run-as-non-root',
      'runAsNonRoot',
      'does not set securityContext.runAsNonRoot: true',
    );
  const user = sc.runAsUser !== undefined ? sc.runAsUser : podSc.runAsUser;
  if (user === 0) fail('security/run-as-non-root', 'runAsUser', 'sets runAsUser: 0 (root)');

  const seccomp = record(sc.seccompProfile).type ?? record(podSc.seccompProfile).type;
  if (typeof seccomp !== 'string' || !SECCOMP_TYPES.has(seccomp))
    fail(
      'security/seccomp',
      'seccompProfile',
      `has seccompProfile ${typeof seccomp === 'string' ? seccomp : 'unset'}; set type RuntimeDefault (container or pod)`,
    );

  const caps = record(sc.capabilities);
  const drop = Array.isArray(caps.drop) ? caps.drop : [];
  const add = (Array.isArray(caps.add) ? caps.add : []).filter((a) => a !== 'NET_BIND_SERVICE');
  if (!drop.includes('ALL'))
    fail('security/capabilities', 'capabilities', 'does not drop ALL capabilities');
  if (add.length > 0)
    fail(
      'security/capabilities',
      'capabilities',
      `adds capabilities ${add.map(String).join(', ')} (only NET_BIND_SERVICE is allowed)`,
    );

  const ports = Array.isArray(c.container.ports) ? c.container.ports : [];
  if (ports.some((p) => isRecord(p) && p.hostPort !== undefined && p.hostPort !== 0))
    out.push({
      ...ref,
      path: [...c.path, 'ports'],
      rule: 'security/host-ports',
      severity: 'error',
      message: `${who} binds a hostPort`,
    });
  return out;
}

function podRules(
  ref: ObjectRef,
  podSpec: Record<string, unknown>,
  specPath: PathSegment[],
): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const field of HOST_NAMESPACES) {
    if (podSpec[field] === true)
      out.push({
        ...ref,
        path: [...specPath, field],
        rule: 'security/host-namespaces',
        severity: 'error',
        message: `${ref.kind}/${ref.name} sets ${field}: true`,
      });
  }
  const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes : [];
  volumes.forEach((v: unknown, i) => {
    if (!isRecord(v)) return;
    const types = Object.keys(v).filter((k) => k !== 'name');
    const bad = types.filter((t) => !VOLUME_TYPES.has(t));
    if (bad.length > 0)
      out.push({
        ...ref,
        path: [...specPath, 'volumes', typeof v.name === 'string' ? { name: v.name } : i],
        rule: 'security/volume-types',
        severity: 'error',
        message: `${ref.kind}/${ref.name} mounts a ${bad.join(', ')} volume, which Pod Security "restricted" refuses`,
      });
  });
  return out;
}

/** Every way an object's pod template would be refused under Pod Security `restricted`. */
export function checkPodSecurity(obj: K8sObject): PolicyViolation[] {
  const containers = containersOf(obj);
  const first = containers[0];
  if (!first) return [];
  const { kind, name } = objectId(obj);
  const ref: ObjectRef = { kind, name, path: [] };
  return [
    ...podRules(ref, first.podSpec, first.path.slice(0, -2)),
    ...containers.flatMap((c) => containerRules(ref, c)),
  ];
}
