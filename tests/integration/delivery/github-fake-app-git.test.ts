// The fake GitHub's App and git halves (tests/fakes/fake-github-app.ts, fake-github-git.ts), driven
// by the real clients: the create-github-app-token stand-in (the App's JWT -> installation token
// protocol) and git itself (clone, push past or into the ruleset on main), and the merge API.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeFakeApp } from '../../fakes/fake-github-app.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { REPO_ROOT } from '../../e2e/cluster/harness.js';

const run = promisify(execFile);
const STAND_IN = join(REPO_ROOT, 'tests', 'workflows', 'stand-ins', 'create-github-app-token');
const ID = ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid'];

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (
    await run('git', [...ID, ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })
  ).stdout.trim();
}

/** Runs the create-github-app-token stand-in as act runs a node action; returns its outputs. */
async function mintWithStandIn(
  gh: FakeGithubApi,
  inputs: Record<string, string>,
  dir: string,
): Promise<Record<string, string>> {
  const output = join(dir, 'output');
  const state = join(dir, 'state');
  await writeFile(output, '');
  await writeFile(state, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: output,
    GITHUB_STATE: state,
    GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
    'INPUT_GITHUB-API-URL': gh.url,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  await run(process.execPath, [join(STAND_IN, 'main.mjs')], { env });
  const parse = (text: string) =>
    Object.fromEntries(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const outputs = parse(await readFile(output, 'utf8'));
  for (const [k, v] of Object.entries(parse(await readFile(state, 'utf8'))))
    outputs[`state:${k}`] = v;
  return outputs;
}

describe('fake GitHub: App installation tokens, the repository over git with a ruleset, merges', () => {
  let dir: string;
  let bare: string;
  let gh: FakeGithubApi;
  const app = makeFakeApp();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-github-git-'));
    bare = join(dir, 'remote.git');
    await git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    const seed = join(dir, 'seed');
    await git(dir, 'clone', '--quiet', bare, seed);
    await writeFile(join(seed, 'a.txt'), 'a\n');
    await git(seed, 'add', '.');
    await git(seed, 'commit', '--quiet', '-m', 'seed');
    await git(seed, 'push', '--quiet', 'origin', 'HEAD:main');
    gh = await startFakeGithubApi({
      gitRemote: bare,
      hostGit: true,
      protectedBranches: ['main'],
      app,
    });
  });
  afterEach(async () => {
    await gh.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A clone through the fake with `token` stored as actions/checkout stores it. */
  async function cloneWith(token: string, name: string): Promise<string> {
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const path = join(dir, name);
    await git(dir, '-c', `http.extraheader=${header}`, 'clone', '--quiet', gh.cloneUrl, path);
    await git(path, 'config', `http.${gh.url}/.extraheader`, header);
    return path;
  }

  async function commit(clone: string, file: string): Promise<string> {
    await writeFile(join(clone, file), `${file}\n`);
    await git(clone, 'add', '.');
    await git(clone, 'commit', '--quiet', '-m', `add ${file}`);
    return git(clone, 'rev-parse', 'HEAD');
  }

  it('mints an installation token for the stand-in (RS256 JWT, client ID as iss) and revokes it', async () => {
    const out = await mintWithStandIn(
      gh,
      {
        'client-id': app.clientId,
        'private-key': app.privateKeyPem,
        'permission-contents': 'write',
      },
      dir,
    );
    expect(out).toMatchObject({
      'installation-id': String(app.installationId),
      'app-slug': app.slug,
    });
    expect(out.token).toMatch(/^ghs_/);
    expect(gh.installationTokens.map((t) => t.token)).toEqual([out.token]);
    expect(gh.installationTokens[0]?.permissions).toEqual({ contents: 'write' });
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${gh.owner}/${gh.repo}/installation`,
      `POST /app/installations/${app.installationId}/access_tokens`,
    ]);
    // The token works for the REST API until the post step revokes it.
    const list = () =>
      fetch(`${gh.url}/repos/${gh.owner}/${gh.repo}/pulls`, {
        headers: { authorization: `Bearer ${out.token}` },
      });
    expect((await list()).status).toBe(200);
    await run(process.execPath, [join(STAND_IN, 'post.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        STATE_token: out['state:token'] ?? '',
        STATE_expiresAt: out['state:expiresAt'] ?? '',
        'INPUT_GITHUB-API-URL': gh.url,
      },
    });
    expect(gh.installationTokens[0]?.revoked).toBe(true);
    expect((await list()).status).toBe(401);
  });

  it('refuses a JWT signed with another key, as GitHub does, and the stand-in fails naming the call', async () => {
    const other = makeFakeApp({ id: app.id });
    const err = await mintWithStandIn(
      gh,
      { 'app-id': String(app.id), 'private-key': other.privateKeyPem },
      dir,
    ).catch((e: unknown) => e);
    expect(String((err as { stdout?: string }).stdout)).toMatch(
      /GET \/repos\/.*\/installation: HTTP 401/,
    );
    expect(gh.installationTokens).toHaveLength(0);
  });

  it("lets only the App push to protected main: GITHUB_TOKEN's push is refused with GH013", async () => {
    const bot = await cloneWith(gh.token, 'bot');
    const sha = await commit(bot, 'b.txt');
    const refused = await git(bot, 'push', 'origin', 'HEAD:main').catch(
      (e: { stderr?: string }) => e.stderr ?? String(e),
    );
    expect(refused).toContain('GH013: Repository rule violations found for refs/heads/main');
    expect(refused).toContain('github-actions[bot] is not on the ruleset');
    expect(await git(bare, 'rev-parse', 'main')).not.toBe(sha);
    // Other branches are not protected.
    await git(bot, 'push', '--quiet', 'origin', 'HEAD:refs/heads/feature');

    const { token } = await mintWithStandIn(
      gh,
      { 'client-id': app.clientId, 'private-key': app.privateKeyPem },
      dir,
    );
    const appClone = await cloneWith(token as string, 'app');
    const appSha = await commit(appClone, 'c.txt');
    await git(appClone, 'push', '--quiet', 'origin', 'HEAD:main');
    expect(await git(bare, 'rev-parse', 'main')).toBe(appSha);
    expect(gh.pushes()).toEqual([
      expect.objectContaining({
        actor: 'github-actions[bot]',
        ref: 'refs/heads/feature',
        after: sha,
      }),
      expect.objectContaining({ actor: `${app.slug}[bot]`, ref: 'refs/heads/main', after: appSha }),
    ]);
  });

  it('answers git without a valid token with 401, as GitHub does for a private repository', async () => {
    const err = await git(dir, 'clone', '--quiet', gh.cloneUrl, join(dir, 'anon')).catch(
      (e: { stderr?: string }) => e.stderr ?? '',
    );
    expect(err).toMatch(/Authentication failed|could not read Username|401/);
    expect(gh.gitRequests.at(-1)).toMatchObject({ status: 401, actor: undefined });
  });

  it('merges a pull request with a merge commit and keeps refs/pull/N/head', async () => {
    const bot = await cloneWith(gh.token, 'bot');
    const head = await commit(bot, 'd.txt');
    await git(bot, 'push', '--quiet', 'origin', 'HEAD:refs/heads/topic');
    const auth = { authorization: `Bearer ${gh.token}`, 'content-type': 'application/json' };
    const created = await fetch(`${gh.url}/repos/${gh.owner}/${gh.repo}/pulls`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'topic', head: 'topic', base: 'main', body: 'b' }),
    });
    expect(created.status).toBe(201);
    expect(await git(bare, 'rev-parse', 'refs/pull/1/head')).toBe(head);
    const stale = await fetch(`${gh.url}/repos/${gh.owner}/${gh.repo}/pulls/1/merge`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ sha: '1'.repeat(40) }),
    });
    expect(stale.status).toBe(409);
    const merged = await fetch(`${gh.url}/repos/${gh.owner}/${gh.repo}/pulls/1/merge`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ merge_method: 'merge', sha: head }),
    });
    const body = (await merged.json()) as { sha: string; merged: boolean };
    expect(body.merged).toBe(true);
    expect(await git(bare, 'rev-parse', 'main')).toBe(body.sha);
    expect((await git(bare, 'rev-list', '--parents', '-n', '1', body.sha)).split(' ')).toEqual([
      body.sha,
      expect.any(String),
      head,
    ]);
    expect(gh.pulls[0]).toMatchObject({ state: 'closed', mergeCommit: body.sha });
  });
});
