// Bad input stops the pipeline before any side effect, with an error naming the input: the GitOps remote
// keeps its tip, the working tree stays clean, no image reaches the registry. The pipeline runs as a process.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bumpStage } from '../../../scripts/pipeline/bump-stage.js';
import {
  SHARED_REGISTRY,
  registryTags,
  runPipelineProcess,
  testConfig,
  testContext,
} from './helpers.js';
import {
  addCommits,
  bareClone,
  cleanupTemp,
  gitSync as git,
  makeSourceRepo,
} from '../../helpers/git-fixture.js';
import { registryAnswers } from '../../../scripts/pipeline/registry-server.js';

afterAll(cleanupTemp);

const FILE = 'overlays/minikube/kustomization.yaml';
const repository = `pipeline-it/bad-input-${process.pid}`;

/** Runs the pipeline in `work` against `remote` and checks that nothing was written anywhere. */
async function expectRefused(
  work: string,
  remote: string,
  args: string[],
  message: RegExp,
): Promise<string> {
  const tip = git(remote, 'rev-parse', 'main');
  const res = await runPipelineProcess(
    work,
    ['--skip-lint', '--skip-tests', '--registry', SHARED_REGISTRY, '--remote', remote, ...args],
    { ...process.env, PIPELINE_IMAGE_REPOSITORY: repository },
  );
  const output = res.stdout + res.stderr;
  expect({ code: res.code, output }).toEqual({ code: 2, output: expect.stringMatching(message) });
  expect(output).not.toMatch(/▶ (build|bump|deploy)/);
  expect(git(remote, 'rev-parse', 'main')).toBe(tip);
  expect(git(work, 'status', '--porcelain', '--untracked-files=normal')).toBe('');
  if (await registryAnswers(SHARED_REGISTRY))
    expect(await registryTags(SHARED_REGISTRY, repository)).toEqual([]);
  return output;
}

test('a malformed kustomization.yaml is named, before any side effect', async () => {
  const work = makeSourceRepo();
  const remote = bareClone(work);
  writeFileSync(join(work, FILE), 'images:\n  - name: score-api\n    newTag: [unclosed\n');
  git(work, 'commit', '--quiet', '-am', 'break the overlay');
  await expectRefused(
    work,
    remote,
    [],
    new RegExp(`${FILE.replace(/\./g, '\\.')}: is not valid YAML`),
  );
}, 60_000);

test('a missing overlay is named', async () => {
  const work = makeSourceRepo();
  const remote = bareClone(work);
  await expectRefused(
    work,
    remote,
    ['--overlay', 'overlays/nope'],
    /overlay: 'overlays\/nope' is not a directory/,
  );
}, 60_000);

test('an invalid registry (image reference) is named', async () => {
  const work = makeSourceRepo();
  const remote = bareClone(work);
  await expectRefused(
    work,
    remote,
    ['--registry', 'Bad Host:5000'],
    /--registry: 'Bad Host:5000\/score-api' is not a valid image reference/,
  );
}, 60_000);

test('an unknown flag and a malformed --build-arg are named', async () => {
  const work = makeSourceRepo();
  const remote = bareClone(work);
  await expectRefused(work, remote, ['--registy', 'x'], /flags: Unknown option '--registy'/);
  await expectRefused(
    work,
    remote,
    ['--build-arg', 'NOEQUALS'],
    /--build-arg: 'NOEQUALS' must be KEY=VALUE/,
  );
}, 60_000);

test('a dirty working tree is refused: a commit SHA tag must name exactly that commit', async () => {
  const work = makeSourceRepo();
  const remote = bareClone(work);
  writeFileSync(join(work, 'app.txt'), 'uncommitted\n');
  const tip = git(remote, 'rev-parse', 'main');
  const res = await runPipelineProcess(
    work,
    ['--skip-lint', '--skip-tests', '--remote', remote],
    process.env,
  );
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(
    /working tree: has uncommitted changes \(M app\.txt\); refusing to tag uncommitted code/,
  );
  expect(res.stderr).toMatch(/--allow-dirty/);
  expect(git(remote, 'rev-parse', 'main')).toBe(tip);
}, 60_000);

test('an invalid SHA and an invalid image reference reach the bump stage: named, remote unchanged', async () => {
  const work = makeSourceRepo();
  addCommits(work, 1);
  const remote = bareClone(work);
  const tip = git(remote, 'rev-parse', 'main');
  const ctx = testContext(testConfig(work, { remote }));
  const digest = `sha256:${createHash('sha256').update('x').digest('hex')}`;
  await expect(
    bumpStage(ctx, { sha: 'abc123', repository: '127.0.0.1:5000/score-api', digest }),
  ).rejects.toThrow(/sha: 'abc123' is not a full commit SHA/);
  const sha = git(work, 'rev-parse', 'HEAD');
  await expect(
    bumpStage(ctx, { sha, repository: '127.0.0.1:5000/Score_API', digest }),
  ).rejects.toThrow(/must be lowercase/);
  await expect(
    bumpStage(ctx, { sha, repository: '127.0.0.1:5000/score-api', digest: 'sha256:xyz' }),
  ).rejects.toThrow(/image\.digest: 'sha256:xyz' is not a digest/);
  expect(git(remote, 'rev-parse', 'main')).toBe(tip);
}, 60_000);
