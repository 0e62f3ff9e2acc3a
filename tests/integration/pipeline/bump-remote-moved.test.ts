// The GitOps remote moves between the bump's fetch and its push (a pre-receive hook pushes another commit
// first, so the bump's ref update fails): the bump rebases and retries; a conflicting hand edit fails clearly.
import { chmodSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readImage } from '../../../gitops/rules/kustomization.js';
import { bumpStage } from '../../../scripts/pipeline/bump-stage.js';
import { testConfig, testContext } from './helpers.js';
import {
  addCommits,
  bareClone,
  cleanupTemp,
  gitSync as git,
  makeSourceRepo,
  tempDir,
} from '../../helpers/git-fixture.js';

afterAll(cleanupTemp);

const FILE = 'overlays/minikube/kustomization.yaml';
const digestOf = (sha: string): string =>
  `sha256:${createHash('sha256').update(sha).digest('hex')}`;

/** Installs a one-shot pre-receive hook that first pushes `edit` (a shell snippet without single quotes, run in a clone) to main. */
function moveUnderPush(remote: string, edit: string, message: string): void {
  const scratch = tempDir('pipeline-mover-');
  const mark = join(scratch, 'done');
  const hook = join(remote, 'hooks', 'pre-receive');
  // The hook runs inside receive-pack's quarantine: a clean environment lets the nested clone+push
  // write to the real object store and move the branch before the outer push takes its ref lock.
  writeFileSync(
    hook,
    `#!/bin/sh
cat >/dev/null
[ -f '${mark}' ] && exit 0
touch '${mark}'
env -i PATH="$PATH" HOME='${scratch}' GIT_AUTHOR_NAME=someone GIT_AUTHOR_EMAIL=s@example.com \\
  GIT_COMMITTER_NAME=someone GIT_COMMITTER_EMAIL=s@example.com sh -e -c '
  git clone -q '${remote}' '${scratch}/c' && cd '${scratch}/c'
  ${edit}
  git commit -q -am "${message}"
  git push -q origin HEAD:main
' >'${scratch}/log' 2>&1
exit 0
`,
  );
  chmodSync(hook, 0o755);
}

test('the remote moved under the push: rebase and retry succeed, both commits kept, linear', async () => {
  const work = makeSourceRepo();
  const [sha] = addCommits(work, 1) as [string];
  const remote = bareClone(work);
  moveUnderPush(remote, 'echo unrelated >> app.txt', 'unrelated change');
  const ctx = testContext(testConfig(work, { remote }));

  const out = await bumpStage(ctx, {
    sha,
    repository: '127.0.0.1:5000/score-api',
    digest: digestOf(sha),
  });

  expect(out.bump.status).toBe('committed');
  expect(out.bump.attempts).toBeGreaterThan(1);
  const subjects = git(remote, 'log', '--format=%s', '-n', '2', 'main').split('\n');
  expect(subjects[1]).toBe('unrelated change');
  expect(subjects[0]).toMatch(/^deploy\(minikube\)/);
  expect(git(remote, 'rev-parse', 'main')).toBe(out.bump.commit);
  expect(git(remote, 'rev-list', '--merges', 'main')).toBe('');
  expect(readImage(git(remote, 'show', `main:${FILE}`), 'score-api')).toMatchObject({
    newTag: sha,
    digest: digestOf(sha),
  });
  expect(out.diff).toContain(`+`);
  expect(out.diff).toContain(sha);
}, 120_000);

test('a conflicting hand edit of the same lines under the push fails clearly and writes nothing', async () => {
  const work = makeSourceRepo();
  const [sha] = addCommits(work, 1) as [string];
  const remote = bareClone(work);
  const handTag = '1111111111111111111111111111111111111111';
  moveUnderPush(
    remote,
    `sed -i "s/newTag: .*/newTag: \\"${handTag}\\"/" ${FILE}`,
    'hand edit of the image tag',
  );
  const ctx = testContext(testConfig(work, { remote }));

  await expect(
    bumpStage(ctx, { sha, repository: '127.0.0.1:5000/score-api', digest: digestOf(sha) }),
  ).rejects.toThrow(
    /kustomization\.yaml was changed concurrently by [0-9a-f]{12} "hand edit of the image tag"/,
  );
  expect(git(remote, 'log', '--format=%s', '-n', '1', 'main')).toBe('hand edit of the image tag');
  expect(readImage(git(remote, 'show', `main:${FILE}`), 'score-api')?.newTag).toBe(handTag);
  expect(git(remote, 'log', '--format=%s', 'main')).not.toMatch(/deploy\(minikube\)/);
}, 120_000);
