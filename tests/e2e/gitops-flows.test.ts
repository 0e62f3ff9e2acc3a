// End-to-end tests of the pipeline on the local cluster's real node (tests/e2e/cluster): a real
// kube-apiserver, controller-manager and scheduler, a kubelet + containerd node, kube-proxy, and
// Argo CD's controllers syncing the project's own argocd/ Applications from a bare GitOps
// repository served over HTTP. Every release is a real commit of the service, built by the
// pipeline's build stage, pushed to the loopback registry and pulled by the kubelet by digest; the
// pods are gated by the Deployment's own probes. The pipeline's steps run through the project's own
// `gitops` CLI (bump, verify --rollback, promote). Every minikube flow runs under a keep-alive load
// on POST /score through the NodePort and must end with zero failed requests. Only GitHub's pull
// request API is a fake (tests/fakes/fake-github-api.ts); the merge itself is a real git merge.
// The tests build on each other, in order. Tests named [ci] are the ones scripts/ci-e2e.sh runs.
import { jest } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrailers } from '../../gitops/rules/trailers.js';
import { formatSamples, watchAvailability } from './cluster/availability-watch.js';
import type { AvailabilityReport } from './cluster/availability-watch.js';
import { git } from './cluster/git.js';
import {
  GKE,
  MINIKUBE,
  deployedImage,
  disposeGitopsEnv,
  getApp,
  podImages,
  remoteMessage,
  remoteOverlay,
  setupGitopsEnv,
} from './cluster/gitops-env.js';
import type { GitopsEnv } from './cluster/gitops-env.js';
import {
  deployRelease,
  formatTimings,
  goalsFor,
  imageRef,
  manualRevert,
  promoteAndMerge,
  readinessBudgetMs,
} from './cluster/gitops-flows.js';
import type { DeployOutcome, FlowTimings } from './cluster/gitops-flows.js';
import {
  REPO_ROOT,
  argocdExpected,
  clusterSkipReason,
  kubectlJson,
  startCluster,
  stopCluster,
  waitFor,
} from './cluster/harness.js';
import type { ClusterHandle } from './cluster/harness.js';
import { makeRelease, removeLocalImages, revertSource } from './cluster/releases.js';
import type { Release, ReleaseKind } from './cluster/releases.js';
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
jest.setTimeout(8 * 60_000);

/** The state each test leaves for the next one. */
interface FlowState {
  a?: Release;
  b?: Release;
  deployB?: DeployOutcome;
  onB?: boolean;
  manualToA?: boolean;
}

/** What one flow printed and kept in .cache/logs/e2e-flows-last.json. */
interface FlowRecord {
  timings: FlowTimings;
  requests?: number;
  failedRequests?: number;
  goals?: ReturnType<typeof goalsFor>;
}

describeFlows('GitOps flows on a real node + Argo CD', () => {
  let cluster: ClusterHandle | undefined;
  let env: GitopsEnv | undefined;
  const state: FlowState = {};
  const records: Record<string, FlowRecord> = {};
  const fileStart = Date.now();

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`an earlier test did not leave ${what}; see its failure`);
    return value;
  };
  const report = (name: string, r: FlowRecord): void => {
    records[name] = r;
    const load =
      r.requests === undefined ? '' : `; ${r.requests} requests, ${r.failedRequests} failed`;
    log(`${formatTimings(name, r.timings, r.goals)}${load}`);
  };
  const release = async (label: string, kind: ReleaseKind): Promise<Release> => {
    const e = need(env, 'the GitOps environment');
    const r = await makeRelease(e.work, label, kind, log);
    e.releases.push(r);
    return r;
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
    if (env) await removeLocalImages(env.releases, log);
    const totalMs = Date.now() - fileStart;
    log(`whole file (start-up, flows, tear-down): ${(totalMs / 1000).toFixed(1)}s`);
    const dir = join(REPO_ROOT, '.cache', 'logs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'e2e-flows-last.json'),
      `${JSON.stringify({ at: new Date().toISOString(), totalMs, flows: records }, null, 2)}\n`,
    );
  }, 300_000);

  /** A bad release of `kind` is rolled back to B under load: the common part of the three. */
  const badRelease = async (
    name: string,
    label: string,
    kind: ReleaseKind,
  ): Promise<DeployOutcome> => {
    const e = need(env, 'the GitOps environment');
    const b = need(state.b, 'release B deployed');
    need(state.onB || undefined, 'the cluster on B');
    state.onB = false;
    const bad = await release(label, kind);
    const out = await deployRelease(e, bad);
    const goals = goalsFor(kind, await readinessBudgetMs(e));
    report(name, {
      timings: out.timings,
      requests: out.load.sent,
      failedRequests: out.load.failed,
      goals,
    });
    log(`verdict: ${out.verify.result}: ${out.verify.reason ?? ''}`);
    log(`first failure signal: ${out.signal ? `${out.signal.pod}: ${out.signal.what}` : 'none'}`);
    revertSource(e.work, bad);

    expect(out.verify.result).toBe('rolled-back');
    expect(out.verify.revertStatus).toBe('reverted');
    const revert = need(out.verify.revertCommit, 'a revert commit');
    // The revert is a commit in the remote right on top of the bump, with the gitops trailers.
    expect(git(e.bare, 'rev-parse', `${revert}^`)).toBe(out.bump.commit);
    expect(parseTrailers(remoteMessage(e, revert))).toMatchObject({
      'Gitops-Action': 'revert',
      Reverts: out.bump.commit,
    });
    expect(remoteOverlay(e, MINIKUBE)).toContain(b.digest);
    expect(out.signal).toBeDefined();
    expect(out.timings.signalToRevertedMs).toBeGreaterThan(0);
    expect(out.timings.revertedToRecoveredMs).toBeGreaterThan(0);
    // Argo CD synced the revert; the Deployment runs B again with no pod of the bad release left.
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: revert, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, b));
    const pods = await waitFor(
      "the bad release's pods gone",
      async () => {
        const p = await podImages(e.cluster, MINIKUBE.namespace);
        return p.every((x) => x.image !== imageRef(MINIKUBE, bad)) ? p : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(pods.every((p) => p.ready && p.image === imageRef(MINIKUBE, b))).toBe(true);
    state.onB = true;
    // B kept serving: every request of the load was answered.
    expect(out.load.sent).toBeGreaterThan(100);
    expect(out.load.failed).toBe(0);
    return out;
  };

  it('1. deploy [ci]: a source commit is built, pinned in overlays/minikube, synced, pulled by digest and Ready', async () => {
    const e = need(env, 'the GitOps environment');
    const a = await release('A', 'good');
    const out = await deployRelease(e, a);
    // The known input went to /score through the API server's service proxy and got the known label.
    expect(out.verify.smoke).toBe('POST /score labelled the known input "setosa"');
    report('1 deploy A', {
      timings: out.timings,
      requests: out.load.sent,
      failedRequests: out.load.failed,
    });

    expect(out.verify.result).toBe('healthy');
    // A runs: the later flows can build on it whatever the checks below find.
    state.a = a;
    expect(out.verify.reason).toBeUndefined();
    expect(out.timings.pushToSyncedMs).toBeGreaterThan(0);
    expect(out.timings.syncedToReadyMs).toBeGreaterThanOrEqual(0);
    // What runs is exactly the pinned tag@digest of A, pulled by the kubelet: the container's
    // imageID is the digest the build stage read back from the registry.
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, a));
    const pods = await kubectlJson<{
      items: {
        spec: { containers: { image: string }[] };
        status: { containerStatuses?: { imageID: string; ready: boolean }[] };
      }[];
    }>(e.cluster, [
      'get',
      'pods',
      '-n',
      MINIKUBE.namespace,
      '-l',
      'app.kubernetes.io/name=score-api',
    ]);
    expect(pods.items.length).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    for (const p of pods.items) {
      expect(p.spec.containers[0]?.image).toBe(imageRef(MINIKUBE, a));
      expect(p.status.containerStatuses?.[0]).toMatchObject({ ready: true });
      expect(p.status.containerStatuses?.[0]?.imageID).toContain(a.digest);
    }
    // The bump commit carries the provenance trailers and is what Argo CD synced.
    expect(parseTrailers(remoteMessage(e, out.bump.commit))).toMatchObject({
      'Gitops-Action': 'bump',
      'Source-Commit': a.sourceCommit,
      'Image-Digest': a.digest,
    });
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: out.bump.commit } },
    });
    expect(out.load.failed).toBe(0);
  });

  it('2. update [ci]: release B rolls over under keep-alive load with zero failed requests', async () => {
    const e = need(env, 'the GitOps environment');
    const a = need(state.a, 'release A deployed');
    const b = await release('B', 'good');
    // The watch starts before the bump is pushed and ends after verify saw B complete.
    const watch = await watchAvailability(e.cluster.kubeconfig, MINIKUBE.namespace, 'score-api');
    let seen: AvailabilityReport;
    let out: DeployOutcome;
    try {
      out = await deployRelease(e, b);
    } finally {
      seen = await watch.stop();
    }
    report('2 update to B', {
      timings: out.timings,
      requests: out.load.sent,
      failedRequests: out.load.failed,
    });
    log(`availability during the rollout (${seen.events} watch events):\n${formatSamples(seen)}`);

    expect(out.verify.result).toBe('healthy');
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, b));
    state.b = b;
    state.deployB = out;
    state.onB = true;
    // The rollover was observed: A's and B's pods side by side (surge), then only B.
    const both = seen.samples.some(
      (s) => s.images.includes(imageRef(MINIKUBE, a)) && s.images.includes(imageRef(MINIKUBE, b)),
    );
    expect(both).toBe(true);
    expect(seen.samples.at(-1)?.images).toEqual([imageRef(MINIKUBE, b)]);
    // Never fewer ready/available replicas than the HPA's minimum, at any watch event...
    expect(seen.minReadyPods).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    expect(seen.minAvailable).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    // ...and the load proves it: every request answered, by A and then by B.
    expect(out.load.sent).toBeGreaterThan(100);
    expect(out.load.failed).toBe(0);
    expect(out.load.byModelVersion[need(a.modelVersion, "A's model version")]).toBeGreaterThan(0);
    expect(out.load.byModelVersion[need(b.modelVersion, "B's model version")]).toBeGreaterThan(0);
  });

  it('3. bad release (a) [ci]: it crashes at start (corrupt model), verify reverts it, B keeps serving', async () => {
    const out = await badRelease('3 (a) crash at start', 'Ca', 'crash-at-start');
    // The reason names the crash-looping pod of the bad ReplicaSet and the exit code.
    expect(out.verify.reason).toMatch(/CrashLoopBackOff|ExitedNonZero|RestartThresholdExceeded/);
    expect(out.verify.reason).toMatch(/score-api-[a-z0-9]+-[a-z0-9]+/);
    expect(out.verify.reason).toMatch(/exit code 1/);
  });

  it('4. bad release (b) [ci]: alive but never ready (readiness endpoint gone), verify reverts it, B keeps serving', async () => {
    const out = await badRelease('4 (b) never ready', 'Cb', 'never-ready');
    // The kubelet's own probe says why: /readyz answers 404 in this release.
    expect(out.signal?.what).toMatch(
      /Readiness probe failed: HTTP probe failed with statuscode: 404/,
    );
    // Verify judges the never-ready pod once its readiness probe has used its budget (long before
    // progressDeadlineSeconds), naming the kubelet's last probe failure.
    expect(out.verify.reason).toMatch(/^rollout failed: ReadinessProbeFailed: pod score-api-/);
    expect(out.verify.reason).toContain(
      'Readiness probe failed: HTTP probe failed with statuscode: 404',
    );
  });

  it('5. bad release (c): its image cannot be pulled (digest absent from score-api), verify reverts it, B keeps serving', async () => {
    const out = await badRelease('5 (c) unpullable', 'Cc', 'unpullable');
    expect(out.verify.reason).toMatch(/ErrImagePull|ImagePullBackOff/);
  });

  it("6. manual rollback: a plain git revert of B's bump, pushed by hand, brings back A under load", async () => {
    const e = need(env, 'the GitOps environment');
    const a = need(state.a, 'release A');
    const deployB = need(state.deployB, "B's bump commit");
    need(state.onB || undefined, 'the cluster back on B');
    const out = await manualRevert(e, deployB.bump.commit);
    report('6 manual revert to A', {
      timings: out.timings,
      requests: out.load.sent,
      failedRequests: out.load.failed,
    });

    expect(out.verify.result).toBe('healthy');
    state.manualToA = true;
    expect(remoteMessage(e, out.revertCommit)).toMatch(/^Revert "/);
    expect(remoteOverlay(e, MINIKUBE)).toContain(a.digest);
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(imageRef(MINIKUBE, a));
    const pods = await podImages(e.cluster, MINIKUBE.namespace);
    expect(pods.every((p) => p.ready && p.image === imageRef(MINIKUBE, a))).toBe(true);
    expect(out.load.failed).toBe(0);
  });

  describe('7. promotion', () => {
    let github: FakeGithubApi | undefined;
    afterAll(async () => github?.close());

    it("copies A's image to gke's registry path, pins its digest in overlays/gke through a PR; merging it deploys it", async () => {
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
        out = await promoteAndMerge(e, github, a);
      } finally {
        seen = await watch.stop();
      }
      report('7 promote A to gke (merge)', { timings: out.timings });

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
