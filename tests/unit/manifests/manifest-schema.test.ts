import { hasSchema, validateObjects } from '../../../gitops/lint/manifest-schema.js';

describe('manifest schema validation', () => {
  it('knows the Kubernetes kinds and the Argo CD CRDs', () => {
    expect(hasSchema('apps/v1', 'Deployment')).toBe(true);
    expect(hasSchema('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe(true);
    expect(hasSchema('policy/v1', 'PodDisruptionBudget')).toBe(true);
    expect(hasSchema('argoproj.io/v1alpha1', 'Application')).toBe(true);
    expect(hasSchema('argoproj.io/v1alpha1', 'AppProject')).toBe(true);
    expect(hasSchema('cloud.google.com/v1', 'BackendConfig')).toBe(false);
  });

  it('reports a wrongly typed field with its path (containers by name)', () => {
    const { violations, skipped } = validateObjects([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 'two',
          selector: { matchLabels: { a: 'b' } },
          template: {
            spec: { containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 'http' }] }] },
          },
        },
      },
    ]);
    expect(skipped).toEqual([]);
    expect(violations.map((v) => v.path)).toEqual([
      ['spec', 'replicas'],
      ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'ports', 0, 'containerPort'],
    ]);
    expect(violations[0]).toMatchObject({
      rule: 'schema/invalid',
      kind: 'Deployment',
      name: 'web',
    });
    expect(violations[0]?.message).toContain('/spec/replicas must be integer');
  });

  it('validates Argo CD Applications against the CRD schema', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a' },
      spec: {
        project: 'p',
        destination: { name: 'c' },
        source: { repoURL: 'https://x', path: 'y' },
        syncPolicy: { retry: { limit: 'five' } },
      },
    };
    const { violations } = validateObjects([app]);
    expect(violations.map((v) => v.path)).toEqual([['spec', 'syncPolicy', 'retry', 'limit']]);
  });

  it('skips unknown kinds instead of passing them, and flags objects without type meta', () => {
    const { violations, skipped } = validateObjects([
      { apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig', metadata: { name: 'b' } },
      { kind: 'Service', metadata: { name: 's' } },
    ]);
    expect(skipped).toEqual([
      { apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig', name: 'b' },
    ]);
    expect(violations.map((v) => v.rule)).toEqual(['schema/type-meta']);
  });
});
