// The HPA health check the project ships for every Argo CD installation
// (argocd-install/argocd-cm-hpa-health.yaml), run by Argo CD itself: `argocd admin settings
// resource-overrides health` evaluates the patch's Lua in Argo CD's own Lua VM, as the application
// controller does, on HPAs as the HPA controller writes them with and without metrics-server.
// The flows (gitops-flows.test.ts) run it live: the e2e cluster has no metrics-server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, readVersions } from './cluster/harness.js';

const run = promisify(execFile);
const NAME = 'argocd-hpa-health';
const cache = process.env.E2E_CLUSTER_CACHE ?? join(REPO_ROOT, '.cache');
const argocd = join(cache, 'bin', `argocd-${readVersions().ARGOCD_VERSION}`, 'argocd');
const skipReason = existsSync(argocd)
  ? undefined
  : `argocd binary not built (${argocd}): tests/e2e/cluster/build.sh argocd`;
if (skipReason) process.stdout.write(`[${NAME}] skipped: ${skipReason}\n`);
const describeArgo = skipReason ? describe.skip : describe;

const PATCH = join(REPO_ROOT, 'argocd-install', 'argocd-cm-hpa-health.yaml');

type Condition = { type: string; status: string; reason: string; message: string };
const hpa = (conditions: Condition[] | undefined) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'score-api', namespace: 'score-api' },
  spec: {
    minReplicas: 1,
    maxReplicas: 2,
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'score-api' },
  },
  status: { currentReplicas: 1, desiredReplicas: 1, ...(conditions ? { conditions } : {}) },
});
const ableToScale: Condition = {
  type: 'AbleToScale',
  status: 'True',
  reason: 'SucceededGetScale',
  message: "the HPA controller was able to get the target's current scale",
};

describeArgo("Argo CD's health of an HPA under the project's argocd-cm patch", () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpa-health-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Argo CD's verdict on `obj` with the patch (or another file) as argocd-cm. */
  async function health(obj: object, cm = PATCH): Promise<{ status: string; message: string }> {
    const file = join(dir, `hpa-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(obj));
    const { stdout } = await run(
      argocd,
      ['admin', 'settings', 'resource-overrides', 'health', file, '--argocd-cm-path', cm],
      { env: { ...process.env, HOME: dir }, timeout: 60_000 },
    );
    return {
      status: /^STATUS: (.*)$/m.exec(stdout)?.[1] ?? `unparsed: ${stdout}`,
      message: /^MESSAGE: (.*)$/m.exec(stdout)?.[1] ?? '',
    };
  }

  it('[ci] without metrics-server: Healthy, saying the metrics are unavailable, in either order of the conditions', async () => {
    const scalingInactive: Condition = {
      type: 'ScalingActive',
      status: 'False',
      reason: 'FailedGetResourceMetric',
      message: 'the HPA was unable to compute the replica count: failed to get cpu utilization',
    };
    const noMetrics = hpa([ableToScale, scalingInactive]);
    const reversed = hpa([scalingInactive, ableToScale]);
    const stock = join(dir, 'argocd-cm-stock.yaml');
    writeFileSync(
      stock,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata: {}\n',
    );
    // The built-in check judges by the first condition it knows: Degraded when that is ScalingActive.
    expect((await health(reversed, stock)).status).toBe('Degraded');
    expect((await health(reversed)).status).toBe('Healthy');
    expect(await health(noMetrics)).toEqual({
      status: 'Healthy',
      message:
        'metrics unavailable (FailedGetResourceMetric): not scaling on load, holding 1 replicas (min 1, max 2)',
    });
  });

  it('[ci] with metrics-server: Healthy as the built-in check says', async () => {
    const v = await health(
      hpa([
        {
          ...ableToScale,
          reason: 'ReadyForNewScale',
          message: 'recommended size matches current size',
        },
        {
          type: 'ScalingActive',
          status: 'True',
          reason: 'ValidMetricFound',
          message:
            'the HPA was able to successfully calculate a replica count from cpu resource utilization',
        },
        {
          type: 'ScalingLimited',
          status: 'False',
          reason: 'DesiredWithinRange',
          message: 'the desired count is within the acceptable range',
        },
      ]),
    );
    expect(v).toEqual({ status: 'Healthy', message: 'recommended size matches current size' });
  });

  it('[ci] a target it cannot scale or an invalid selector: Degraded; no conditions yet: Progressing', async () => {
    expect(
      await health(
        hpa([
          {
            type: 'AbleToScale',
            status: 'False',
            reason: 'FailedGetScale',
            message: 'deployments/scale.apps "score-api" not found',
          },
        ]),
      ),
    ).toEqual({ status: 'Degraded', message: 'deployments/scale.apps "score-api" not found' });
    expect(
      (
        await health(
          hpa([
            ableToScale,
            { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: 'bad' },
          ]),
        )
      ).status,
    ).toBe('Degraded');
    expect(await health(hpa(undefined))).toEqual({
      status: 'Progressing',
      message: 'Waiting to Autoscale',
    });
  });
});
