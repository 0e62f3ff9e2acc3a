import { checkNetworkPolicies, selects } from '../../../gitops/lint/network-policy.js';
import type { K8sObject } from '../../../gitops/lint/manifest-objects.js';

const LABELS = { 'app.kubernetes.io/name': 'web', tier: 'api' };

const deployment: K8sObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'app', image: 'x' }] } },
  },
};

function policy(name: string, spec: Record<string, unknown>, namespace = 'apps'): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec,
  };
}

const HTTP_IN = { ingress: [{ ports: [{ port: 8080 }] }] };
const DNS_OUT = { egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] };

describe('NetworkPolicy coverage', () => {
  it('accepts pods isolated both ways by one or several policies', () => {
    const both = policy('web', {
      podSelector: { matchLabels: { tier: 'api' } },
      policyTypes: ['Ingress', 'Egress'],
      ...HTTP_IN,
      ...DNS_OUT,
    });
    expect(checkNetworkPolicies([deployment, both])).toEqual([]);
    // Without policyTypes the API server derives them: Ingress always, Egress when egress rules exist.
    const inbound = policy('in', { podSelector: {}, ...HTTP_IN });
    const outbound = policy('out', { podSelector: { matchLabels: LABELS }, ...DNS_OUT });
    expect(checkNetworkPolicies([deployment, inbound, outbound])).toEqual([]);
  });

  it('reports pods no policy isolates, at the pod template', () => {
    expect(checkNetworkPolicies([deployment])).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        path: ['spec', 'template'],
        rule: 'network-policy/missing',
        severity: 'error',
        message: expect.stringContaining('not isolated for Ingress and Egress'),
      }),
    ]);
    const ingressOnly = policy('in', { podSelector: {}, ...HTTP_IN });
    const other = policy('other', {
      podSelector: { matchLabels: { tier: 'db' } },
      policyTypes: ['Egress'],
    });
    const elsewhere = policy('x', { podSelector: {}, policyTypes: ['Egress'] }, 'other-ns');
    const [v] = checkNetworkPolicies([deployment, ingressOnly, other, elsewhere]);
    expect(v?.message).toContain('not isolated for Egress:');
  });

  it('reports a rule of a selecting policy that names no ports', () => {
    const open = policy('open', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ port: 8080 }] }, { from: [{ podSelector: {} }] }],
      egress: [{}],
    });
    expect(checkNetworkPolicies([deployment, open]).map((v) => [v.rule, v.kind, v.path])).toEqual([
      ['network-policy/all-ports', 'NetworkPolicy', ['spec', 'ingress', 1]],
      ['network-policy/all-ports', 'NetworkPolicy', ['spec', 'egress', 0]],
    ]);
  });

  it('matches label selectors as the API server does', () => {
    expect(selects({}, LABELS)).toBe(true);
    expect(selects({ matchLabels: { tier: 'api' } }, LABELS)).toBe(true);
    expect(selects({ matchLabels: { tier: 'db' } }, LABELS)).toBe(false);
    const expr = (operator: string, values?: string[]) => ({
      matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }],
    });
    expect(selects(expr('In', ['api', 'web']), LABELS)).toBe(true);
    expect(selects(expr('NotIn', ['api']), LABELS)).toBe(false);
    expect(selects(expr('Exists'), LABELS)).toBe(true);
    expect(selects(expr('DoesNotExist'), LABELS)).toBe(false);
    expect(selects(expr('Bogus'), LABELS)).toBe(false);
    expect(selects(undefined, LABELS)).toBe(false);
  });
});
