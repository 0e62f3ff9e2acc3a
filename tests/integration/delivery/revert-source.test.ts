// After a rollback, the pull request (or issue) that takes the rolled-back source off main
// (flows/revert-source.ts): real git history, real reverts, the fake GitHub API; once per source commit.
import { jest } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { revertDeployment } from '../../../gitops/flows/revert.js';
import { lastHealthySource, revertSource } from '../../../gitops/flows/revert-source.js';
import type { RevertSourceOptions } from '../../../gitops/flows/revert-source.js';
import { Git } from '../../../gitops/adapters/git.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { fakeTarget } from '../../helpers/github.js';
import { commitMessages, createGitFixture, fixtureBump, git } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

jest.setTimeout(120_000);

let fx: GitFixture;
let gh: FakeGithubApi;
let dev: string;

beforeEach(async () => {
  fx = await createGitFixture({ appCommits: 2 });
  dev = await fx.clone('dev');
  gh = await startFakeGithubApi({ gitRemote: fx.remote });
  gh.records.logins['alice@example.test'] = 'alice';
  gh.records.logins['bob@example.test'] = 'bob-dev';
});
afterEach(async () => {
  await gh.close();
  await fx.cleanup();
});

/** A commit by `who` writing `files`, pushed to main. */
async function commitBy(
  who: 'Alice' | 'Bob' | 'Carol',
  files: Record<string, string>,
  subject: string,
): Promise<string> {
  await git(dev, ['pull', '--quiet', '--rebase', 'origin', 'main']);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dev, path)), { recursive: true });
    await writeFile(join(dev, path), text);
    await git(dev, ['add', path]);
  }
  await git(dev, [
    'commit',
    '--quiet',
    `--author=${who} <${who.toLowerCase()}@example.test>`,
    '-m',
    subject,
  ]);
  await git(dev, ['push', '--quiet', 'origin', 'HEAD:main']);
  return git(dev, ['rev-parse', 'HEAD']);
}

async function bump(source: string): Promise<string> {
  const res = await bumpOverlay(fixtureBump(fx.remote, source));
  return res.commit;
}

/** Bumps `source`, then rolls the bump back as verify does; returns the bump and the revert. */
async function rolledBack(source: string): Promise<{ bump: string; revert: string }> {
  const b = await bump(source);
  const r = await revertDeployment({
    repo: fx.remote,
    commit: b,
    reason: 'crash loop',
    push: true,
  });
  return { bump: b, revert: r.commit };
}

const options = (
  revision: string,
  extra: Partial<RevertSourceOptions> = {},
): RevertSourceOptions => ({
  repo: fx.remote,
  environment: 'minikube',
  revision,
  reason: 'pods crash-looping: CrashLoopBackOff',
  logUrl: 'https://github.com/acme/score-api-gitops/actions/runs/9',
  github: fakeTarget(gh),
  push: true,
  ...extra,
});

it('opens one pull request reverting every source commit since the last healthy release, to their authors', async () => {
  await bump(fx.commits[2]!); // the last healthy release
  const a = await commitBy('Alice', { 'service/a.txt': 'a\n' }, 'feat: a');
  const b = await commitBy('Bob', { 'service/b.txt': 'b\n' }, 'feat: b');
  const { bump: bad, revert } = await rolledBack(b);

  const res = await revertSource(options(bad, { revertCommit: revert }));
  expect(res).toMatchObject({
    status: 'pull-request',
    created: true,
    number: 1,
    sourceCommit: b,
    lastHealthySource: fx.commits[2],
    branch: `gitops/revert-source/minikube/${b.slice(0, 12)}`,
  });
  expect(res.commits.map((c) => [c.sha, c.login])).toEqual([
    [b, 'bob-dev'],
    [a, 'alice'],
  ]);
  const pr = gh.pulls[0]!;
  expect(pr).toMatchObject({ head: res.branch, base: 'main', state: 'open' });
  expect(pr.body).toMatch(
    /^<!-- gitops:revert-source environment=minikube source=[0-9a-f]{40} -->\n@bob-dev, @alice: /,
  );
  expect(pr.body).toContain('| Verdict | rolled back: pods crash-looping: CrashLoopBackOff |');
  expect(pr.body).toContain(`| Last healthy release | \`${fx.commits[2]}\` |`);
  expect(pr.body).toContain(`reverted by \`${revert}\``);
  // The branch: main, then git's own reverts of b and a (newest first); the files are gone.
  const messages = await commitMessages(fx.remote, res.branch!, ['-n', '2']);
  expect(messages.map((m) => m.split('\n').find((l) => l.startsWith('This reverts')))).toEqual([
    `This reverts commit ${a}.`,
    `This reverts commit ${b}.`,
  ]);
  expect(messages.every((m) => !m.includes('Gitops-Action'))).toBe(true);
  const files = await git(fx.remote, ['ls-tree', '-r', '--name-only', res.branch!]);
  expect(files).not.toContain('service/a.txt');
  expect(files).not.toContain('service/b.txt');
  expect(await git(fx.remote, ['rev-parse', `${res.branch}~2`])).toBe(
    await git(fx.remote, ['rev-parse', 'main']),
  );

  // A retry opens nothing: the pull request is found by its branch.
  const again = await revertSource(options(bad, { revertCommit: revert }));
  expect(again).toMatchObject({ status: 'exists', number: 1, created: false });
  gh.pulls[0]!.state = 'closed'; // closed by a person who fixed forward: still handled
  expect((await revertSource(options(bad))).status).toBe('exists');
  expect(gh.pulls).toHaveLength(1);
});

it('opens one issue when the revert does not apply cleanly', async () => {
  await bump(fx.commits[2]!);
  const a = await commitBy('Alice', { 'service/version.txt': 'alice\n' }, 'fix: version');
  const { bump: bad } = await rolledBack(a);
  // Someone else changes the same line after it: reverting a conflicts.
  await commitBy('Carol', { 'service/version.txt': 'carol\n' }, 'fix: version again');
  const heads = await git(fx.remote, ['for-each-ref', '--format=%(refname)', 'refs/heads']);

  const res = await revertSource(options(bad));
  expect(res).toMatchObject({ status: 'issue', created: true, number: 1 });
  expect(res.detail).toMatch(
    /the revert of [0-9a-f]{12} \("fix: version"\) does not apply cleanly \(conflicts in service\/version.txt\)/,
  );
  const [issue] = gh.records.issues;
  expect(issue).toMatchObject({ labels: ['gitops-rollback'], state: 'open' });
  expect(issue!.title).toBe(`Rolled back on minikube: ${a.slice(0, 7)} is still on main`);
  expect(issue!.body).toContain('@alice: ');
  expect(issue!.body).toContain('does not apply cleanly');
  expect(gh.records.labels.map((l) => l.name)).toEqual(['gitops-rollback']);
  // No branch was pushed, and a retry finds the issue by its marker.
  expect(await git(fx.remote, ['for-each-ref', '--format=%(refname)', 'refs/heads'])).toBe(heads);
  expect(await revertSource(options(bad))).toMatchObject({ status: 'exists', number: 1 });
  expect(gh.records.issues).toHaveLength(1);
  expect(gh.pulls).toHaveLength(0);
});

it('the last healthy release skips releases that were rolled back, whose source is reverted too', async () => {
  const good = await bump(fx.commits[2]!);
  const x = await commitBy('Alice', { 'service/x.txt': 'x\n' }, 'feat: x');
  await rolledBack(x); // an earlier bad release: its source is still on main
  const y = await commitBy('Bob', { 'service/y.txt': 'y\n' }, 'feat: y');
  const { bump: bad } = await rolledBack(y);
  const work = await fx.clone('read');
  expect(await lastHealthySource(new Git(work), 'overlays/minikube', bad)).toBe(fx.commits[2]);
  const plan = await revertSource(options(bad, { push: false }));
  expect(plan).toMatchObject({ status: 'planned', lastHealthySource: fx.commits[2] });
  expect(plan.commits.map((c) => c.sha)).toEqual([y, x]);
  expect(gh.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  expect(good).toMatch(/^[0-9a-f]{40}$/);
});

it('nothing to revert: a source reverted already, or a commit that is no deployment', async () => {
  await bump(fx.commits[2]!);
  const a = await commitBy('Alice', { 'service/a.txt': 'a\n' }, 'feat: a');
  const { bump: bad } = await rolledBack(a);
  await git(dev, ['pull', '--quiet', '--rebase', 'origin', 'main']);
  await git(dev, ['revert', '--no-edit', a]);
  await git(dev, ['push', '--quiet', 'origin', 'HEAD:main']);
  expect(await revertSource(options(bad))).toMatchObject({
    status: 'nothing-to-revert',
    commits: [],
  });
  expect((await revertSource(options(a))).detail).toMatch(/is not a gitops bump or promotion/);
  expect(gh.pulls).toHaveLength(0);
  expect(gh.records.issues).toHaveLength(0);
});

it('refuses bad input before any side effect', async () => {
  await expect(revertSource(options('abc'))).rejects.toThrow(/revision/);
  await expect(revertSource(options('a'.repeat(40), { reason: ' ' }))).rejects.toThrow(/reason/);
  await expect(revertSource(options('a'.repeat(40), { environment: 'Prod' }))).rejects.toThrow(
    /environment/,
  );
  await expect(revertSource(options('a'.repeat(40), { revertCommit: 'x' }))).rejects.toThrow(
    /revert-commit/,
  );
  expect(gh.requests).toHaveLength(0);
});
