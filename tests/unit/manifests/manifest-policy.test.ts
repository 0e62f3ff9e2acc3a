import { checkObjectPolicy, checkPolicy } from '../../../gitops/lint/manifest-policy.js';
import type { K8sObject } from '../../../gitops/lint/manifest-objects.js';
import { splitImage, pathFromPointer } from '../../../gitops/lint/manifest-objects.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
// What Pod Security `restricted` asks of every container, besides running as non-root.
const RESTRICTED = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function goodContainer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'app',
    image: `registry.example/app:${'b'.repeat(40)}@${DIGEST}`,
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    },
    securityContext: { ...RESTRICTED, runAsNonRoot: true, readOnlyRootFilesystem: true },
    ...overrides,
  };
}

function deployment(
  containers: Record<string, unknown>[],
  podSecurity?: Record<string, unknown>,
): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      template: { spec: { containers, ...(podSecurity ? { securityContext: podSecurity } : {}) } },
    },
  };
}

const rules = (obj: K8sObject, deployed = true) =>
  checkObjectPolicy(obj, { deployed }).map((v) => v.rule);

describe('manifest policy', () => {
  it('accepts a hardened, probed, pinned container', () => {
    expect(checkObjectPolicy(deployment([goodContainer()]), { deployed: true })).toEqual([]);
  });

  it('reports a missing readiness probe at the container, matched by name', () => {
    const c = goodContainer();
    delete c.readinessProbe;
    const [v] = checkObjectPolicy(deployment([goodContainer({ name: 'sidecar' }), c]), {
      deployed: true,
    });
    expect(v).toMatchObject({
      rule: 'probes/readiness',
      severity: 'error',
      kind: 'Deployment',
      name: 'web',
      path: ['spec', 'template', 'spec', 'containers', { name: 'app' }],
    });
  });

  it('reports a missing liveness probe, but not for init containers or Jobs', () => {
    const c = goodContainer();
    delete c.livenessProbe;
    expect(rules(deployment([c]))).toEqual(['probes/liveness']);
    const init = goodContainer({ name: 'init' });
    delete init.livenessProbe;
    delete init.readinessProbe;
    const withInit = deployment([goodContainer()]);
    (
      withInit.spec as { template: { spec: Record<string, unknown> } }
    ).template.spec.initContainers = [init];
    expect(rules(withInit)).toEqual([]);
    const job: K8sObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { template: { spec: { containers: [init] } } },
    };
    expect(rules(job)).toEqual([]);
  });

  it('requires cpu and memory requests and limits', () => {
    expect(rules(deployment([goodContainer({ resources: { requests: { cpu: '1' } } })]))).toEqual([
      'resources/requests',
      'resources/limits',
    ]);
  });

  it('takes runAsNonRoot from the pod unless the container overrides it', () => {
    const inherit = goodContainer({
      securityContext: { ...RESTRICTED, readOnlyRootFilesystem: true },
    });
    expect(rules(deployment([inherit], { runAsNonRoot: true }))).toEqual([]);
    expect(rules(deployment([inherit]))).toEqual(['security/run-as-non-root']);
    const override = goodContainer({
      securityContext: { ...RESTRICTED, runAsNonRoot: false, readOnlyRootFilesystem: true },
    });
    const [v] = checkObjectPolicy(deployment([override], { runAsNonRoot: true }), {
      deployed: true,
    });
    expect(v?.rule).toBe('security/run-as-non-root');
    expect(v?.path.at(-1)).toBe('runAsNonRoot');
  });

  it('warns about a writable root filesystem and refuses what Pod Security restricted refuses', () => {
    const v = checkObjectPolicy(
      deployment([goodContainer({ securityContext: { runAsNonRoot: true } })]),
      { deployed: true },
    );
    expect(v.map((x) => [x.rule, x.severity])).toEqual([
      ['security/read-only-root-filesystem', 'warning'],
      ['security/privilege-escalation', 'error'],
      ['security/seccomp', 'error'],
      ['security/capabilities', 'error'],
    ]);
  });

  it('rejects :latest and untagged images, and requires a digest only when asked', () => {
    expect(rules(deployment([goodContainer({ image: 'app:latest' })]), false)).toEqual([
      'image/latest',
    ]);
    expect(rules(deployment([goodContainer({ image: 'localhost:5000/app' })]), false)).toEqual([
      'image/untagged',
    ]);
    expect(rules(deployment([goodContainer({ image: `app:${'c'.repeat(40)}` })]), false)).toEqual(
      [],
    );
    expect(rules(deployment([goodContainer({ image: `app:${'c'.repeat(40)}` })]), true)).toEqual([
      'image/digest',
    ]);
    expect(rules(deployment([goodContainer({ image: 'app@sha256:short' })]), true)).toEqual([
      'image/digest',
    ]);
    const [v] = checkObjectPolicy(deployment([goodContainer({ image: 'app:latest' })]), {
      deployed: false,
    });
    expect(v).toMatchObject({
      image: 'app:latest',
      path: ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'image'],
    });
  });

  it('ignores objects without pod templates', () => {
    expect(
      checkPolicy([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} }], {
        deployed: true,
      }),
    ).toEqual([]);
  });
});

describe('image and path helpers', () => {
  it('splits images without mistaking a registry port for a tag', () => {
    expect(splitImage('localhost:5000/score-api')).toEqual({
      repository: 'localhost:5000/score-api',
    });
    expect(splitImage(`localhost:5000/score-api:abc@${DIGEST}`)).toEqual({
      repository: 'localhost:5000/score-api',
      tag: 'abc',
      digest: DIGEST,
    });
    expect(splitImage(`score-api@${DIGEST}`)).toEqual({ repository: 'score-api', digest: DIGEST });
  });

  it('turns a JSON pointer into named path segments', () => {
    const obj = {
      spec: { containers: [{ name: 'a' }, { name: 'b', ports: [{ containerPort: 'x' }] }] },
    };
    expect(pathFromPointer(obj, '/spec/containers/1/ports/0/containerPort')).toEqual([
      'spec',
      'containers',
      { name: 'b' },
      'ports',
      0,
      'containerPort',
    ]);
  });
});
