// Runs promote.yml's "Check the candidate" step (the real bash, extracted from the workflow) in a
// real git repository built with the library's own bump/revert commit messages, so the guard that
// keeps a rolled-back digest from being promoted again is tested as GitHub would run it.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { setImage } from '../../../gitops/rules/kustomization.js';
import { formatBumpMessage, formatRevertMessage } from '../../../gitops/rules/trailers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OVERLAY = 'overlays/minikube/kustomization.yaml';

async function candidateScript(): Promise<string> {
  const wf = parse(await readFile(join(root, '.github', 'workflows', 'promote.yml'), 'utf8')) as {
    jobs: { promote: { steps: { name?: string; run?: string }[] } };
  };
  const step = wf.jobs.promote.steps.find((s) => s.name === 'Check the candidate');
  if (!step?.run) throw new Error('promote.yml has no "Check the candidate" run step');
  return step.run;
}

const sha = (c: string) => c.repeat(40);
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('promote.yml candidate guard', () => {
  let dir: string;
  let script: string;
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

  async function bump(tag: string, dig: string): Promise<string> {
    const file = join(dir, OVERLAY);
    const res = setImage(await readFile(file, 'utf8'), {
      name: 'score-api',
      newName: 'localhost:5000/score-api',
      newTag: tag,
      digest: dig,
    });
    await writeFile(file, res.text);
    git('add', OVERLAY);
    const message = formatBumpMessage({
      environment: 'minikube',
      image: 'score-api',
      ref: `localhost:5000/score-api:${tag}@${dig}`,
      tag,
      digest: dig,
      sourceCommit: tag,
      overlay: 'overlays/minikube',
    });
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  }

  function revert(commit: string, sourceCommit: string): void {
    git('revert', '--no-commit', commit);
    const message = formatRevertMessage({
      environment: 'minikube',
      revertedCommit: commit,
      revertedSubject: git('log', '-1', '--format=%s', commit),
      sourceCommit,
      reason: 'rollout failed',
      overlay: 'overlays/minikube',
    });
    git('commit', '-q', '-m', message);
  }

  async function check(
    expectedSource = '',
    named: Record<string, string> = {},
  ): Promise<Record<string, string>> {
    const out = join(dir, '.github-output');
    await writeFile(out, '');
    const log = execFileSync('bash', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_OUTPUT: out, EXPECTED_SOURCE: expectedSource, ...named },
    });
    const outputs = Object.fromEntries(
      (await readFile(out, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    return { ...outputs, log };
  }

  beforeEach(async () => {
    script = await candidateScript();
    dir = await mkdtemp(join(tmpdir(), 'promote-guard-'));
    await cp(join(root, 'overlays'), join(dir, 'overlays'), { recursive: true });
    // The placeholder pin a new repository starts from, whatever this checkout's overlay pins now
    // (a deployed repository, such as the workflow tests' GitOps repository, pins a real release).
    const file = join(dir, OVERLAY);
    await writeFile(
      file,
      setImage(await readFile(file, 'utf8'), {
        name: 'score-api',
        newName: 'localhost:5000/score-api',
        newTag: sha('0'),
        digest: digest('0'),
      }).text,
    );
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'test');
    git('config', 'user.email', 'test@example.invalid');
    git('add', '.');
    git('commit', '-q', '-m', 'initial');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the placeholder pin', async () => {
    const res = await check();
    expect(res.skip).toBe('true');
    expect(res.log).toContain('placeholder');
  });

  it('promotes the verified bump and outputs its tag and digest', async () => {
    await bump(sha('a'), digest('1'));
    expect(await check(sha('a'))).toMatchObject({
      skip: 'false',
      tag: sha('a'),
      digest: digest('1'),
    });
    // workflow_dispatch (no expected source) promotes what minikube runs.
    expect((await check()).skip).toBe('false');
  });

  it('a manual promotion takes the digest the promote action checked, whatever minikube pins now', async () => {
    await bump(sha('a'), digest('1'));
    await bump(sha('b'), digest('2'));
    expect(await check('', { NAMED_DIGEST: digest('1'), NAMED_TAG: sha('a') })).toMatchObject({
      skip: 'false',
      digest: digest('1'),
      tag: sha('a'),
    });
  });

  it('refuses when minikube already pins a newer, unverified build', async () => {
    await bump(sha('a'), digest('1'));
    await bump(sha('b'), digest('2'));
    const res = await check(sha('a'));
    expect(res.skip).toBe('true');
    expect(res.log).toContain(`not the verified ${sha('a')}`);
  });

  it('refuses after the bump was reverted (last change is not a bump)', async () => {
    await bump(sha('a'), digest('1'));
    const bad = await bump(sha('b'), digest('2'));
    revert(bad, sha('b'));
    const res = await check();
    expect(res.skip).toBe('true');
    expect(res.log).toContain('is not a bump');
  });

  it('never re-opens a promotion for a digest that was rolled back before', async () => {
    await bump(sha('a'), digest('1'));
    const bad = await bump(sha('b'), digest('2'));
    revert(bad, sha('b'));
    // The same image pinned again later (e.g. a forced re-bump): still refused.
    await bump(sha('c'), digest('2'));
    const res = await check(sha('c'));
    expect(res.skip).toBe('true');
    expect(res.log).toContain(`${digest('2')} was rolled back before (commit ${bad} was reverted)`);
    // A different digest is fine.
    await bump(sha('d'), digest('3'));
    expect(await check(sha('d'))).toMatchObject({ skip: 'false', digest: digest('3') });
  });

  it('refuses a digest whose promotion merge commit was reverted by hand (git revert -m 1)', async () => {
    await bump(sha('a'), digest('1'));
    // The promotion PR merged with a merge commit: the digest is only in the merged commit's message.
    git('checkout', '-q', '-b', 'promote/gke');
    await writeFile(join(dir, 'overlays/gke/promoted'), digest('1'));
    git('add', '.');
    git(
      'commit',
      '-q',
      '-m',
      `Promote to gke\n\nGitops-Action: promote\nImage-Digest: ${digest('1')}`,
    );
    git('checkout', '-q', 'main');
    git(
      'merge',
      '-q',
      '--no-ff',
      '-m',
      'Merge pull request #7 from acme/promote/gke',
      'promote/gke',
    );
    const merge = git('rev-parse', 'HEAD');
    expect((await check(sha('a'))).skip).toBe('false');
    git('revert', '--no-edit', '-m', '1', merge);
    const res = await check(sha('a'));
    expect(res.skip).toBe('true');
    expect(res.log).toContain(`commit ${merge} was reverted`);
  });

  it('refuses a digest named by a library revert (Rolled-Back-Digest)', async () => {
    await bump(sha('a'), digest('1'));
    git(
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      `Revert promotion\n\nRolled-Back-Digest: ${digest('1')}`,
    );
    const res = await check(sha('a'));
    expect(res.skip).toBe('true');
    expect(res.log).toContain('Rolled-Back-Digest');
  });
});
