// promote() against a real bare remote, real Kustomize and the fake GitHub API (GitHub cannot run here):
// one pull request and branch per verified digest, never rewritten under review, older ones closed; only a
// digest a deploy verified (its commit status) and never rolled back; the base pinned in the target.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { promote } from '../../../gitops/flows/promote.js';
import type { PromoteOptions } from '../../../gitops/flows/promote.js';
import { revertDeployment } from '../../../gitops/flows/revert.js';
import { NotVerifiedError } from '../../../gitops/flows/verified-release.js';
import { InputError } from '../../../gitops/errors.js';
import { renderOverlay } from '../../../gitops/adapters/kustomize.js';
import { readImage } from '../../../gitops/rules/kustomization.js';
import { parseTrailers } from '../../../gitops/rules/trailers.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { fakeTarget, recordVerification } from '../../helpers/github.js';
import {
  BASE_DEPLOYMENT,
  FIXTURE_IDENTITY,
  commitMessages,
  createGitFixture,
  git,
  showFile,
} from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

jest.setTimeout(120_000);

// The gke overlay as it was before base pinning: it rendered the live base. The first promotion switches
// it to its pinned copy.
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
const GKE_FILE = 'overlays/gke/kustomization.yaml';
const REGISTRY = 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const branchOf = (c: string) => `promote/gke/sha256-${c.repeat(12)}`;

let repo: GitFixture;
let gh: FakeGithubApi;
let person: string;

beforeEach(async () => {
  repo = await createGitFixture({ appCommits: 4 });
  person = await repo.clone('person');
  await repo.commitAndPush(person, { [GKE_FILE]: GKE }, 'add gke overlay');
  gh = await startFakeGithubApi({ gitRemote: repo.remote });
});
afterEach(async () => {
  await gh.close();
  await repo.cleanup();
});

/** Bumps minikube to `source` with digest `d` and returns the bump commit (the revision verify checks). */
async function bumpMinikube(source: string, d: string): Promise<string> {
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

const options = (extra: Partial<PromoteOptions> = {}): PromoteOptions => ({
  repo: repo.remote,
  from: 'overlays/minikube',
  to: 'overlays/gke',
  push: true,
  openPr: true,
  github: fakeTarget(gh),
  ...extra,
});

const heads = () =>
  git(repo.remote, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads']);

describe('one pull request per verified digest', () => {
  it('opens it once, never rewrites it under review, and a newer digest closes it', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    const bump1 = await bumpMinikube(c1, digest('a'));
    await recordVerification(gh, bump1);
    const logs: string[] = [];
    const first = await promote(options({ log: (l) => logs.push(l) }));
    expect(first).toMatchObject({
      changed: true,
      branch: branchOf('a'),
      pushed: true,
      sourceCommit: c1,
      digest: digest('a'),
      release: { revision: bump1, verified: 'status' },
      base: { source: 'deploy', revision: bump1, changed: true },
      pullRequest: { number: 1, created: true },
      superseded: [],
    });

    // The promoted overlay: same digest and tag, gke's registry path and comment kept, and the base
    // pinned: the promotion switched `../../deploy` to `base`, a copy of deploy/ as of the verified bump.
    const gkeText = await showFile(repo.remote, branchOf('a'), GKE_FILE);
    expect(readImage(gkeText, 'score-api')).toEqual({
      name: 'score-api',
      newName: REGISTRY,
      newTag: c1,
      digest: digest('a'),
    });
    expect(gkeText).toContain('# Artifact Registry');
    expect(gkeText).toMatch(/^resources:\n {2}- base\n/m);
    expect(gkeText).not.toContain('../../deploy');
    expect(await git(repo.remote, ['rev-parse', `${branchOf('a')}:overlays/gke/base`])).toBe(
      await git(repo.remote, ['rev-parse', `${bump1}:deploy`]),
    );
    // Rendering is unchanged but for the image: the copy is the base minikube verified.
    expect(first.diff).toContain(`+      - image: ${REGISTRY}:${c1}@${digest('a')}`);
    expect(first.diff.split('\n').filter((l) => /^[-+] /.test(l))).toHaveLength(2);

    const [message] = await commitMessages(repo.remote, branchOf('a'), ['-n', '1']);
    expect(parseTrailers(message as string)).toMatchObject({
      'Source-Commit': c1,
      'Image-Digest': digest('a'),
      Environment: 'gke',
      Overlay: 'overlays/gke',
      'Verified-Revision': bump1,
      'Base-Path': 'deploy',
      'Gitops-Action': 'promote',
    });
    const pr1 = gh.pulls[0]!;
    expect(pr1).toMatchObject({ head: branchOf('a'), base: 'main', state: 'open' });
    expect(pr1.body).toContain(digest('a'));
    expect(pr1.body).toContain(`at \`${bump1}\` (commit status \`gitops/verify/minikube\`)`);
    expect(pr1.body).toContain('```diff\n');
    expect(logs.join('\n')).not.toContain(gh.token);
    const tip1 = await git(repo.remote, ['rev-parse', branchOf('a')]);

    // A re-run: the branch already holds it, nothing pushed, no second pull request.
    const again = await promote(options());
    expect(again).toMatchObject({
      pushed: false,
      commit: tip1,
      pullRequest: { number: 1, created: false },
    });
    expect(
      gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls')),
    ).toHaveLength(1);

    // main moves on (a busy main): the branch under review is left exactly as approved.
    await repo.commitAndPush(person, { 'service/notes.txt': 'busy\n' }, 'app: unrelated change');
    const busy = await promote(options());
    expect(busy).toMatchObject({ pushed: false, underReview: true, commit: tip1 });
    expect(await git(repo.remote, ['rev-parse', branchOf('a')])).toBe(tip1);
    expect(gh.pulls).toHaveLength(1);

    // A newer verified digest: its own branch and pull request; the older one is closed, not rewritten.
    const bump2 = await bumpMinikube(c2, digest('b'));
    await recordVerification(gh, bump2);
    const second = await promote(options());
    expect(second).toMatchObject({
      branch: branchOf('b'),
      pushed: true,
      pullRequest: { number: 2, created: true },
      superseded: [1],
      release: { revision: bump2 },
    });
    expect(gh.pulls.map((p) => [p.number, p.state])).toEqual([
      [1, 'closed'],
      [2, 'open'],
    ]);
    const comment = gh.records.comments.find((c) => c.issue === 1);
    expect(comment?.body).toContain('Superseded by #2');
    // The closed pull request's branch is deleted (GitHub's "Delete branch").
    expect(await heads()).not.toContain(branchOf('a'));

    // A re-run of the newest promotion changes nothing; naming the older digest again (a manual
    // promotion) is a new request: a new pull request, and the one it replaces is closed.
    const rerun = await promote(options());
    expect(rerun).toMatchObject({
      pushed: false,
      pullRequest: { number: 2, created: false },
      superseded: [],
    });
    const back = await promote(options({ digest: digest('a') }));
    expect(back).toMatchObject({
      branch: branchOf('a'),
      pullRequest: { number: 3, created: true },
      superseded: [2],
    });
    expect(gh.pulls.filter((p) => p.state === 'open').map((p) => p.number)).toEqual([3]);
  });

  it('a manual promotion names an older verified digest while minikube pins a newer one', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    const bump1 = await bumpMinikube(c1, digest('a'));
    await recordVerification(gh, bump1);
    // deploy/ changes between the two releases: the older release's base is what gke gets.
    await repo.commitAndPush(
      person,
      { 'deploy/deployment.yaml': BASE_DEPLOYMENT.replace('replicas: 1', 'replicas: 2') },
      'deploy: two replicas',
    );
    const bump2 = await bumpMinikube(c2, digest('b'));
    await recordVerification(gh, bump2);
    const res = await promote(options({ digest: digest('a') }));
    expect(res).toMatchObject({
      branch: branchOf('a'),
      digest: digest('a'),
      sourceCommit: c1,
      release: { revision: bump1 },
    });
    const base = await showFile(repo.remote, branchOf('a'), 'overlays/gke/base/deployment.yaml');
    expect(base).toContain('replicas: 1');
  });
});

describe('only a digest a deploy verified, never one rolled back', () => {
  it('refuses before any side effect', async () => {
    const [, c1, c2, c3] = repo.commits as [string, string, string, string];
    const bump1 = await bumpMinikube(c1, digest('a'));
    const refs = await heads();
    const refused = async (extra: Partial<PromoteOptions>, re: RegExp) => {
      const err = await promote(options(extra)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotVerifiedError);
      expect((err as Error).message).toMatch(re);
    };
    // No verification recorded (verify still running, or never ran).
    await refused({}, /no revision pinning it has a successful gitops\/verify\/minikube status/);
    // Verification failed.
    await recordVerification(gh, bump1, { state: 'failure' });
    await refused({}, /is failure/);
    // A digest minikube never pinned.
    await refused({ digest: digest('f') }, /no revision in the last 200 changes/);
    // A verified digest rolled back later (a gitops revert names it).
    const bump2 = await bumpMinikube(c2, digest('b'));
    await recordVerification(gh, bump2);
    await revertDeployment({ repo: repo.remote, commit: bump2, reason: 'late 5xx', push: true });
    await refused({ digest: digest('b') }, /rolled back by/);
    // A verified digest whose bump someone reverted by hand.
    const bump3 = await bumpMinikube(c3, digest('c'));
    await recordVerification(gh, bump3);
    await git(person, ['pull', '--quiet', '--rebase', 'origin', 'main']);
    await git(person, [...FIXTURE_IDENTITY, 'revert', '--no-edit', bump3]);
    await git(person, ['push', '--quiet', 'origin', 'HEAD:main']);
    await refused({ digest: digest('c') }, /was reverted by/);

    expect((await heads()).split('\n').filter((l) => l.includes('promote/'))).toEqual(
      refs.split('\n').filter((l) => l.includes('promote/')),
    );
    expect(gh.pulls).toHaveLength(0);
  });

  it('rejects bad input before any side effect', async () => {
    const refs = await heads();
    await expect(promote(options({ to: 'overlays/minikube/' }))).rejects.toThrow(/must differ/);
    await expect(promote(options({ push: false }))).rejects.toThrow(/needs push/);
    await expect(promote(options({ to: 'overlays/prod' }))).rejects.toThrow(InputError);
    await expect(promote(options({ digest: 'sha256:abc' }))).rejects.toThrow(/digest/);
    // Naming a digest without the API to check it.
    await expect(
      promote(options({ digest: digest('a'), openPr: false, github: undefined })),
    ).rejects.toThrow(/needs the GitHub API/);
    // The bootstrap overlay pins the placeholder digest, which no deploy verified.
    await expect(promote(options())).rejects.toThrow(NotVerifiedError);
    expect(await heads()).toBe(refs);
    expect(gh.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});

describe('a change to the base reaches gke only through a promotion', () => {
  it('gke renders its pinned base until the next promotion carries the new one', async () => {
    const [, c1, c2] = repo.commits as [string, string, string];
    const bump1 = await bumpMinikube(c1, digest('a'));
    await recordVerification(gh, bump1);
    const first = await promote(options());
    // Merge the promotion (a merge commit, as GitHub's button makes).
    await git(person, ['pull', '--quiet', '--rebase', 'origin', 'main']);
    await git(person, ['fetch', '--quiet', 'origin', first.branch]);
    await git(person, [
      ...FIXTURE_IDENTITY,
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      'Merge #1',
      'FETCH_HEAD',
    ]);
    await git(person, ['push', '--quiet', 'origin', 'HEAD:main']);
    const gkeBefore = await renderOverlay(join(person, 'overlays/gke'));
    const minikubeBefore = await renderOverlay(join(person, 'overlays/minikube'));

    // A change to deploy/ on main: minikube renders it at once, gke does not.
    await repo.commitAndPush(
      person,
      { 'deploy/deployment.yaml': BASE_DEPLOYMENT.replace('replicas: 1', 'replicas: 3') },
      'deploy: three replicas',
    );
    expect(await renderOverlay(join(person, 'overlays/minikube'))).not.toBe(minikubeBefore);
    expect(await renderOverlay(join(person, 'overlays/gke'))).toBe(gkeBefore);

    // The next verified release carries it, in the promotion's rendered diff.
    const bump2 = await bumpMinikube(c2, digest('b'));
    await recordVerification(gh, bump2);
    const second = await promote(options());
    expect(second.base).toEqual({ source: 'deploy', revision: bump2, changed: true });
    expect(second.diff).toContain('-  replicas: 1');
    expect(second.diff).toContain('+  replicas: 3');
    expect(gh.pulls.find((p) => p.number === second.pullRequest?.number)?.body).toContain(
      '+  replicas: 3',
    );
  });

  it('works from a local clone without GitHub (verification unchecked), leaving its checkout alone', async () => {
    const [, c1] = repo.commits as [string, string];
    await bumpMinikube(c1, digest('c'));
    const clone = await repo.clone('work');
    const before = readFileSync(join(clone, GKE_FILE), 'utf8');
    const logs: string[] = [];
    const res = await promote({
      repo: clone,
      from: 'overlays/minikube',
      to: 'overlays/gke',
      push: true,
      log: (l) => logs.push(l),
    });
    expect(res).toMatchObject({ pushed: true, release: { verified: 'unchecked' } });
    expect(logs.join('\n')).toContain(
      'not checking that sha256:cccccccc… was verified on minikube',
    );
    expect(await git(clone, ['symbolic-ref', '--short', 'HEAD'])).toBe('main');
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
    expect(await git(clone, ['worktree', 'list'])).not.toContain('gitops-worktree');
    expect(readFileSync(join(clone, GKE_FILE), 'utf8')).toBe(before);

    // Merge the promotion, then revert the merge: gke is back where it was, base and all.
    await git(clone, ['fetch', '--quiet', 'origin']);
    await git(clone, [
      ...FIXTURE_IDENTITY,
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      'Merge',
      `origin/${res.branch}`,
    ]);
    expect(readImage(readFileSync(join(clone, GKE_FILE), 'utf8'), 'score-api')?.digest).toBe(
      digest('c'),
    );
    await git(clone, [...FIXTURE_IDENTITY, 'revert', '--no-edit', '-m', '1', 'HEAD']);
    expect(readFileSync(join(clone, GKE_FILE), 'utf8')).toBe(before);
    expect(await git(clone, ['ls-files', 'overlays/gke/base'])).toBe('');
  });
});
