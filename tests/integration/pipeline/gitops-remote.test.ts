// The embedded GitOps remote: a bare repository in the cache folder, created from the current commit on
// the first run, moved forward (or merged over its bump commits) on later runs, and never a change to the
// user's own repository: no remote, no branch, no config. Real git.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImage } from '../../../gitops/rules/kustomization.js';
import { bumpStage } from '../../../scripts/pipeline/bump-stage.js';
import { syncLocalRemote } from '../../../scripts/pipeline/gitops-remote.js';
import { testConfig, testContext } from './helpers.js';
import {
  addCommits,
  cleanupTemp,
  gitSync as git,
  makeSourceRepo,
  tempDir,
} from '../../helpers/git-fixture.js';

afterAll(cleanupTemp);

const FILE = 'overlays/minikube/kustomization.yaml';
const digestOf = (sha: string): string =>
  `sha256:${createHash('sha256').update(sha).digest('hex')}`;

/** Everything about the user's repository a run must leave alone. */
function userState(work: string): string {
  return [
    git(work, 'for-each-ref', '--format=%(refname) %(objectname)'),
    git(work, 'remote', '-v'),
    readFileSync(join(work, '.git', 'config'), 'utf8'),
    git(work, 'status', '--porcelain', '--untracked-files=normal'),
  ].join('\n---\n');
}

test('created, fast-forwarded, merged over earlier bumps; the user repository untouched', async () => {
  const work = makeSourceRepo();
  const [c1] = addCommits(work, 1) as [string];
  const remote = join(tempDir('pipeline-cache-'), 'gitops-remote.git');
  const before = userState(work);
  const sync = (sha: string) => syncLocalRemote({ repoRoot: work, sha, remote, branch: 'main' });

  expect(await sync(c1)).toBe('created');
  expect(existsSync(join(remote, 'HEAD'))).toBe(true);
  expect(git(remote, 'rev-parse', 'main')).toBe(c1);
  expect(await sync(c1)).toBe('up-to-date');

  const [c2] = addCommits(work, 1) as [string];
  expect(await sync(c2)).toBe('fast-forward');
  expect(git(remote, 'rev-parse', 'main')).toBe(c2);

  // A bump lands on the remote; the next source commit is merged over it, keeping the pinned image.
  const ctx = testContext(testConfig(work, { remote }));
  const bumped = await bumpStage(ctx, {
    sha: c2,
    repository: '127.0.0.1:5000/score-api',
    digest: digestOf(c2),
  });
  expect(bumped.bump.status).toBe('committed');
  const [c3] = addCommits(work, 1) as [string];
  expect(await sync(c3)).toBe('merged');
  const tip = git(remote, 'rev-parse', 'main');
  expect(git(remote, 'merge-base', '--is-ancestor', c3, tip)).toBe('');
  expect(git(remote, 'merge-base', '--is-ancestor', bumped.bump.commit, tip)).toBe('');
  expect(readImage(git(remote, 'show', `main:${FILE}`), 'score-api')?.newTag).toBe(c2);
  expect(git(remote, 'show', 'main:app.txt')).toBe('v3');

  expect(userState(work)).toBe(before.replace(/^(refs\/heads\/main) \w+/m, `$1 ${c3}`));
}, 120_000);

test('a source commit that conflicts with the bumps fails clearly and names the fix', async () => {
  const work = makeSourceRepo();
  const [c1] = addCommits(work, 1) as [string];
  const remote = join(tempDir('pipeline-cache-'), 'gitops-remote.git');
  await syncLocalRemote({ repoRoot: work, sha: c1, remote, branch: 'main' });
  const ctx = testContext(testConfig(work, { remote }));
  await bumpStage(ctx, { sha: c1, repository: '127.0.0.1:5000/score-api', digest: digestOf(c1) });
  const tip = git(remote, 'rev-parse', 'main');

  // The user edits the same pinned lines by hand in their own history.
  const text = readFileSync(join(work, FILE), 'utf8').replace(
    /newTag: .*/,
    "newTag: 'hand-edited'",
  );
  writeFileSync(join(work, FILE), text);
  git(work, 'commit', '--quiet', '-am', 'pin by hand');
  const c2 = git(work, 'rev-parse', 'HEAD');

  await expect(
    syncLocalRemote({ repoRoot: work, sha: c2, remote, branch: 'main' }),
  ).rejects.toThrow(
    new RegExp(`cannot take the current commit: merge conflict in ${FILE.replace(/\./g, '\\.')}`),
  );
  expect(git(remote, 'rev-parse', 'main')).toBe(tip);
}, 120_000);
