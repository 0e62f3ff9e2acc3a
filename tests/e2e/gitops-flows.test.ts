// End-to-end tests of issue 7 on the local cluster (tests/e2e/cluster): a real kube-apiserver,
// controller-manager and scheduler, kwok nodes, and Argo CD's controllers syncing the project's own
// argocd/ Applications from a bare GitOps repository served over HTTP. The pipeline's steps run
// through the project's own `gitops` CLI (bump, verify --rollback, promote). Only GitHub's pull
// request API is a fake (tests/fakes/fake-github-api.ts); the merge itself is a real git merge.
// The five tests build on each other, in order: A deployed, B rolled over, C rolled back to B, B
// reverted by hand to A, A promoted to gke. Each prints its timings. Skips with the reason printed
// unless the cluster binaries (Argo CD included) are built.
import { jest } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrailers } from '../../gitops/rules/trailers.js';
import { formatSamples, watchAvailability } from './cluster/availability-watch.js';
import type { AvailabilityReport } from './cluster/availability-watch.js';
import {
  GKE,
  MINIKUBE,
  deployedImage,
  disposeGitopsEnv,
  getApp,
  git,
  podImages,
  remoteMessage,
  remoteOverlay,
  setupGitopsEnv,
} from './cluster/gitops-env.js';
import type { GitopsEnv } from './cluster/gitops-env.js';
import {
  commitRelease,
  deployRelease,
  formatTimings,
  imageRef,
  manualRevert,
  promoteAndMerge,
} from './cluster/gitops-flows.js';
import type { DeployOutcome, FlowTimings, Release } from './cluster/gitops-flows.js';
import {
  REPO_ROOT,
  argocdExpected,
  clusterSkipReason,
  startCluster,
  stopCluster,
  waitFor,
} from './cluster/harness.js';
import type { ClusterHandle } from './cluster/harness.js';
import { startFakeGithubApi } from '../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../fakes/fake-github-api.js';

const NAME = 'gitops-flows';
const log = (line: string): void => void process.stdout.write(`[${NAME}] ${line}\n`);

const skipReason =
  clusterSkipReason() ??
  (argocdExpected()
    ? undefined
    : 'Argo CD will not run (argocd binary not built: tests/e2e/cluster/build.sh argocd)');
if (skipReason) log(`skipped: ${skipReason}`);
const describeFlows = skipReason ? describe.skip : describe;

// up.sh may build first when E2E_CLUSTER=1; a warm start takes ~20 s.
const STARTUP_TIMEOUT_MS = Number(process.env.E2E_CLUSTER_STARTUP_TIMEOUT_MS ?? 90 * 60_000);
jest.setTimeout(6 * 60_000);

/** The state each test leaves for the next one. */
interface FlowState {
  a?: Release;
  b?: Release;
  deployA?: DeployOutcome;
  deployB?: DeployOutcome;
  rolledBackToB?: boolean;
  manualToA?: boolean;
}

describeFlows('GitOps flows on a real control plane + kwok + Argo CD', () => {
  let cluster: ClusterHandle | undefined;
  let env: GitopsEnv | undefined;
  const state: FlowState = {};
  const timings: Record<string, FlowTimings> = {};
  const fileStart = Date.now();

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`an earlier test did not leave ${what}; see its failure`);
    return value;
  };
  const report = (name: string, t: FlowTimings): void => {
    timings[name] = t;
    log(formatTimings(name, t));
  };

  beforeAll(async () => {
    cluster = await startCluster(log);
    if (cluster.startupMs !== undefined) log(`cluster started in ${cluster.startupMs}ms`);
    if (!cluster.argocd) throw new Error('up.sh did not start Argo CD (see $E2E_CLUSTER_DIR/logs)');
    const t = Date.now();
    env = await setupGitopsEnv(cluster, log);
    log(`GitOps environment ready in ${Date.now() - t}ms`);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    disposeGitopsEnv(env);
    await stopCluster(cluster);
    const totalMs = Date.now() - fileStart;
    log(`whole file (start-up, 5 flows, tear-down): ${(totalMs / 1000).toFixed(1)}s`);
    const dir = join(REPO_ROOT, '.cache', 'logs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'e2e-flows-last.json'),
      `${JSON.stringify({ at: new Date().toISOString(), totalMs, timings }, null, 2)}\n`,
    );
  }, 120_000);

  it('1. deploy: bumps overlays/minikube to release A, Argo CD syncs it, verify reports healthy', async () => {
    const e = need(env, 'the GitOps environment');
    const a = commitRelease(e, 'A');
    const out = await deployRelease(e, a);
    report('1 deploy A', out.timings);

    expect(out.bump).toMatchObject({ status: 'committed', pushed: true });
    expect(out.verify.result).toBe('healthy');
    expect(out.verify.reason).toBeUndefined();
    expect(out.timings.pushToSyncedMs).toBeGreaterThan(0);
    expect(out.timings.syncedToReadyMs).toBeGreaterThanOrEqual(0);
    // What runs is exactly the pinned tag@digest of release A, served by ready pods only.
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, a));
    const pods = await podImages(e.cluster, MINIKUBE.namespace);
    expect(pods.length).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    expect(pods.every((p) => p.ready && p.image === imageRef(MINIKUBE, a))).toBe(true);
    // The bump commit carries the provenance trailers and is what Argo CD synced.
    const trailers = parseTrailers(remoteMessage(e, out.bump.commit));
    expect(trailers).toMatchObject({
      'Gitops-Action': 'bump',
      'Source-Commit': a.sourceCommit,
      'Image-Digest': a.digest,
    });
    const app = await getApp(e.cluster, MINIKUBE.app);
    expect(app).toMatchObject({ status: { sync: { revision: out.bump.commit } } });
    state.a = a;
    state.deployA = out;
  });

  it('2. update: release B rolls over with a ready replica at every moment', async () => {
    const e = need(env, 'the GitOps environment');
    const a = need(state.a, 'release A deployed');
    const b = commitRelease(e, 'B');
    // The watch starts before the bump is pushed and ends after verify saw B complete.
    const watch = await watchAvailability(e.cluster.kubeconfig, MINIKUBE.namespace, 'score-api');
    let seen: AvailabilityReport;
    let out: DeployOutcome;
    try {
      out = await deployRelease(e, b);
    } finally {
      seen = await watch.stop();
    }
    report('2 update to B', out.timings);
    log(`availability during the rollout (${seen.events} watch events):\n${formatSamples(seen)}`);

    expect(out.verify.result).toBe('healthy');
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, b));
    // The rollover was observed: A's and B's pods side by side (surge), then only B.
    const both = seen.samples.some(
      (s) => s.images.includes(imageRef(MINIKUBE, a)) && s.images.includes(imageRef(MINIKUBE, b)),
    );
    expect(both).toBe(true);
    expect(seen.samples.at(-1)?.images).toEqual([imageRef(MINIKUBE, b)]);
    // The claim: never fewer ready/available replicas than the HPA's minimum, at any watch event.
    expect(seen.minReadyPods).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    expect(seen.minAvailable).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    state.b = b;
    state.deployB = out;
  });

  it('3. automatic rollback: bad release C fails, verify reverts the bump, the Deployment is back on B', async () => {
    const e = need(env, 'the GitOps environment');
    const b = need(state.b, 'release B deployed');
    const c = commitRelease(e, 'C', { corrupt: true });
    const out = await deployRelease(e, c);
    report('3 bad C, rolled back', out.timings);
    log(`verdict: ${out.verify.result}: ${out.verify.reason ?? ''}`);

    expect(out.verify.result).toBe('rolled-back');
    // The reason names the failure: the crash-looping pod of C's ReplicaSet.
    expect(out.verify.reason).toMatch(/CrashLoopBackOff/);
    expect(out.verify.reason).toMatch(/score-api-[a-z0-9]+-[a-z0-9]+/);
    expect(out.verify.revertStatus).toBe('reverted');
    const revert = need(out.verify.revertCommit, 'a revert commit');
    // The revert is a commit in the remote, right on top of C's bump, with the gitops trailers.
    expect(git(e.bare, 'rev-parse', 'refs/heads/main')).toBe(revert);
    expect(git(e.bare, 'rev-parse', `${revert}^`)).toBe(out.bump.commit);
    expect(parseTrailers(remoteMessage(e, revert))).toMatchObject({
      'Gitops-Action': 'revert',
      Reverts: out.bump.commit,
    });
    expect(remoteOverlay(e, MINIKUBE)).toContain(b.digest);
    expect(out.timings.failureToRevertedMs).toBeGreaterThanOrEqual(0);
    expect(out.timings.revertedToRecoveredMs).toBeGreaterThan(0);
    // Argo CD synced the revert and the Deployment runs B again, with no pod of C left.
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: revert, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, b));
    const pods = await waitFor(
      "C's pods gone",
      async () => {
        const p = await podImages(e.cluster, MINIKUBE.namespace);
        return p.every((x) => !x.image.includes('corrupt')) ? p : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(pods.every((p) => p.ready && p.image === imageRef(MINIKUBE, b))).toBe(true);
    state.rolledBackToB = true;
  });

  it("4. manual rollback: a plain git revert of B's bump, pushed by hand, brings back A", async () => {
    const e = need(env, 'the GitOps environment');
    const a = need(state.a, 'release A');
    const deployB = need(state.deployB, "B's bump commit");
    need(state.rolledBackToB || undefined, 'the cluster back on B');
    const out = await manualRevert(e, deployB.bump.commit);
    report('4 manual revert to A', out.timings);

    expect(out.verify.result).toBe('healthy');
    expect(remoteMessage(e, out.revertCommit)).toMatch(/^Revert "/);
    expect(remoteOverlay(e, MINIKUBE)).toContain(a.digest);
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, a));
    const pods = await podImages(e.cluster, MINIKUBE.namespace);
    expect(pods.every((p) => p.ready && p.image === imageRef(MINIKUBE, a))).toBe(true);
    state.manualToA = true;
  });

  describe('5. promotion', () => {
    let github: FakeGithubApi | undefined;
    afterAll(async () => github?.close());

    it("pins A's digest in overlays/gke through a PR; merging it deploys it to the gke Application", async () => {
      const e = need(env, 'the GitOps environment');
      const a = need(state.a, 'release A');
      need(state.manualToA || undefined, 'minikube back on A');
      // GitHub's pull-request API cannot run here: this is the fake, checking the head was pushed.
      github = await startFakeGithubApi({
        owner: 'acme',
        repo: 'score-api-gitops',
        gitRemote: e.bare,
      });
      const gkeBefore = await deployedImage(e.cluster, GKE.namespace);
      const watch = await watchAvailability(e.cluster.kubeconfig, GKE.namespace, 'score-api');
      let seen: AvailabilityReport;
      let out: Awaited<ReturnType<typeof promoteAndMerge>>;
      try {
        out = await promoteAndMerge(e, github);
      } finally {
        seen = await watch.stop();
      }
      report('5 promote A to gke (merge)', out.timings);

      expect(out.promote).toMatchObject({
        changed: true,
        branch: 'promote/gke',
        pushed: true,
        digest: a.digest,
        sourceCommit: a.sourceCommit,
        pullRequest: { number: 1, created: true },
      });
      const post = github.requests.find((r) => r.method === 'POST');
      expect(post?.body).toMatchObject({ head: 'promote/gke', base: 'main' });
      expect(String(post?.body?.body)).toContain(a.digest);
      // The merge is a real two-parent merge commit on the remote's main.
      expect(git(e.bare, 'rev-parse', 'refs/heads/main')).toBe(out.merge);
      expect(git(e.bare, 'rev-list', '--parents', '-n', '1', out.merge).split(' ')).toHaveLength(3);
      expect(remoteOverlay(e, GKE)).toContain(a.digest);

      expect(out.verify.result).toBe('healthy');
      expect(gkeBefore).not.toBe(imageRef(GKE, a));
      // gke runs A's digest under its own registry path (Artifact Registry), minikube is untouched.
      expect(await deployedImage(e.cluster, GKE.namespace)).toBe(imageRef(GKE, a));
      expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, a));
      const pods = await podImages(e.cluster, GKE.namespace);
      expect(pods.filter((p) => p.ready && p.image === imageRef(GKE, a))).toHaveLength(
        GKE.minReplicas,
      );
      log(`gke availability during the rollout:\n${formatSamples(seen)}`);
      expect(seen.minAvailable).toBeGreaterThanOrEqual(GKE.minReplicas);
      expect(await getApp(e.cluster, GKE.app)).toMatchObject({
        status: { sync: { revision: out.merge }, health: { status: 'Healthy' } },
      });
    });
  });
});
