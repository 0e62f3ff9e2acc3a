import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { promote } from '../../../gitops/flows/promote.js';
import { InputError } from '../../../gitops/errors.js';
import { readImage } from '../../../gitops/rules/kustomization.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import {
  FIXTURE_IDENTITY,
  commitMessages,
  createGitFixture,
  git,
  showFile,
} from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

const GKE = `# gke overlay: Artifact Registry, promoted through pull requests.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: score-api
resources:
  - ../../deploy
images:
  - name: score-api
    newName: europe-west1-docker.pkg.dev/score-api-prod/containers/score-api # Artifact Registry
    newTag: "0000000000000000000000000000000000000000"
    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('promote: real bare remote + real Kustomize + fake GitHub API', () => {
  let repo: GitFixture;
  let gh: FakeGithubApi;

  beforeEach(async () => {
    repo = await createGitFixture({ appCommits: 3 });
    const seed = await repo.clone('seed-gke');
    await repo.commitAndPush(seed, { 'overlays/gke/kustomization.yaml': GKE }, 'add gke overlay');
    gh = await startFakeGithubApi({ gitRemote: repo.remote });
  });
  afterEach(async () => {
    await gh.close();
    await repo.cleanup();
  });

  const github = () => ({ token: gh.token, owner: gh.owner, repo: gh.repo, apiUrl: gh.url });

  async function bumpMinikube(source: string, d: string): Promise<void> {
    const res = await bumpOverlay({
      repo: repo.remote,
      overlay: 'overlays/minikube',
      image: { name: 'score-api', newName: '127.0.0.1:5000/score-api', newTag: source, digest: d },
      sourceCommit: source,
      push: true,
    });
    expect(res.status).toBe('committed');
  }

  it('opens the PR once; a re-run updates the same PR and pushes nothing new; a new digest force-updates it', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    await bumpMinikube(c1, digest('a'));
    const logs: string[] = [];
    const first = await promote({
      repo: repo.remote,
      from: 'overlays/minikube',
      to: 'overlays/gke',
      push: true,
      openPr: true,
      github: github(),
      log: (l) => logs.push(l),
    });
    expect(first).toMatchObject({
      changed: true,
      branch: 'promote/gke',
      pushed: true,
      sourceCommit: c1,
      digest: digest('a'),
    });
    expect(first.pullRequest).toMatchObject({ number: 1, created: true });

    // The promoted kustomization: same digest and tag, the gke registry path kept, the comment kept.
    const gkeText = await showFile(repo.remote, 'promote/gke', 'overlays/gke/kustomization.yaml');
    expect(readImage(gkeText, 'score-api')).toEqual({
      name: 'score-api',
      newName: 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api',
      newTag: c1,
      digest: digest('a'),
    });
    expect(gkeText).toContain('# Artifact Registry');

    // The rendered diff is real kustomize output for the image line.
    expect(first.diff).toContain(
      `-      - image: europe-west1-docker.pkg.dev/score-api-prod/containers/score-api:0000000000000000000000000000000000000000@sha256:${'0'.repeat(64)}`,
    );
    expect(first.diff).toContain(
      `+      - image: europe-west1-docker.pkg.dev/score-api-prod/containers/score-api:${c1}@${digest('a')}`,
    );

    // One commit on top of main with the trailers.
    const [message] = await commitMessages(repo.remote, 'promote/gke', ['-n', '1']);
    expect(message).toContain(`Source-Commit: ${c1}`);
    expect(message).toContain(`Image-Digest: ${digest('a')}`);
    expect(message).toContain('Environment: gke');
    expect(message).toContain('Gitops-Action: promote');
    expect(await git(repo.remote, ['rev-parse', 'promote/gke^'])).toBe(
      await git(repo.remote, ['rev-parse', 'main']),
    );

    const pr = gh.pulls[0];
    expect(pr?.base).toBe('main');
    expect(pr?.head).toBe('promote/gke');
    expect(pr?.body).toContain(c1);
    expect(pr?.body).toContain(digest('a'));
    expect(pr?.body).toContain('```diff\n');
    expect(pr?.body).toContain(
      `+      - image: europe-west1-docker.pkg.dev/score-api-prod/containers/score-api:${c1}@${digest('a')}`,
    );
    expect(logs.join('\n')).not.toContain(gh.token);

    // Same inputs again: the branch already holds it (not pushed), the same PR is updated.
    const tip = await git(repo.remote, ['rev-parse', 'promote/gke']);
    const again = await promote({
      repo: repo.remote,
      from: 'overlays/minikube',
      to: 'overlays/gke',
      push: true,
      openPr: true,
      github: github(),
    });
    expect(again).toMatchObject({ changed: true, pushed: false, commit: tip });
    expect(again.pullRequest).toMatchObject({ number: 1, created: false });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    // A newer digest on minikube: the branch is force-updated (still one commit on main), the PR body follows.
    await bumpMinikube(c2, digest('b'));
    const third = await promote({
      repo: repo.remote,
      from: 'overlays/minikube',
      to: 'overlays/gke',
      push: true,
      openPr: true,
      github: github(),
    });
    expect(third).toMatchObject({
      pushed: true,
      sourceCommit: c2,
      pullRequest: { number: 1, created: false },
    });
    expect(await git(repo.remote, ['rev-parse', 'promote/gke^'])).toBe(
      await git(repo.remote, ['rev-parse', 'main']),
    );
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]?.body).toContain(digest('b'));
    expect(gh.pulls[0]?.body).not.toContain(digest('a'));
    expect(gh.requests.every((r) => r.authorization === `Bearer ${gh.token}`)).toBe(true);
  });

  it('works from a local clone without touching its checkout, and a revert of the merge restores gke', async () => {
    const [, c1] = repo.commits as [string, string];
    await bumpMinikube(c1, digest('c'));
    const clone = await repo.clone('work');
    const before = readFileSync(join(clone, 'overlays/gke/kustomization.yaml'), 'utf8');
    const res = await promote({
      repo: clone,
      from: 'overlays/minikube',
      to: 'overlays/gke',
      push: true,
    });
    expect(res.pushed).toBe(true);
    expect(await git(clone, ['symbolic-ref', '--short', 'HEAD'])).toBe('main');
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
    expect(await git(clone, ['worktree', 'list'])).not.toContain('gitops-promote');
    expect(readFileSync(join(clone, 'overlays/gke/kustomization.yaml'), 'utf8')).toBe(before);

    // Merge the promotion, then revert the merge: gke is back where it was, with no extra step.
    await git(clone, ['fetch', '--quiet', 'origin']);
    await git(clone, [
      ...FIXTURE_IDENTITY,
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      'Merge promote/gke',
      'origin/promote/gke',
    ]);
    expect(
      readImage(readFileSync(join(clone, 'overlays/gke/kustomization.yaml'), 'utf8'), 'score-api')
        ?.digest,
    ).toBe(digest('c'));
    await git(clone, [...FIXTURE_IDENTITY, 'revert', '--no-edit', '-m', '1', 'HEAD']);
    expect(readFileSync(join(clone, 'overlays/gke/kustomization.yaml'), 'utf8')).toBe(before);
  });

  it('rejects bad input before any side effect', async () => {
    const heads = () => git(repo.remote, ['for-each-ref', '--format=%(refname)', 'refs/heads']);
    const refs = await heads();
    await expect(
      promote({ repo: repo.remote, from: 'overlays/gke', to: 'overlays/gke/' }),
    ).rejects.toThrow(/must differ/);
    await expect(
      promote({
        repo: repo.remote,
        from: 'overlays/minikube',
        to: 'overlays/gke',
        openPr: true,
        github: github(),
      }),
    ).rejects.toThrow(/needs push/);
    await expect(
      promote({ repo: repo.remote, from: 'overlays/minikube', to: 'overlays/prod', push: true }),
    ).rejects.toThrow(InputError);
    // The bootstrap overlay pins no digest: nothing verified to promote.
    await expect(
      promote({ repo: repo.remote, from: 'overlays/minikube', to: 'overlays/gke', push: true }),
    ).rejects.toThrow(/pins no digest/);
    expect(await heads()).toBe(refs);
    expect(gh.requests).toHaveLength(0);
  });
});
