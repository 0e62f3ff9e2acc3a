// The drain arithmetic of each rendered overlay (Kustomize, as Argo CD renders it): the pod serves
// until its load balancer has stopped sending, then finishes in-flight requests, all inside its
// termination grace period. GKE's load balancer is slower to let go than kube-proxy, so its drain is
// longer; minikube's stays short. docs/service.md ("Draining") has the timeline.
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderOverlay } from '../../../gitops/adapters/kustomize.js';
import { loadConfig } from '../../../service/src/config.js';
import { REQUEST_TIMEOUT_MS } from '../../../service/src/limits.js';

const root = new URL('../../../', import.meta.url).pathname;
// What the NEG controller may take to detach a terminating pod's endpoint (Google's guidance for
// container-native load balancing allows 40 s), and kube-proxy to drop it from its rules.
const NEG_DETACH_MS = 40_000;
const KUBE_PROXY_SYNC_MS = 2_000;
const MARGIN_MS = 5_000;

interface Rendered {
  graceMs: number;
  drainDelayMs: number;
  shutdownTimeoutMs: number;
  backendConfig?: {
    healthCheck: { checkIntervalSec: number; timeoutSec: number; unhealthyThreshold: number };
    connectionDraining: { drainingTimeoutSec: number };
  };
}

async function render(env: string): Promise<Rendered> {
  const docs = parseAllDocuments(await renderOverlay(join(root, 'overlays', env))).map(
    (d) => d.toJS() as { kind: string; spec: Record<string, never> },
  );
  const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as {
    spec: {
      template: {
        spec: {
          terminationGracePeriodSeconds: number;
          containers: { name: string; env: { name: string; value: string }[] }[];
        };
      };
    };
  };
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c) => c.name === 'score-api');
  // The service's own reading of its environment, defaults included.
  const config = loadConfig(
    Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value])),
  );
  const backendConfig = docs.find((d) => d.kind === 'BackendConfig')
    ?.spec as Rendered['backendConfig'];
  return {
    graceMs: pod.terminationGracePeriodSeconds * 1000,
    drainDelayMs: config.drainDelayMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    ...(backendConfig && { backendConfig }),
  };
}

describe('drain arithmetic of the overlays', () => {
  it.each(['minikube', 'gke'])(
    '%s: the grace period covers the drain delay, then the shutdown timeout',
    async (env) => {
      const r = await render(env);
      expect(r.graceMs).toBeGreaterThanOrEqual(r.drainDelayMs + r.shutdownTimeoutMs + MARGIN_MS);
      // In-flight requests may take the whole request timeout to arrive after the listener closes.
      expect(r.shutdownTimeoutMs).toBeGreaterThan(REQUEST_TIMEOUT_MS);
    },
  );

  it('minikube: kube-proxy lets go within seconds, so the drain stays short', async () => {
    const r = await render('minikube');
    expect(r.drainDelayMs).toBeGreaterThanOrEqual(KUBE_PROXY_SYNC_MS + 2_000);
    expect(r.drainDelayMs).toBeLessThanOrEqual(10_000);
    expect(r.graceMs).toBeLessThanOrEqual(30_000);
  });

  it('gke: the pod serves until the health check has failed and the NEG endpoint is detached', async () => {
    const r = await render('gke');
    const hc = r.backendConfig?.healthCheck;
    expect(hc).toBeDefined();
    if (hc === undefined) return;
    const healthCheckFailsMs = (hc.checkIntervalSec * hc.unhealthyThreshold + hc.timeoutSec) * 1000;
    expect(r.drainDelayMs).toBeGreaterThanOrEqual(
      Math.max(healthCheckFailsMs, NEG_DETACH_MS) + MARGIN_MS,
    );
    // Requests the load balancer sent before detaching get as long as the service gives them.
    expect(r.backendConfig?.connectionDraining.drainingTimeoutSec).toBeGreaterThanOrEqual(
      REQUEST_TIMEOUT_MS / 1000,
    );
  });
});
