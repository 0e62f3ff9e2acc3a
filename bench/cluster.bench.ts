// Figures of the local e2e cluster's real node (tests/e2e/cluster): start-up time of up.sh, time
// for the node to bring a Deployment of N pause pods to complete and to roll it over, time until an
// unpullable release is judged failed by evaluateRollout, then the pipeline's headline figures from
// the same flows as tests/e2e/gitops-flows.test.ts, each under the keep-alive load on the NodePort,
// against the goals of issue 12, and tear-down time. Skips (exit 0, reason printed) when the
// binaries are not built; the headline flows need Argo CD (BENCH_CLUSTER_FLOWS=0 leaves them out).
// Reuses a running cluster (then start-up is not measured). `npm run bench -- cluster`
import { evaluateRollout } from '../gitops/rules/rollout-status.js';
import type { RolloutVerdict } from '../gitops/rules/rollout-status.js';
import { kubeClientFromConfig } from '../gitops/adapters/kube.js';
import { selectorOf } from '../gitops/rules/rollout-status.js';
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
  LOAD,
  deployRelease,
  formatTimings,
  goalsFor,
  manualRevert,
  promoteAndMerge,
  readinessBudgetMs,
} from '../tests/e2e/cluster/gitops-flows.js';
import type { FlowTimings } from '../tests/e2e/cluster/gitops-flows.js';
import { disposeGitopsEnv, setupGitopsEnv } from '../tests/e2e/cluster/gitops-env.js';
import type { GitopsEnv } from '../tests/e2e/cluster/gitops-env.js';
import { makeRelease, removeLocalImages, revertSource } from '../tests/e2e/cluster/releases.js';
import type { Release, ReleaseKind } from '../tests/e2e/cluster/releases.js';
import { startFakeGithubApi } from '../tests/fakes/fake-github-api.js';

const REPLICAS = Number(process.env.BENCH_CLUSTER_REPLICAS ?? 10);
const FLOWS = process.env.BENCH_CLUSTER_FLOWS !== '0';

/** One row of the headline table. */
interface Row {
  flow: string;
  timings: FlowTimings;
  goals: ReturnType<typeof goalsFor>;
  requests?: number;
  failed?: number;
}

function cell(ms: number | undefined, goal?: number): string {
  if (ms === undefined) return '-';
  const s = `${(ms / 1000).toFixed(1)} s`;
  return goal === undefined ? s : `${s} ${ms <= goal ? '✓' : '✗'}≤${Math.round(goal / 1000)}`;
}

/**
 * The pipeline's headline figures: deploy A, update to B, the three bad releases rolled back,
 * manual revert to A, promotion of A to gke by a merged PR; each through the gitops CLI against
 * Argo CD and the real node, the minikube ones under the keep-alive load.
 */
async function headlineFlows(cluster: ClusterHandle, releases: Release[]): Promise<void> {
  if (!cluster.argocd) {
    console.log(
      'headline flows skipped: Argo CD is not running (tests/e2e/cluster/build.sh argocd)',
    );
    return;
  }
  let env: GitopsEnv | undefined;
  const github = await startFakeGithubApi({});
  const log = (line: string): void => console.error(line);
  try {
    const t = Date.now();
    env = await setupGitopsEnv(cluster, log);
    const e = env;
    console.log(
      `GitOps remote + release 0 built + both Applications Healthy: ${Date.now() - t} ms`,
    );
    const budget = await readinessBudgetMs(e);
    const rows: Row[] = [];
    const verdicts: string[] = [];
    const release = async (label: string, kind: ReleaseKind) => {
      const r = await makeRelease(e.work, label, kind, log);
      e.releases.push(r);
      return r;
    };
    const deploy = async (flow: string, label: string, kind: ReleaseKind) => {
      const r = await release(label, kind);
      const out = await deployRelease(e, r);
      if (kind !== 'good') revertSource(e.work, r);
      verdicts.push(out.verify.result);
      rows.push({
        flow: kind === 'good' ? flow : `${flow} (${out.verify.result})`,
        timings: out.timings,
        goals: goalsFor(kind, budget),
        requests: out.load.sent,
        failed: out.load.failed,
      });
      return { r, out };
    };
    const { r: a } = await deploy('deploy A', 'A', 'good');
    const { out: deployB } = await deploy('update to B', 'B', 'good');
    await deploy('(a) crash at start', 'Ca', 'crash-at-start');
    await deploy('(b) never ready', 'Cb', 'never-ready');
    await deploy('(c) unpullable', 'Cc', 'unpullable');
    const manual = await manualRevert(e, deployB.bump.commit);
    verdicts.push(manual.verify.result);
    rows.push({
      flow: 'manual revert to A',
      timings: manual.timings,
      goals: {},
      requests: manual.load.sent,
      failed: manual.load.failed,
    });
    const promotion = await promoteAndMerge(e, github, a);
    verdicts.push(promotion.verify.result);
    rows.push({ flow: 'promote A to gke', timings: promotion.timings, goals: {} });
    const want = 'healthy,healthy,rolled-back,rolled-back,rolled-back,healthy,healthy';
    if (verdicts.join() !== want) throw new Error(`unexpected verdicts: ${verdicts.join(', ')}`);

    console.log(
      `\nheadline timings (gitops CLI -> git remote -> Argo CD -> kubelet; load ${LOAD.ratePerSec} req/s over ${LOAD.connections} keep-alive connections on the NodePort):`,
    );
    const heads = [
      'push→synced',
      'synced→ready',
      'synced→failed',
      'signal→reverted',
      'reverted→recovered',
      'requests',
      'failed',
    ];
    console.log(`${'flow'.padEnd(32)}${heads.map((h) => h.padStart(19)).join('')}`);
    for (const r of rows) {
      const t = r.timings;
      const cells = [
        cell(t.pushToSyncedMs),
        cell(t.syncedToReadyMs),
        cell(t.syncedToFailedMs),
        cell(t.signalToRevertedMs, r.goals.signalToRevertedMs),
        cell(t.revertedToRecoveredMs, r.goals.revertedToRecoveredMs),
        r.requests === undefined ? '-' : String(r.requests),
        r.failed === undefined ? '-' : String(r.failed),
      ];
      console.log(`${r.flow.padEnd(32)}${cells.map((c) => c.padStart(19)).join('')}`);
    }
    for (const r of rows) console.log(formatTimings(r.flow, r.timings, r.goals));
    console.log(
      `goals (issue 12): (a), (c) reverted ≤ 30 s after the first failure signal; (b) ≤ the readiness probe budget (${budget / 1000} s) + 15 s; every case recovered ≤ 60 s after the revert. ` +
        "synced→ready includes the Deployment's minReadySeconds and verify's 5 s settle window; promotion has no load (gke's Service has no NodePort).",
    );
  } finally {
    await github.close();
    disposeGitopsEnv(env);
    releases.push(...(env?.releases ?? []));
  }
}

async function main(): Promise<void> {
  const skip = clusterSkipReason();
  if (skip) {
    console.log(`cluster bench skipped: ${skip}`);
    return;
  }
  const t0 = Date.now();
  const releases: Release[] = [];
  const cluster = await startCluster();
  const startup = Date.now() - t0;
  try {
    console.log(
      cluster.owned
        ? `up.sh (control plane + real node + Argo CD start-up): ${startup} ms`
        : 'reusing a running cluster: start-up not measured',
    );
    const kube = kubeClientFromConfig({ kubeconfig: cluster.kubeconfig });
    const ns = `bench-${Date.now().toString(36)}`;
    await createNamespace(cluster, ns);

    const manifest = (image: string, generation: string): string =>
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
            metadata: { labels: { app: 'bench' }, annotations: { generation } },
            spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image }] },
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
    const until = async (state: RolloutVerdict['state']): Promise<RolloutVerdict> =>
      waitFor(
        state,
        async () => {
          const v = await verdict();
          return v.state === state ? v : undefined;
        },
        { timeoutMs: 180_000, pollMs: 200 },
      );

    let t = Date.now();
    await kubectl(cluster, ['apply', '-f', '-'], manifest(cluster.pauseImage, '1'));
    await until('complete');
    console.log(
      `deployment of ${REPLICAS} pause pods on the real node complete: ${Date.now() - t} ms`,
    );

    t = Date.now();
    await kubectl(cluster, ['apply', '-f', '-'], manifest(cluster.pauseImage, '2'));
    await until('complete');
    console.log(
      `rolling update of ${REPLICAS} pods (maxUnavailable 0, maxSurge 25%) complete: ${Date.now() - t} ms`,
    );

    t = Date.now();
    // A well-formed pin whose digest the registry does not have.
    const missing = `${cluster.pauseImage.split(':')[0]}@sha256:${'0'.repeat(63)}1`;
    await kubectl(cluster, ['apply', '-f', '-'], manifest(missing, '3'));
    const failed = await until('failed');
    console.log(
      `unpullable release judged failed (${failed.state === 'failed' ? failed.reason : ''}): ${Date.now() - t} ms`,
    );
    await kubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
    if (FLOWS) await headlineFlows(cluster, releases);
    else console.log('headline flows skipped: BENCH_CLUSTER_FLOWS=0');
  } finally {
    const t = Date.now();
    await stopCluster(cluster);
    if (cluster.owned) console.log(`down.sh: ${Date.now() - t} ms`);
    await removeLocalImages(releases, (line) => console.error(line));
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
