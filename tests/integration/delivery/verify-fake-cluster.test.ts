import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { kubeClientFromConfig } from '../../../gitops/adapters/kube.js';
import { verifyRollout } from '../../../gitops/flows/verify.js';
import { startFakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import type { FakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import { installFakeArgoCd } from '../../fakes/fake-argocd.js';
import { commitMessages, createGitFixture } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('verifyRollout end to end: fake Kubernetes API + fake Argo CD + real bare git remote', () => {
  let repo: GitFixture;
  let fake: FakeKubeApiServer;
  let dir: string;

  beforeEach(async () => {
    repo = await createGitFixture({ appCommits: 3 });
    fake = await startFakeKubeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'verify-e2e-'));
  });
  afterEach(async () => {
    await fake.close();
    await repo.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function bump(source: string, d: string): Promise<string> {
    const res = await bumpOverlay({
      repo: repo.remote,
      overlay: 'overlays/minikube',
      image: { name: 'score-api', newName: '127.0.0.1:5000/score-api', newTag: source, digest: d },
      sourceCommit: source,
      push: true,
    });
    expect(res.status).toBe('committed');
    return res.commit;
  }

  function setup(badDigest: string, score?: Parameters<typeof installFakeArgoCd>[1]['score']) {
    const argocd = installFakeArgoCd(fake, {
      score,
      remote: repo.remote,
      overlay: 'overlays/minikube',
      app: 'score-api-minikube',
      appNamespace: 'argocd',
      namespace: 'score-api',
      deployment: 'score-api',
      imageName: 'score-api',
      isBad: (image) => image.endsWith(badDigest),
    });
    const kube = kubeClientFromConfig({ kubeconfig: fake.writeKubeconfig(dir) });
    return { argocd, kube };
  }

  const common = {
    app: 'score-api-minikube',
    deployment: 'score-api',
    namespace: 'score-api',
    pollMs: 20,
    settleMs: 50,
  };

  it('reports a good release healthy with toSynced <= toReady and does not touch git', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    await bump(c1, digest('a'));
    const { argocd, kube } = setup(digest('f'));
    const good = await bump(c2, digest('b'));
    const res = await verifyRollout({
      ...common,
      kube,
      revision: good,
      timeoutMs: 10_000,
      rollback: { repo: repo.remote },
    });
    expect(res.result).toBe('healthy');
    expect(res.timings.toSyncedMs).toBeDefined();
    expect(res.timings.toReadyMs).toBeGreaterThanOrEqual(res.timings.toSyncedMs ?? Infinity);
    expect(argocd.synced.at(-1)).toBe(good);
    expect(
      fake.requests.some(
        (r) => r.method === 'PATCH' && r.contentType === 'application/merge-patch+json',
      ),
    ).toBe(true);
    const messages = await commitMessages(repo.remote);
    expect(messages.filter((m) => m.includes('Gitops-Action: revert'))).toHaveLength(0);
  });

  it('rolls back a crash-looping release with exactly one revert commit, even when verify runs twice', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    const goodBump = await bump(c1, digest('a'));
    const { argocd, kube } = setup(digest('b'));
    const badBump = await bump(c2, digest('b'));

    const first = await verifyRollout({
      ...common,
      kube,
      revision: badBump,
      timeoutMs: 10_000,
      rollback: { repo: repo.remote },
    });
    expect(first.result).toBe('rolled-back');
    expect(first.revertStatus).toBe('reverted');
    expect(first.reason).toContain('CrashLoopBackOff');
    expect(first.reason).toContain('score-api-h2-x1');
    expect(first.timings.toSyncedMs).toBeDefined();
    expect(first.timings.toRecoveredMs).toBeGreaterThan(first.timings.toSyncedMs ?? Infinity);
    expect(argocd.synced).toEqual([goodBump, badBump, first.revertCommit]);
    const events = first.timeline.map((e) => e.event).join('\n');
    expect(events).toMatch(/pushed revert commit/);
    expect(events).toMatch(/recovered at/);

    // A re-run (e.g. a retried CI job) finds the revert and only waits for the recovery.
    const second = await verifyRollout({
      ...common,
      kube,
      revision: badBump,
      timeoutMs: 60_000,
      rollback: { repo: repo.remote },
    });
    expect(second.result).toBe('rolled-back');
    expect(second.reason).toContain(`already reverted by ${first.revertCommit?.slice(0, 12)}`);
    expect(second.timeline.map((e) => e.event).join('\n')).not.toMatch(/timed out/);
    expect(second.revertStatus).toBe('already-reverted');
    expect(second.revertCommit).toBe(first.revertCommit);

    const messages = await commitMessages(repo.remote);
    const reverts = messages.filter((m) => m.includes('Gitops-Action: revert'));
    expect(reverts).toHaveLength(1);
    expect(reverts[0]).toContain(`Reverts: ${badBump}`);
    expect(reverts[0]).toContain('CrashLoopBackOff');
  });

  it('follows a descendant pinning the same image, and calls a newer bump on top superseded without a revert', async () => {
    const [, c1, c2, c3] = repo.commits as [string, string, string, string];
    await bump(c1, digest('a'));
    const { argocd, kube } = setup(digest('f'));
    const release = await bump(c2, digest('b'));
    // A commit that changes nothing the minikube overlay pins lands before Argo CD looks (a merge).
    const clone = await repo.clone('merge');
    const other = await repo.commitAndPush(clone, { 'docs/notes.md': 'merged\n' }, 'docs: notes');
    const followed = await verifyRollout({
      ...common,
      kube,
      revision: release,
      timeoutMs: 10_000,
      rollback: { repo: repo.remote },
    });
    expect(followed.result).toBe('healthy');
    expect(followed.liveRevision).toBe(other);
    expect(argocd.synced.at(-1)).toBe(other);
    expect(followed.smoke).toContain('labelled the known input "setosa"');

    // A newer bump of minikube replaced the release: superseded, not judged, not reverted.
    const newer = await bump(c3, digest('c'));
    const superseded = await verifyRollout({
      ...common,
      kube,
      revision: release,
      timeoutMs: 10_000,
      rollback: { repo: repo.remote },
    });
    expect(superseded).toMatchObject({ result: 'superseded', supersededBy: newer });
    expect(superseded.reason).toContain(`${digest('b')} -> ${digest('c')}`);
    const messages = await commitMessages(repo.remote);
    expect(messages.filter((m) => m.includes('Gitops-Action: revert'))).toHaveLength(0);
  });

  it('rolls back a release whose Service answers the known input wrongly', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    await bump(c1, digest('a'));
    const { kube } = setup(digest('f'), (image) =>
      image.endsWith(digest('b'))
        ? { status: 200, body: { score: [{ label: 'virginica' }] } }
        : { status: 200, body: { score: [{ label: 'setosa' }] } },
    );
    const wrong = await bump(c2, digest('b'));
    const res = await verifyRollout({
      ...common,
      kube,
      revision: wrong,
      timeoutMs: 10_000,
      rollback: { repo: repo.remote },
    });
    expect(res.result).toBe('rolled-back');
    expect(res.reason).toContain('smoke request failed');
    expect(res.reason).toContain('"virginica", expected "setosa"');
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ X: [5.1, 3.5, 1.4, 0.2] });
  });
});
