import {
  GithubApiError,
  parseRepository,
  upsertPullRequest,
} from '../../../gitops/adapters/github.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { InputError } from '../../../gitops/errors.js';

describe('github.ts against the fake GitHub API', () => {
  let gh: FakeGithubApi;
  beforeEach(async () => {
    gh = await startFakeGithubApi({});
  });
  afterEach(async () => {
    await gh.close();
  });

  const target = () => ({ token: gh.token, owner: gh.owner, repo: gh.repo, apiUrl: gh.url });

  it('creates the PR once, then updates the same PR', async () => {
    const first = await upsertPullRequest(target(), {
      title: 't1',
      body: 'b1',
      head: 'promote/gke',
      base: 'main',
    });
    expect(first).toMatchObject({ number: 1, created: true, head: 'promote/gke', base: 'main' });
    const second = await upsertPullRequest(target(), {
      title: 't2',
      body: 'b2',
      head: 'promote/gke',
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
    expect(gh.requests[0]?.query).toMatchObject({ head: 'acme:promote/gke', state: 'open' });
    expect(gh.requests.every((r) => r.authorization === `Bearer ${gh.token}`)).toBe(true);
  });

  it('reports bad credentials as a typed error that does not contain the token', async () => {
    const err = (await upsertPullRequest(
      { ...target(), token: 'ghs_wrongSecretValue' },
      { title: 't', body: 'b', head: 'promote/gke', base: 'main' },
    ).catch((e: unknown) => e)) as GithubApiError;
    expect(err).toBeInstanceOf(GithubApiError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('Bad credentials');
    expect(`${err.message} ${err.hint ?? ''}`).not.toContain('ghs_wrongSecretValue');
  });

  it('surfaces GitHub validation errors with their message', async () => {
    const err = (await upsertPullRequest(target(), {
      title: '',
      body: '',
      head: 'promote/gke',
      base: 'main',
    }).catch((e: unknown) => e)) as GithubApiError;
    expect(err).toBeInstanceOf(GithubApiError);
    expect(err.status).toBe(422);
    expect(err.message).toContain('Validation Failed');
    expect(gh.pulls).toHaveLength(0);
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
