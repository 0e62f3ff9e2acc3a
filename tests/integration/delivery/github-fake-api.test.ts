// The GitHub adapters (Octokit from @actions/github) against the fake GitHub API over real HTTP: the calls,
// their idempotence, pagination, and the typed errors (never carrying the token).
import {
  GithubApiError,
  addComment,
  closePullRequest,
  commitAuthorLogin,
  createIssue,
  deleteBranch,
  ensureLabel,
  findIssues,
  listPullRequests,
  octokitFor,
  parseRepository,
  upsertPullRequest,
} from '../../../gitops/adapters/github.js';
import type { GithubTarget } from '../../../gitops/adapters/github.js';
import {
  MAX_STATUS_DESCRIPTION,
  createDeployment,
  latestCommitStatus,
  listCommitStatuses,
  listDeploymentStatuses,
  listDeployments,
  setCommitStatus,
  setDeploymentStatus,
} from '../../../gitops/adapters/github-deployments.js';
import { InputError } from '../../../gitops/errors.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { fakeTarget } from '../../helpers/github.js';
import { createGitFixture, git } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

let gh: FakeGithubApi;
let target: GithubTarget;
let fx: GitFixture;
beforeEach(async () => {
  fx = await createGitFixture({ appCommits: 2 });
  gh = await startFakeGithubApi({ gitRemote: fx.remote });
  target = fakeTarget(gh);
});
afterEach(async () => {
  await gh.close();
  await fx.cleanup();
});

const URLS = {
  environmentUrl: 'https://score.example.com',
  logUrl: 'https://github.com/acme/score-api-gitops/actions/runs/7',
};

describe('pull requests', () => {
  it('creates the PR once, then updates the same PR, with the token as Octokit sends it', async () => {
    await git(fx.remote, ['branch', 'promote/gke/x', 'main']);
    const first = await upsertPullRequest(target, {
      title: 't1',
      body: 'b1',
      head: 'promote/gke/x',
      base: 'main',
    });
    expect(first).toMatchObject({ number: 1, created: true, head: 'promote/gke/x', state: 'open' });
    const second = await upsertPullRequest(target, {
      title: 't2',
      body: 'b2',
      head: 'promote/gke/x',
      base: 'main',
    });
    expect(second).toMatchObject({ number: 1, created: false, title: 't2', body: 'b2' });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/score-api-gitops/pulls',
      'POST /repos/acme/score-api-gitops/pulls',
      'GET /repos/acme/score-api-gitops/pulls',
      'PATCH /repos/acme/score-api-gitops/pulls/1',
    ]);
    expect(gh.requests[0]?.query).toMatchObject({ head: 'acme:promote/gke/x', state: 'open' });
    expect(gh.requests.every((r) => r.authorization === `token ${gh.token}`)).toBe(true);
  });

  it('lists every page (Link header) and filters by base', async () => {
    for (let i = 0; i < 105; i += 1) {
      gh.pulls.push({
        number: i + 1,
        title: `p${i}`,
        body: '',
        head: `promote/gke/b${i}`,
        base: i % 5 === 0 ? 'release' : 'main',
        state: 'open',
      });
    }
    const all = await listPullRequests(target, { base: 'main', state: 'open' });
    expect(all).toHaveLength(84);
    expect(new Set(all.map((p) => p.number)).size).toBe(84);
    const pages = gh.requests.filter((r) => r.path.endsWith('/pulls'));
    expect(pages.map((r) => r.query.page ?? '1')).toEqual(['1']);
    const everything = await listPullRequests(target, { state: 'all' });
    expect(everything).toHaveLength(105);
    expect(gh.requests.filter((r) => r.path.endsWith('/pulls')).length).toBe(3);
  });

  it('closes a PR with a comment and deletes its branch once', async () => {
    await git(fx.remote, ['branch', 'promote/gke/old', 'main']);
    const pr = await upsertPullRequest(target, {
      title: 'old',
      body: '',
      head: 'promote/gke/old',
      base: 'main',
    });
    await closePullRequest(target, pr.number, 'Superseded by #2');
    expect(gh.pulls[0]?.state).toBe('closed');
    expect(gh.records.comments).toMatchObject([{ issue: 1, body: 'Superseded by #2' }]);
    expect(await deleteBranch(target, 'promote/gke/old')).toBe(true);
    expect(await git(fx.remote, ['branch', '--list', 'promote/gke/old'])).toBe('');
    expect(await deleteBranch(target, 'promote/gke/old')).toBe(false);
  });
});

describe('issues and labels', () => {
  it('creates the label once, finds an issue by its marker, and shares numbers with pull requests', async () => {
    gh.pulls.push({ number: 1, title: 'pr', body: '', head: 'x', base: 'main', state: 'open' });
    const label = { name: 'gitops-rollback', color: 'b60205', description: 'rolled back' };
    await ensureLabel(target, label);
    await ensureLabel(target, label);
    expect(gh.records.labels).toEqual([label]);
    const issue = await createIssue(target, {
      title: 'Rolled back',
      body: '<!-- marker:1 -->\nbody',
      labels: ['gitops-rollback'],
    });
    expect(issue.number).toBe(2);
    await createIssue(target, {
      title: 'other',
      body: '<!-- marker:2 -->',
      labels: ['gitops-rollback'],
    });
    expect(
      await findIssues(target, { label: 'gitops-rollback', marker: '<!-- marker:1 -->' }),
    ).toEqual([expect.objectContaining({ number: 2, state: 'open', title: 'Rolled back' })]);
    expect(await findIssues(target, { label: 'other', marker: '<!-- marker:1 -->' })).toEqual([]);
    await addComment(target, 2, 'still broken');
    await expect(addComment(target, 99, 'x')).rejects.toMatchObject({ status: 404 });
  });

  it('names the GitHub login of a commit author, or none when the email is linked to no account', async () => {
    gh.records.logins['fixture@example.test'] = 'octo-dev';
    expect(await commitAuthorLogin(target, fx.commits[1]!)).toBe('octo-dev');
    delete gh.records.logins['fixture@example.test'];
    expect(await commitAuthorLogin(target, fx.commits[1]!)).toBeUndefined();
    await expect(commitAuthorLogin(target, 'f'.repeat(40))).rejects.toMatchObject({ status: 422 });
  });
});

describe('commit statuses', () => {
  it('writes a status once, cuts a long description to 140 characters, and lists the newest first', async () => {
    const sha = fx.commits[2]!;
    const status = {
      state: 'failure' as const,
      context: 'gitops/deploy/minikube',
      description: `rolled back: ${'x'.repeat(300)}`,
      targetUrl: URLS.logUrl,
    };
    expect(await setCommitStatus(target, sha, status)).toEqual({ created: true });
    expect(await setCommitStatus(target, sha, status)).toEqual({ created: false });
    await setCommitStatus(target, sha, { ...status, state: 'success', description: 'live' });
    const list = await listCommitStatuses(target, sha);
    expect(list.map((s) => s.state)).toEqual(['success', 'failure']);
    expect(list[1]?.description).toHaveLength(MAX_STATUS_DESCRIPTION);
    expect(list[0]).toMatchObject({ creator: 'github-actions[bot]', targetUrl: URLS.logUrl });
    expect(await latestCommitStatus(target, sha, 'gitops/deploy/minikube')).toMatchObject({
      state: 'success',
    });
    expect(gh.records.statuses).toHaveLength(2);
    await expect(setCommitStatus(target, 'e'.repeat(40), status)).rejects.toMatchObject({
      status: 422,
    });
  });
});

describe('Deployments', () => {
  it('creates one, writes each status once, and auto_inactive retires the earlier success', async () => {
    const [, a, b] = fx.commits as [string, string, string];
    // A failing status on the commit: GitHub would refuse a Deployment requiring every context to pass.
    await setCommitStatus(target, a, {
      state: 'failure',
      context: 'ci',
      description: 'red',
      targetUrl: URLS.logUrl,
    });
    await expect(
      octokitFor(target).rest.repos.createDeployment({
        owner: gh.owner,
        repo: gh.repo,
        ref: a,
        environment: 'minikube',
      }),
    ).rejects.toMatchObject({ status: 409 });
    const first = await createDeployment(target, {
      sha: a,
      environment: 'minikube',
      description: 'release a',
      payload: { gitops: { revision: a } },
      productionEnvironment: false,
    });
    expect(first).toMatchObject({
      sha: a,
      environment: 'minikube',
      payload: { gitops: { revision: a } },
    });
    for (let i = 0; i < 2; i += 1) {
      await setDeploymentStatus(target, first.id, {
        state: 'in_progress',
        description: 'verifying',
        ...URLS,
      });
      await setDeploymentStatus(target, first.id, {
        state: 'success',
        description: 'healthy',
        ...URLS,
      });
    }
    expect((await listDeploymentStatuses(target, first.id)).map((s) => s.state)).toEqual([
      'success',
      'in_progress',
    ]);
    const second = await createDeployment(target, {
      sha: b,
      environment: 'minikube',
      description: 'release b',
      payload: {},
      productionEnvironment: false,
    });
    await setDeploymentStatus(target, second.id, {
      state: 'success',
      description: 'healthy',
      ...URLS,
    });
    expect((await listDeploymentStatuses(target, first.id))[0]).toMatchObject({
      state: 'inactive',
      ...URLS,
    });
    expect(await listDeployments(target, { sha: b, environment: 'minikube' })).toEqual([
      expect.objectContaining({ id: second.id }),
    ]);
    await expect(
      setDeploymentStatus(target, 424242, { state: 'success', description: '', ...URLS }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('errors', () => {
  it('reports bad credentials as a typed error that does not contain the token', async () => {
    const err = (await upsertPullRequest(
      { ...target, token: 'ghs_wrongSecretValue' },
      { title: 't', body: 'b', head: 'promote/gke', base: 'main' },
    ).catch((e: unknown) => e)) as GithubApiError;
    expect(err).toBeInstanceOf(GithubApiError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('Bad credentials');
    expect(err.hint).toContain('check the token');
    expect(`${err.message} ${err.hint ?? ''} ${JSON.stringify(err)}`).not.toContain(
      'ghs_wrongSecretValue',
    );
  });

  it('surfaces GitHub validation errors with their message, and reaches nothing twice on a write', async () => {
    const err = (await upsertPullRequest(target, {
      title: '',
      body: '',
      head: 'promote/gke',
      base: 'main',
    }).catch((e: unknown) => e)) as GithubApiError;
    expect(err).toBeInstanceOf(GithubApiError);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(
      /^GitHub create pull request promote\/gke -> main failed \(HTTP 422\): Validation Failed/,
    );
    expect(gh.pulls).toHaveLength(0);
  });

  it('a server that is not there is status 0, after retrying a read', async () => {
    const url = gh.url;
    await gh.close();
    const err = (await listPullRequests({ ...target, apiUrl: url }, { state: 'open' }).catch(
      (e: unknown) => e,
    )) as GithubApiError;
    expect(err).toBeInstanceOf(GithubApiError);
    expect(err.status).toBe(0);
    expect(err.message).toContain('GitHub list open pull requests failed:');
    gh = await startFakeGithubApi({});
  });

  it('parses owner/repo and rejects anything else naming the input', () => {
    expect(parseRepository('acme/score-api-gitops')).toEqual({
      owner: 'acme',
      repo: 'score-api-gitops',
    });
    expect(() => parseRepository('acme')).toThrow(InputError);
    expect(() => parseRepository('a/b/c', 'GITHUB_REPOSITORY')).toThrow(/GITHUB_REPOSITORY/);
  });
});
