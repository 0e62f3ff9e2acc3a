// Figures of the local e2e cluster (tests/e2e/cluster): start-up time of up.sh, time for kwok to
// bring a Deployment of N replicas to complete, time until a bad release is judged failed by
// evaluateRollout, then the pipeline's headline figures (push to synced, synced to ready, failure to
// reverted, reverted to recovered) from the same flows as tests/e2e/gitops-flows.test.ts, and
// tear-down time. Skips (exit 0, reason printed) when the binaries are not built; the headline flows
// need Argo CD (BENCH_CLUSTER_FLOWS=0 leaves them out). Reuses a running cluster (then start-up is
// not measured). `npm run bench -- cluster`
import { evaluateRollout } from '../gitops/rules/rollout-status.js';
import type { RolloutVerdict } from '../gitops/rules/rollout-status.js';
import { kubeClientFromConfig, selectorOf } from '../gitops/adapters/kube.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLUSTER_SCRIPTS,
  clusterSkipReason,
  createNamespace,
  kubectl,
  startCluster,
  stopCluster,
  waitFor,
} from '../tests/e2e/cluster/harness.js';
import type { ClusterHandle } from '../tests/e2e/cluster/harness.js';
import {
  commitRelease,
  deployRelease,
  formatTimings,
  manualRevert,
  promoteAndMerge,
} from '../tests/e2e/cluster/gitops-flows.js';
import type { FlowTimings } from '../tests/e2e/cluster/gitops-flows.js';
import { disposeGitopsEnv, setupGitopsEnv } from '../tests/e2e/cluster/gitops-env.js';
import type { GitopsEnv } from '../tests/e2e/cluster/gitops-env.js';
import { startFakeGithubApi } from '../tests/fakes/fake-github-api.js';

const REPLICAS = Number(process.env.BENCH_CLUSTER_REPLICAS ?? 20);
const FLOWS = process.env.BENCH_CLUSTER_FLOWS !== '0';

/** Column of a headline table: seconds with one decimal, or '-' when the flow has no such phase. */
function cell(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The pipeline's headline figures: the five flows of the e2e tests (deploy A, update to B, bad C
 * rolled back automatically, manual revert to A, promotion of A to gke by a merged PR), each through
 * the gitops CLI against Argo CD, printed as one table.
 */
async function headlineFlows(cluster: ClusterHandle): Promise<void> {
  if (!cluster.argocd) {
    console.log(
      'headline flows skipped: Argo CD is not running (tests/e2e/cluster/build.sh argocd)',
    );
    return;
  }
  let env: GitopsEnv | undefined;
  const github = await startFakeGithubApi({});
  try {
    const t = Date.now();
    env = await setupGitopsEnv(cluster, () => undefined);
    console.log(`GitOps remote + both Applications Synced/Healthy: ${Date.now() - t} ms`);
    const rows: [string, FlowTimings][] = [];
    const a = commitRelease(env, 'A');
    const deployA = await deployRelease(env, a);
    rows.push(['deploy A', deployA.timings]);
    const deployB = await deployRelease(env, commitRelease(env, 'B'));
    rows.push(['update to B', deployB.timings]);
    const bad = await deployRelease(env, commitRelease(env, 'C', { corrupt: true }));
    rows.push([`bad C (${bad.verify.result})`, bad.timings]);
    const manual = await manualRevert(env, deployB.bump.commit);
    rows.push(['manual revert to A', manual.timings]);
    const promotion = await promoteAndMerge(env, github);
    rows.push(['promote A to gke', promotion.timings]);
    const results = [deployA, deployB, bad].map((o) => o.verify.result);
    results.push(manual.verify.result, promotion.verify.result);
    if (results.join() !== 'healthy,healthy,rolled-back,healthy,healthy')
      throw new Error(`unexpected verdicts: ${results.join(', ')}`);

    console.log('\nheadline timings (gitops CLI -> git remote -> Argo CD -> Deployment on kwok):');
    const heads = [
      'push→synced',
      'synced→ready',
      'synced→failed',
      'fail→reverted',
      'revert→recovered',
    ];
    console.log(`${'flow'.padEnd(24)}${heads.map((h) => h.padStart(18)).join('')}`);
    for (const [name, f] of rows) {
      const cells = [
        f.pushToSyncedMs,
        f.syncedToReadyMs,
        f.syncedToFailedMs,
        f.failureToRevertedMs,
        f.revertedToRecoveredMs,
      ];
      console.log(`${name.padEnd(24)}${cells.map((ms) => cell(ms).padStart(18)).join('')}`);
    }
    for (const [name, f] of rows) console.log(formatTimings(name, f));
    console.log(
      "synced→ready includes the Deployment's minReadySeconds (10 s per surge step) and verify's 5 s settle window.",
    );
  } finally {
    await github.close();
    disposeGitopsEnv(env);
  }
}

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
    await createNamespace(cluster, ns);

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
    if (FLOWS) await headlineFlows(cluster);
    else console.log('headline flows skipped: BENCH_CLUSTER_FLOWS=0');
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
