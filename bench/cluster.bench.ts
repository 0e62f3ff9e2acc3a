// Figures of the local e2e cluster (tests/e2e/cluster): start-up time of up.sh, time for kwok to
// bring a Deployment of N replicas to complete, time until a bad release is judged failed by
// evaluateRollout, and tear-down time. Skips (exit 0, reason printed) when the binaries are not built.
// Reuses a running cluster (then start-up is not measured). `npm run bench -- cluster`
import { evaluateRollout } from '../actions/src/rollout-status.js';
import type { RolloutVerdict } from '../actions/src/rollout-status.js';
import { kubeClientFromConfig, selectorOf } from '../actions/src/kube.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLUSTER_SCRIPTS,
  clusterSkipReason,
  kubectl,
  startCluster,
  stopCluster,
  waitFor,
} from '../tests/e2e/cluster/harness.js';

const REPLICAS = Number(process.env.BENCH_CLUSTER_REPLICAS ?? 20);

async function main(): Promise<void> {
  const skip = clusterSkipReason();
  if (skip) {
    console.log(`cluster bench skipped: ${skip}`);
    return;
  }
  const t0 = Date.now();
  const cluster = await startCluster();
  const startup = Date.now() - t0;
  try {
    console.log(
      cluster.owned
        ? `up.sh (cluster start-up): ${startup} ms`
        : 'reusing a running cluster: start-up not measured',
    );
    const kube = kubeClientFromConfig({ kubeconfig: cluster.kubeconfig });
    const ns = `bench-${Date.now().toString(36)}`;
    await kubectl(cluster, ['create', 'namespace', ns]);
    await waitFor(
      'default service account',
      async () =>
        (
          await kubectl(cluster, [
            'get',
            'sa',
            'default',
            '-n',
            ns,
            '--ignore-not-found',
            '-o',
            'name',
          ])
        ).trim() || undefined,
      { timeoutMs: 30_000 },
    );

    const manifest = (image: string): string =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'bench', namespace: ns },
        spec: {
          replicas: REPLICAS,
          selector: { matchLabels: { app: 'bench' } },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' },
          },
          template: {
            metadata: { labels: { app: 'bench' } },
            spec: { containers: [{ name: 'app', image }] },
          },
        },
      });
    const verdict = async (): Promise<RolloutVerdict> => {
      const deployment = await kube.getDeployment(ns, 'bench');
      const selector = selectorOf(deployment);
      const [replicaSets, pods] = await Promise.all([
        kube.listReplicaSets(ns, selector),
        kube.listPods(ns, selector),
      ]);
      return evaluateRollout({ deployment, replicaSets, pods });
    };

    let t = Date.now();
    await kubectl(cluster, ['apply', '-f', '-'], manifest('127.0.0.1:5000/score-api:good'));
    await waitFor(
      'complete',
      async () => ((await verdict()).state === 'complete' ? true : undefined),
      { timeoutMs: 180_000, pollMs: 200 },
    );
    console.log(`deployment of ${REPLICAS} replicas complete: ${Date.now() - t} ms`);

    t = Date.now();
    await kubectl(cluster, [
      'set',
      'image',
      'deployment/bench',
      '-n',
      ns,
      'app=127.0.0.1:5000/score-api:good-2',
    ]);
    await waitFor(
      'complete',
      async () => ((await verdict()).state === 'complete' ? true : undefined),
      { timeoutMs: 180_000, pollMs: 200 },
    );
    console.log(
      `rolling update of ${REPLICAS} replicas (maxUnavailable 0, maxSurge 25%) complete: ${Date.now() - t} ms`,
    );

    t = Date.now();
    await kubectl(cluster, [
      'set',
      'image',
      'deployment/bench',
      '-n',
      ns,
      'app=127.0.0.1:5000/score-api:bad',
    ]);
    const failed = await waitFor(
      'failed',
      async () => {
        const v = await verdict();
        return v.state === 'failed' ? v : undefined;
      },
      { timeoutMs: 120_000, pollMs: 200 },
    );
    console.log(
      `bad release judged failed (${failed.state === 'failed' ? failed.reason : ''}): ${Date.now() - t} ms`,
    );
    await kubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
  } finally {
    const t = Date.now();
    await stopCluster(cluster);
    if (cluster.owned) console.log(`down.sh: ${Date.now() - t} ms`);
  }
  const times = join(CLUSTER_SCRIPTS, '..', '..', '..', '.cache', 'logs', 'build-times.log');
  try {
    console.log(
      `recorded builds (.cache/logs/build-times.log):\n${readFileSync(times, 'utf8').trim()}`,
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

await main();
