// The project's own .github/workflows, run by nektos/act in host mode against the local e2e cluster
// (real control plane, Argo CD syncing from the e2e git server), the local registry and the fake
// GitHub (REST, App tokens, the repository over git with a ruleset on main). Third-party actions are
// stand-ins (tests/workflows/stand-ins). Each event is the one GitHub would send, delivered to the
// workflows GitHub's `on:` rules select (tests/workflows/harness/github-filters.ts).
//   1. a push runs deploy.yml end to end: ci -> build -> deploy (bump, verify); the bump's own push
//      (an App token's push starts workflows) is ended by the loop guard;
//   3. promote.yml opens the promotion PR after that deploy; the merge deploys gke, verify-gke
//      verifies it;
//   2. a push that breaks the service is rolled back by deploy.yml's verify (needs a real node);
//   4. a hand-made `git revert` of a bump is pushed, and deploy.yml's fast path verifies it;
//   5. workflow_dispatch with sha and force deploys that quarantined source again.
// The flows build on each other in that order. Each prints the jobs it ran, their outcomes and
// timings; the assertions read the cluster and the git history, not only exit codes.
import { promotionBranch } from '../../../gitops/rules/deploy-record.js';
import { jest } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GKE, MINIKUBE, deployedImage, getApp, podImages } from '../../e2e/cluster/gitops-env.js';
import {
  REPO_ROOT,
  argocdExpected,
  clusterSkipReason,
  startCluster,
  stopCluster,
} from '../../e2e/cluster/harness.js';
import type { ClusterHandle } from '../../e2e/cluster/harness.js';
import { resolveDigest } from '../../../gitops/adapters/registry.js';
import { actMissing } from '../harness/act.js';
import { setProtectedMain } from '../harness/workflow-env.js';
import { needs } from '../../helpers/real-parts.js';
import {
  EXITS_UNDER_KUBERNETES,
  deploySource,
  expectConclusion,
  formatFlow,
  handRevert,
  jobOutput,
  jobResults,
  message,
  promoteAndMerge,
  redeploy,
  runOf,
  trailersOf,
} from '../harness/flows.js';
import { findRollback } from '../../../gitops/flows/bump.js';
import { Git } from '../../../gitops/adapters/git.js';
import type { SourceDeploy } from '../harness/flows.js';
import {
  ARTIFACT_REGISTRY,
  disposeWorkflowEnv,
  git,
  setupWorkflowEnv,
} from '../harness/workflow-env.js';
import type { WorkflowEnv } from '../harness/workflow-env.js';

const NAME = 'workflow-flows';
const log = (line: string): void => void process.stdout.write(`[${NAME}] ${line}\n`);

// Every flow needs act, the cluster with Argo CD and its real node (verify waits for ready pods; flow 2
// needs a release that really crash-loops). Where one is missing the flows are skipped, saying why;
// under CI=true (scripts/ci-workflows.sh sets it) they fail instead.
const flows = needs({
  act: actMissing(),
  'e2e cluster': clusterSkipReason(),
  'Argo CD': argocdExpected()
    ? undefined
    : 'Argo CD will not run (tests/e2e/cluster/build.sh argocd)',
  'real node':
    process.env.E2E_CLUSTER_NODE === '0'
      ? 'E2E_CLUSTER_NODE=0 starts no node: no pod would run, nothing could be verified'
      : undefined,
});

jest.setTimeout(60 * 60_000);

// verify-rollout's log for a healthy verdict: the smoke request answered, then the verdict.
const HEALTHY_WITH_SMOKE =
  /smoke request through service score-api\/score-api:http: POST \/score labelled the known input "setosa"[^]*verify-rollout: healthy/;

flows.describe('the workflows, run by act', () => {
  let cluster: ClusterHandle | undefined;
  let env: WorkflowEnv | undefined;
  const reports: string[] = [];
  const state: {
    a?: SourceDeploy;
    digestA?: string;
    promoted?: boolean;
    handReverted?: boolean;
  } = {};
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`an earlier flow did not leave ${what}; see its failure`);
    return v;
  };

  beforeAll(async () => {
    cluster = await startCluster(log);
    if (!cluster.node) throw new Error(`the cluster in ${cluster.dir} runs no real node`);
    env = await setupWorkflowEnv(cluster, { protectedMain: true, log });
  }, 30 * 60_000);

  afterAll(async () => {
    for (const r of reports) log(r);
    if (env) {
      const dir = join(REPO_ROOT, '.cache', 'logs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'workflow-flows-last.json'),
        `${JSON.stringify(
          env.deliveries.map((d) => ({
            event: d.event,
            ref: d.ref,
            sha: d.sha,
            runs: d.runs.map((r) => ({
              file: r.file,
              conclusion: r.conclusion,
              jobs: r.act.jobs.map(({ steps: _s, ...j }) => j),
            })),
          })),
          null,
          2,
        )}\n`,
      );
      log(`act logs: ${env.logDir}`);
    }
    await disposeWorkflowEnv(env);
    await stopCluster(cluster);
  }, 5 * 60_000);

  it('1. a push to main runs deploy.yml end to end: ci -> build -> bump -> verify', async () => {
    const e = need(env, 'the environment');
    const before = git(e.bare, 'rev-parse', 'refs/heads/main');
    const a = await deploySource(e, 'A');
    reports.push(
      formatFlow('flow 1: push of release A', [a.push, ...a.followUps, ...a.guardCompleted]),
    );

    // GitHub's filters start deploy.yml only (ci.yml ignores main, promote.yml watches overlays/gke).
    expect(a.push.decisions.filter((d) => d.runs).map((d) => d.file)).toEqual(['deploy.yml']);
    expectConclusion(a.deploy, 'success');
    expect(jobResults(a.deploy)).toMatchObject({
      changes: 'success',
      'ci/lint': 'success',
      'ci/test': 'success',
      'ci/check-dist': 'success',
      'ci/image': 'success',
      build: 'success',
      deploy: 'success',
    });
    expect(jobResults(a.deploy).manifests).toBe('skipped');
    // Steps and `runs.using: node24` actions run on Node 24, as on GitHub (tools/node24 on PATH).
    expect(jobOutput(a.deploy, 'ci/lint')).toMatch(/setup-node stand-in: the runner's node v24\./);
    // verify's verdict: healthy, after the known request answered through the Service.
    expect(jobOutput(a.deploy, 'deploy')).toMatch(HEALTHY_WITH_SMOKE);

    // Git: one bump commit on top of the source, pushed by the App (main's ruleset admits only it).
    const bump = a.mainAfter;
    expect(git(e.bare, 'rev-parse', `${bump}^`)).toBe(a.source);
    expect(git(e.bare, 'rev-list', '--count', `${before}..${bump}`)).toBe('2');
    const digest = await resolveDigest(`127.0.0.1:5000/score-api:${a.source}`);
    expect(trailersOf(e, bump)).toMatchObject({
      'Gitops-Action': 'bump',
      'Source-Commit': a.source,
      'Image-Digest': digest,
      Environment: 'minikube',
    });
    expect(e.github.pushes().filter((p) => p.after === bump)).toEqual([
      expect.objectContaining({ actor: `${e.app.slug}[bot]`, ref: 'refs/heads/main' }),
    ]);

    // Cluster: Argo CD synced the bump; the Deployment and its ready pods run A's tag@digest.
    const ref = `localhost:5000/score-api:${a.source}@${digest}`;
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: bump, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(ref);
    const pods = await podImages(e.cluster, MINIKUBE.namespace);
    expect(pods.length).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
    expect(pods.every((p) => p.ready && p.image === ref)).toBe(true);

    // The loop guard: the App's bump push starts deploy.yml (not promote.yml), whose jobs all skip.
    expect(a.followUps).toHaveLength(1);
    const guard = a.followUps[0]!;
    expect(guard.decisions.filter((d) => d.runs).map((d) => d.file)).toEqual(['deploy.yml']);
    const again = guard.runs[0]!;
    expect(Object.values(jobResults(again)).every((r) => r === 'skipped')).toBe(true);
    // Its completion starts promote.yml, which promotes nothing for a pipeline commit.
    expect(a.guardCompleted).toHaveLength(1);
    const promoteGuard = a.guardCompleted[0]!.runs;
    expect(promoteGuard.map((r) => r.file)).toEqual(['promote.yml']);
    expect(jobResults(promoteGuard[0]!)).toEqual({ promote: 'skipped', 'verify-gke': 'skipped' });
    expect(e.github.pulls).toHaveLength(0);
    expect(git(e.bare, 'rev-parse', 'refs/heads/main')).toBe(bump);
    state.a = a;
    state.digestA = digest;
  });

  it("3. promote.yml opens the promotion PR after flow 1's deploy; the merge deploys gke and verify-gke verifies it", async () => {
    const e = need(env, 'the environment');
    const a = need(state.a, 'release A deployed (flow 1)');
    const digest = need(state.digestA, "A's digest");
    const p = await promoteAndMerge(e, a);
    reports.push(
      formatFlow('flow 3: promotion of A to gke', [
        p.promoteRun,
        ...p.branchPush,
        p.pullRequestOpened,
        p.mergePush,
      ]),
    );

    // workflow_run(deploy, success) starts promote.yml; its promote job runs, verify-gke does not.
    const promote = runOf(p.promoteRun, 'promote.yml');
    expectConclusion(promote, 'success');
    expect(jobResults(promote)).toEqual({ promote: 'success', 'verify-gke': 'skipped' });
    // The same digest, copied to Artifact Registry (the stand-in path of the local registry).
    expect(await resolveDigest(`${ARTIFACT_REGISTRY.local}:${a.source}`)).toBe(digest);
    // The PR: opened with the App's installation token, its branch (one per digest) pushed by the App.
    const branch = promotionBranch('gke', digest);
    const pr = e.github.pulls.find((x) => x.number === p.pullNumber)!;
    expect(pr).toMatchObject({ head: branch, base: 'main', state: 'closed' });
    expect(pr.body).toContain(digest);
    const create = e.github.requests.find((r) => r.method === 'POST' && r.path.endsWith('/pulls'));
    // Octokit says `token X`, other clients `Bearer X`: GitHub takes both.
    const appToken = e.github.installationTokens.map((t) => t.token);
    expect(appToken).toContain(create?.authorization?.replace(/^(?:Bearer|token) /, ''));
    expect(e.github.installationTokens.every((t) => t.revoked)).toBe(true);
    expect(p.branchPush.map((d) => d.ref)).toEqual([`refs/heads/${branch}`]);
    // CI would run for the branch and the PR (an App's push and PR start workflows).
    for (const d of [...p.branchPush, p.pullRequestOpened])
      expect(d.decisions.filter((x) => x.runs).map((x) => x.file)).toEqual(['ci.yml']);

    // The merge (a real two-parent merge commit) starts promote.yml only: verify-gke.
    expect(git(e.bare, 'rev-list', '--parents', '-n', '1', p.merge).split(' ')).toHaveLength(3);
    expect(trailersOf(e, `${p.merge}^2`)).toMatchObject({
      'Gitops-Action': 'promote',
      'Image-Digest': digest,
      'Source-Commit': a.source,
    });
    expect(p.mergePush.decisions.filter((x) => x.runs).map((x) => x.file)).toEqual(['promote.yml']);
    expectConclusion(p.verifyGke, 'success');
    expect(jobResults(p.verifyGke)).toEqual({ promote: 'skipped', 'verify-gke': 'success' });
    expect(jobOutput(p.verifyGke, 'verify-gke')).toMatch(HEALTHY_WITH_SMOKE);
    // It watched gke through the GKE stand-in (namespace score-api there is score-api-gke here).
    expect(
      e.gke.requests.some((r) => r.includes(`/namespaces/${GKE.namespace}/deployments/score-api`)),
    ).toBe(true);

    // Cluster: gke runs A's digest under the Artifact Registry path; minikube is untouched.
    const ref = `${ARTIFACT_REGISTRY.name}:${a.source}@${digest}`;
    expect(await getApp(e.cluster, GKE.app)).toMatchObject({
      status: { sync: { revision: p.merge, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    expect(await deployedImage(e.cluster, GKE.namespace)).toBe(ref);
    const pods = await podImages(e.cluster, GKE.namespace);
    expect(pods.filter((x) => x.ready && x.image === ref).length).toBeGreaterThanOrEqual(
      GKE.minReplicas,
    );
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(
      `localhost:5000/score-api:${a.source}@${digest}`,
    );
    state.promoted = true;
  });

  it("2. a push that breaks the service is rolled back by deploy.yml's verify", async () => {
    const e = need(env, 'the environment');
    const a = need(state.a, 'release A deployed (flow 1)');
    const digest = need(state.digestA, "A's digest");
    // This flow runs on an unprotected main without a GitHub App: the workflows push with GITHUB_TOKEN.
    setProtectedMain(e, false);
    let c: SourceDeploy;
    try {
      c = await deploySource(e, 'C', EXITS_UNDER_KUBERNETES);
    } finally {
      setProtectedMain(e, true);
    }
    reports.push(
      formatFlow('flow 2: push of release C (exits under Kubernetes)', [
        c.push,
        ...c.followUps,
        ...c.guardCompleted,
      ]),
    );

    // CI and the build pass (nothing there runs the release under Kubernetes); deploy fails.
    expectConclusion(c.deploy, 'failure');
    expect(jobResults(c.deploy)).toMatchObject({
      changes: 'success',
      'ci/lint': 'success',
      'ci/test': 'success',
      'ci/check-dist': 'success',
      'ci/image': 'success',
      build: 'success',
      deploy: 'failure',
    });
    expect(jobOutput(c.deploy, 'deploy')).toMatch(/CrashLoopBackOff|restart/);

    // Git: bump of C, then its revert on top, both pushed with GITHUB_TOKEN; C is quarantined.
    const revert = c.mainAfter;
    const bumpC = git(e.bare, 'rev-parse', `${revert}^`);
    expect(git(e.bare, 'rev-parse', `${bumpC}^`)).toBe(c.source);
    // verify's verdict: the bump reverted, then A live again at the revert.
    expect(jobOutput(c.deploy, 'deploy')).toMatch(
      new RegExp(
        `rolling back: reverting ${bumpC.slice(0, 12)}[^]*recovered at ${revert.slice(0, 12)}`,
      ),
    );
    expect(trailersOf(e, bumpC)).toMatchObject({
      'Gitops-Action': 'bump',
      'Source-Commit': c.source,
    });
    expect(trailersOf(e, revert)).toMatchObject({
      'Gitops-Action': 'revert',
      Reverts: bumpC,
      'Rolled-Back-Source': c.source,
    });
    // Both pushed with GITHUB_TOKEN (no App on an unprotected main): GitHub starts no workflow for them.
    const pushers = e.github.pushes().filter((x) => x.after === bumpC || x.after === revert);
    expect(pushers.map((x) => x.actor)).toEqual(['github-actions[bot]', 'github-actions[bot]']);
    expect(c.followUps).toEqual([]);

    // Cluster: Argo CD synced the revert; the Deployment and its ready pods run A again.
    const ref = `localhost:5000/score-api:${a.source}@${digest}`;
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: revert, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(ref);
    const pods = await podImages(e.cluster, MINIKUBE.namespace);
    expect(pods.every((x) => x.ready && x.image === ref)).toBe(true);
  });

  it('4. a hand-made `git revert` of a bump is pushed; deploy.yml verifies it on the fast path', async () => {
    const e = need(env, 'the environment');
    const a = need(state.a, 'release A deployed (flow 1)');
    const bumpA = a.mainAfter;
    const before = await deployedImage(e.cluster, MINIKUBE.namespace);
    const r = await handRevert(e, bumpA);
    reports.push(formatFlow("flow 4: hand-made revert of A's bump", [r.push]));

    expect(message(e, r.revert)).toMatch(
      new RegExp(`^Revert "deploy\\(minikube\\)[^]*This reverts commit ${bumpA}\\.`),
    );
    expect(r.push.decisions.filter((d) => d.runs).map((d) => d.file)).toEqual(['deploy.yml']);
    expectConclusion(r.deploy, 'success');
    // The fast path: manifest checks and verify only; no CI, no image build, no bump, no revert.
    expect(jobResults(r.deploy)).toMatchObject({
      changes: 'success',
      manifests: 'success',
      build: 'skipped',
      deploy: 'success',
    });
    const ciJobs = Object.entries(jobResults(r.deploy)).filter(([k]) => k.startsWith('ci/'));
    expect(ciJobs.length).toBeGreaterThan(0);
    expect(ciJobs.every(([, result]) => result === 'skipped')).toBe(true);
    const deploySteps = Object.fromEntries(
      r.deploy.act.jobs
        .find((j) => j.id === 'deploy')!
        .steps.map((x) => [x.name.split(' ')[0], x.result]),
    );
    expect(deploySteps).toMatchObject({ Bump: 'skipped', Verify: 'success' });
    expect(jobOutput(r.deploy, 'deploy')).toMatch(HEALTHY_WITH_SMOKE);
    expect(git(e.bare, 'rev-parse', 'refs/heads/main')).toBe(r.revert);

    // Cluster: Argo CD synced the revert; minikube runs the pin from before A again.
    const pinned = git(e.bare, 'show', `${r.revert}:overlays/minikube/kustomization.yaml`);
    const tag = /newTag:\s*'?([0-9a-f]{40})/.exec(pinned)?.[1];
    expect(tag).toBeDefined();
    expect(tag).not.toBe(a.source);
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: r.revert, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    const now = await deployedImage(e.cluster, MINIKUBE.namespace);
    expect(now).not.toBe(before);
    expect(now).toContain(`:${tag}@`);
    // A's source is quarantined by the hand-made revert, as by an automatic rollback.
    const clone = join(e.tmp, 'quarantine-check');
    git(e.tmp, 'clone', '--quiet', e.bare, clone);
    expect(await findRollback(new Git(clone), a.source)).toBe(r.revert);
    state.handReverted = true;
  });

  it('5. after a false rollback, workflow_dispatch with sha and force deploys the quarantined source again', async () => {
    const e = need(env, 'the environment');
    const a = need(state.a, 'release A deployed (flow 1)');
    need(state.handReverted || undefined, "A's bump reverted by hand (flow 4)");
    const r = await redeploy(e, a.source, true);
    reports.push(
      formatFlow('flow 5: Run workflow (deploy, sha A, force)', [r.dispatch, ...r.followUps]),
    );

    // The dispatch goes to deploy.yml alone; it checks, builds and pins A, with force.
    expect(r.dispatch.decisions.filter((d) => d.runs).map((d) => d.file)).toEqual(['deploy.yml']);
    expectConclusion(r.deploy, 'success');
    expect(jobResults(r.deploy)).toMatchObject({
      changes: 'success',
      'ci/test': 'success',
      build: 'success',
      manifests: 'skipped',
      deploy: 'success',
    });
    const bump = git(e.bare, 'rev-parse', 'refs/heads/main');
    const digest = await resolveDigest(`127.0.0.1:5000/score-api:${a.source}`);
    expect(trailersOf(e, bump)).toMatchObject({
      'Gitops-Action': 'bump',
      'Source-Commit': a.source,
      'Image-Digest': digest,
    });
    const ref = `localhost:5000/score-api:${a.source}@${digest}`;
    expect(await getApp(e.cluster, MINIKUBE.app)).toMatchObject({
      status: { sync: { revision: bump, status: 'Synced' }, health: { status: 'Healthy' } },
    });
    expect(await deployedImage(e.cluster, MINIKUBE.namespace)).toBe(ref);
    // The bump's push is ended by the loop guard, as in flow 1.
    expect(
      r.followUps.map((d) =>
        d.runs.map((x) => Object.values(jobResults(x)).every((v) => v === 'skipped')),
      ),
    ).toEqual([[true]]);
  });
});
