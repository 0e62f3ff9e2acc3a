import { checkIngressTls } from '../../../gitops/lint/ingress-tls.js';
import type { K8sObject } from '../../../gitops/lint/manifest-objects.js';

function ingress(
  annotations: Record<string, string>,
  spec: Record<string, unknown> = {},
): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', annotations },
    spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, ...spec },
  };
}

const cert: K8sObject = {
  apiVersion: 'networking.gke.io/v1',
  kind: 'ManagedCertificate',
  metadata: { name: 'web-cert' },
  spec: { domains: ['web.example.com'] },
};
const frontend = (enabled: boolean): K8sObject => ({
  apiVersion: 'networking.gke.io/v1beta1',
  kind: 'FrontendConfig',
  metadata: { name: 'web-fe' },
  spec: { redirectToHttps: { enabled } },
});

const GKE_TLS = {
  'kubernetes.io/ingress.class': 'gce',
  'networking.gke.io/managed-certificates': 'web-cert',
  'networking.gke.io/v1beta1.FrontendConfig': 'web-fe',
};

const rules = (objects: K8sObject[]) => checkIngressTls(objects).map((v) => v.rule);

describe('Ingress HTTPS', () => {
  it('accepts a GKE Ingress with a managed certificate and an HTTPS redirect', () => {
    expect(checkIngressTls([ingress(GKE_TLS), cert, frontend(true)])).toEqual([]);
  });

  it('reports an HTTP-only Ingress at its annotations', () => {
    expect(checkIngressTls([ingress({ 'kubernetes.io/ingress.class': 'gce' })])).toEqual([
      expect.objectContaining({
        kind: 'Ingress',
        name: 'web',
        path: ['metadata', 'annotations'],
        rule: 'ingress/https',
        severity: 'error',
        message: expect.stringContaining('serves plain HTTP only'),
      }),
    ]);
  });

  it('requires the redirect on GKE, from a FrontendConfig the overlay renders', () => {
    expect(rules([ingress(GKE_TLS), cert, frontend(false)])).toEqual(['ingress/http-redirect']);
    const [missing] = checkIngressTls([ingress(GKE_TLS), cert]);
    expect(missing?.message).toContain(
      'names FrontendConfig web-fe, which this overlay does not render',
    );
    const noHttp = { ...GKE_TLS, 'kubernetes.io/ingress.allow-http': 'false' };
    delete (noHttp as Record<string, string>)['networking.gke.io/v1beta1.FrontendConfig'];
    expect(rules([ingress(noHttp), cert])).toEqual([]);
  });

  it('reports a managed certificate the overlay does not render', () => {
    expect(rules([ingress(GKE_TLS), frontend(true)])).toEqual(['ingress/https']);
  });

  it('accepts spec.tls on another controller without asking for a GKE redirect', () => {
    const tls = { tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }] };
    expect(rules([ingress({}, { ingressClassName: 'nginx', ...tls })])).toEqual([]);
    expect(rules([ingress({}, tls)])).toEqual(['ingress/http-redirect']);
  });
});
