import { checkPodSecurity } from '../../../gitops/lint/pod-security.js';
import type { K8sObject } from '../../../gitops/lint/manifest-objects.js';

const RESTRICTED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function pod(
  container: Record<string, unknown>,
  podSpec: Record<string, unknown> = {},
  kind = 'Deployment',
): K8sObject {
  const spec = { containers: [{ name: 'app', image: 'x', ...container }], ...podSpec };
  return kind === 'Pod'
    ? { apiVersion: 'v1', kind, metadata: { name: 'p' }, spec }
    : { apiVersion: 'apps/v1', kind, metadata: { name: 'web' }, spec: { template: { spec } } };
}

const rules = (obj: K8sObject) => checkPodSecurity(obj).map((v) => v.rule);

describe('Pod Security restricted', () => {
  it('accepts a container that sets what the profile asks', () => {
    expect(checkPodSecurity(pod({ securityContext: RESTRICTED }))).toEqual([]);
  });

  it('takes runAsNonRoot, runAsUser and seccomp from the pod unless the container overrides them', () => {
    const podSc = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Localhost' } },
    };
    const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
    expect(rules(pod({ securityContext: sc }, podSc))).toEqual([]);
    expect(
      rules(pod({ securityContext: { ...sc, seccompProfile: { type: 'Unconfined' } } }, podSc)),
    ).toEqual(['security/seccomp']);
    expect(rules(pod({ securityContext: { ...RESTRICTED, runAsUser: 0 } }, podSc))).toEqual([
      'security/run-as-non-root',
    ]);
    expect(rules(pod({ securityContext: sc }))).toEqual([
      'security/run-as-non-root',
      'security/seccomp',
    ]);
  });

  it('refuses privileged containers, escalation, kept or added capabilities and host ports', () => {
    const v = checkPodSecurity(
      pod({
        securityContext: {
          ...RESTRICTED,
          privileged: true,
          allowPrivilegeEscalation: true,
          capabilities: { drop: ['NET_RAW'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] },
        },
        ports: [{ containerPort: 80, hostPort: 80 }],
      }),
    );
    expect(v.map((x) => [x.rule, x.path.at(-1)])).toEqual([
      ['security/privileged', 'privileged'],
      ['security/privilege-escalation', 'allowPrivilegeEscalation'],
      ['security/capabilities', 'capabilities'],
      ['security/capabilities', 'capabilities'],
      ['security/host-ports', 'ports'],
    ]);
    expect(v[3]?.message).toContain('SYS_ADMIN (only NET_BIND_SERVICE is allowed)');
    expect(v.every((x) => x.severity === 'error')).toBe(true);
  });

  it('refuses host namespaces and hostPath volumes, and checks init containers and bare Pods', () => {
    const obj = pod(
      { securityContext: RESTRICTED },
      {
        hostNetwork: true,
        hostPID: false,
        volumes: [
          { name: 'tmp', emptyDir: {} },
          { name: 'host', hostPath: { path: '/' } },
        ],
        initContainers: [{ name: 'init', image: 'x' }],
      },
      'Pod',
    );
    const v = checkPodSecurity(obj);
    expect(v.map((x) => [x.rule, x.path])).toEqual([
      ['security/host-namespaces', ['spec', 'hostNetwork']],
      ['security/volume-types', ['spec', 'volumes', { name: 'host' }]],
      ['security/privilege-escalation', ['spec', 'initContainers', { name: 'init' }]],
      ['security/run-as-non-root', ['spec', 'initContainers', { name: 'init' }]],
      ['security/seccomp', ['spec', 'initContainers', { name: 'init' }]],
      ['security/capabilities', ['spec', 'initContainers', { name: 'init' }]],
    ]);
    expect(v[0]?.message).toBe('Pod/p sets hostNetwork: true');
  });

  it('ignores objects without a pod template', () => {
    expect(
      checkPodSecurity({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }),
    ).toEqual([]);
  });
});
