/**
 * A fake of GitHub on loopback (real HTTP, GitHub's JSON shapes, status codes and error bodies), for what
 * cannot run here:
 * - REST pull requests: list by head, base and state (paginated), create (422 when one is already open for the
 *   head, or the head branch does not exist), update (title, body, state), get, merge (a real merge commit or
 *   squash in the bare repository), and branch deletion;
 * - issues, comments, labels, commit statuses, Deployments and their statuses, a commit's author login
 *   (tests/fakes/fake-github-records.ts);
 * - with `app`: a GitHub App installed on the repository, minting installation tokens from an RS256 JWT
 *   (tests/fakes/fake-github-app.ts), as actions/create-github-app-token asks for them;
 * - with `hostGit`: the repository itself over Git smart HTTP at `/{owner}/{repo}.git`, authenticated by
 *   token, with a ruleset on `protectedBranches` that only the App (on the bypass list) may push past
 *   (tests/fakes/fake-github-git.ts). PR creation then also writes `refs/pull/N/head`, as GitHub does.
 * It checks the Authorization header and records every REST request (and, apart, every git request).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtRejected, mintInstallationToken, verifyAppJwt } from './fake-github-app.js';
import type { FakeApp, FakeInstallationToken } from './fake-github-app.js';
import { installHooks, readPushes, serveGit, tokenOf } from './fake-github-git.js';
import type { FakeGitRequest, FakePush, GitActor } from './fake-github-git.js';
import { createRecords, paginate, resolveCommit } from './fake-github-records.js';
import type { FakeGithubRecords, FakeResponse } from './fake-github-records.js';

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  /** Set when the PR was merged through the fake. */
  mergeCommit?: string;
}

export interface FakeGithubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  body?: Record<string, unknown>;
}

export interface FakeGithubApi {
  url: string;
  owner: string;
  repo: string;
  token: string;
  pulls: FakePull[];
  requests: FakeGithubRequest[];
  /** Issues, comments, labels, commit statuses, Deployments (tests/fakes/fake-github-records.ts). */
  records: FakeGithubRecords;
  /** Git smart-HTTP requests (hostGit), with the actor each authenticated as. */
  gitRequests: FakeGitRequest[];
  /** Installation tokens the App handed out (app). */
  installationTokens: FakeInstallationToken[];
  /** `${url}/${owner}/${repo}.git` when hostGit. */
  cloneUrl: string;
  /** The ref updates pushed through the fake's git (hostGit), with who pushed them. */
  pushes(): FakePush[];
  /** The branches the ruleset protects now (hostGit); a test may change them. */
  protectedBranches: string[];
  close(): Promise<void>;
}

/** Options of startFakeGithubApi. */
export interface FakeGithubOptions {
  owner?: string;
  repo?: string;
  /** The token of the workflow job (GITHUB_TOKEN); its pushes are github-actions[bot]'s. */
  token?: string;
  /** A bare repo path: PR creation checks that the head branch was pushed; merges happen here. */
  gitRemote?: string;
  /** Serve gitRemote over Git smart HTTP (needs gitRemote). */
  hostGit?: boolean;
  /** Branches a ruleset protects (hostGit): only a bypass actor may push to them. */
  protectedBranches?: string[];
  /** A GitHub App installed on the repository. */
  app?: FakeApp;
  /** Whether the App is on the ruleset's bypass list (default true). */
  appBypass?: boolean;
}

// What the App is granted on its installation: the pipeline's writes (push, PRs, issues, records).
const GRANTED = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  deployments: 'write',
  statuses: 'write',
  metadata: 'read',
};

// GitHub's answer to a pull request body over its limit.
const BODY_TOO_LONG = {
  message: 'Validation Failed',
  errors: [
    {
      resource: 'Issue',
      field: 'body',
      code: 'custom',
      message: 'body is too long (maximum is 65536 characters)',
    },
  ],
};

/** True when a create/update request's PR body is over GitHub's 65,536-character limit. */
function bodyTooLong(b: Record<string, unknown>): boolean {
  return typeof b.body === 'string' && b.body.length > 65536;
}

/** Starts the fake; `gitRemote` (a bare repo path) makes PR creation check that the head branch was pushed. */
export async function startFakeGithubApi(opts: FakeGithubOptions): Promise<FakeGithubApi> {
  if (opts.hostGit && !opts.gitRemote) throw new Error('fake GitHub: hostGit needs gitRemote');
  if (opts.hostGit && opts.gitRemote) installHooks(opts.gitRemote);
  const fake: FakeGithubApi = {
    url: '',
    owner: opts.owner ?? 'acme',
    repo: opts.repo ?? 'score-api-gitops',
    token: opts.token ?? 'ghs_fakeTokenForTests000000000000000000',
    pulls: [],
    requests: [],
    records: undefined as unknown as FakeGithubRecords,
    gitRequests: [],
    installationTokens: [],
    cloneUrl: '',
    pushes: () => (opts.hostGit && opts.gitRemote ? readPushes(opts.gitRemote) : []),
    protectedBranches: [...(opts.protectedBranches ?? [])],
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections (fetch keeps them) would hold close() open.
        server.closeAllConnections();
      }),
  };

  // Issues and pull requests share one number sequence, as on GitHub.
  const nextNumber = (): number =>
    1 +
    Math.max(0, ...fake.pulls.map((p) => p.number), ...fake.records.issues.map((i) => i.number));
  const recordsRouter = createRecords({
    get url() {
      return fake.url;
    },
    owner: fake.owner,
    repo: fake.repo,
    gitRemote: opts.gitRemote,
    nextNumber,
    pullNumbers: () => fake.pulls.map((p) => p.number),
  });
  fake.records = recordsRouter.records;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });

  function pullJson(p: FakePull): Record<string, unknown> {
    return {
      url: `${fake.url}/repos/${fake.owner}/${fake.repo}/pulls/${p.number}`,
      html_url: `https://github.com/${fake.owner}/${fake.repo}/pull/${p.number}`,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      head: { label: `${fake.owner}:${p.head}`, ref: p.head, sha: tipOf(p.head) },
      base: { label: `${fake.owner}:${p.base}`, ref: p.base, sha: tipOf(p.base) },
      merged: p.mergeCommit !== undefined,
      merge_commit_sha: p.mergeCommit ?? null,
    };
  }

  function tipOf(branch: string): string {
    if (!opts.gitRemote) return '0'.repeat(40);
    return resolveCommit(opts.gitRemote, `refs/heads/${branch}`) ?? '0'.repeat(40);
  }

  /** Who a token is: the job token, or a live installation token of the App. */
  function actorOf(token: string | undefined): GitActor | undefined {
    if (!token) return undefined;
    if (token === fake.token) return { login: 'github-actions[bot]', bypass: false };
    const t = fake.installationTokens.find((i) => i.token === token);
    if (opts.app && t && !t.revoked && t.expiresAt.getTime() > Date.now()) {
      return { login: `${opts.app.slug}[bot]`, bypass: opts.appBypass ?? true };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const gitPrefix = `/${fake.owner}/${fake.repo}.git`;
    if (opts.hostGit && opts.gitRemote && url.pathname.startsWith(`${gitPrefix}/`)) {
      const actor = actorOf(tokenOf(req.headers.authorization));
      const rec: FakeGitRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        actor: actor?.login,
        service: url.searchParams.get('service') ?? url.pathname.split('/').pop(),
        status: 401,
      };
      fake.gitRequests.push(rec);
      if (!actor) {
        // What GitHub answers a git client without (valid) credentials on a private repository.
        res.writeHead(401, {
          'www-authenticate': 'Basic realm="GitHub"',
          'content-type': 'text/plain',
        });
        res.end(
          'Invalid username or token. Password authentication is not supported for Git operations.\n',
        );
        return;
      }
      rec.status = await serveGit(req, res, {
        bare: opts.gitRemote,
        pathInRepo: url.pathname.slice(gitPrefix.length),
        query: url.search.replace(/^\?/, ''),
        actor,
        protectedBranches: fake.protectedBranches,
        rulesUrl: `${fake.url}/${fake.owner}/${fake.repo}/rules`,
      });
      return;
    }
    const raw = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
    const rec: FakeGithubRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
    };
    fake.requests.push(rec);
    const auth = req.headers.authorization ?? '';
    const installation = `/repos/${fake.owner}/${fake.repo}/installation`;
    if (url.pathname === installation || url.pathname.startsWith('/app/')) {
      return appEndpoint(req, res, url, rec);
    }
    const bearer = /^(?:Bearer|token) (.+)$/.exec(auth)?.[1];
    const caller = actorOf(bearer);
    if (!caller) {
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    if (url.pathname === '/installation/token' && rec.method === 'DELETE') {
      const t = fake.installationTokens.find((i) => i.token === bearer);
      if (!t) return send(res, 403, { message: 'Resource not accessible by integration' });
      t.revoked = true;
      res.writeHead(204);
      return void res.end();
    }
    const routed = recordsRouter.route({
      method: rec.method,
      path: url.pathname,
      query: rec.query,
      body: rec.body ?? {},
      actor: caller.login,
    });
    if (routed) return reply(res, routed);
    // Octokit sends the ref URL-encoded (heads%2Fpromote%2F...), which GitHub decodes.
    const gitRef = url.pathname.match(
      new RegExp(`^/repos/${fake.owner}/${fake.repo}/git/refs/(.+)$`),
    );
    if (gitRef && rec.method === 'DELETE') {
      const ref = decodeURIComponent(gitRef[1]!);
      if (!ref.startsWith('heads/'))
        return reply(res, { status: 422, body: { message: 'Reference does not exist' } });
      return reply(res, deleteBranch(ref.slice('heads/'.length)));
    }
    const prefix = `/repos/${fake.owner}/${fake.repo}/pulls`;
    if (url.pathname === prefix && rec.method === 'GET') {
      const head = rec.query.head;
      const base = rec.query.base;
      const state = rec.query.state ?? 'open';
      const list = fake.pulls
        .filter(
          (p) =>
            (state === 'all' || p.state === state) &&
            (!head || `${fake.owner}:${p.head}` === head) &&
            (!base || p.base === base),
        )
        // GitHub lists the newest first.
        .sort((a, b) => b.number - a.number);
      return reply(res, paginate(list.map(pullJson), rec.query, `${fake.url}${url.pathname}`));
    }
    if (url.pathname === prefix && rec.method === 'POST') {
      const b = rec.body ?? {};
      const missing = ['title', 'head', 'base'].filter(
        (k) => typeof b[k] !== 'string' || b[k] === '',
      );
      if (missing.length > 0) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: missing.map((f) => ({
            resource: 'PullRequest',
            field: f,
            code: 'missing_field',
          })),
        });
      }
      const head = String(b.head);
      if (fake.pulls.some((p) => p.state === 'open' && p.head === head)) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${fake.owner}:${head}.`,
            },
          ],
        });
      }
      if (opts.gitRemote && !resolveCommit(opts.gitRemote, `refs/heads/${head}`)) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
        });
      }
      if (bodyTooLong(b)) return send(res, 422, BODY_TOO_LONG);
      const pull: FakePull = {
        number: nextNumber(),
        title: String(b.title),
        body: String(b.body ?? ''),
        head,
        base: String(b.base),
        state: 'open',
      };
      fake.pulls.push(pull);
      // GitHub keeps every PR's head reachable as refs/pull/N/head.
      if (opts.hostGit && opts.gitRemote) {
        execFileSync('git', ['update-ref', `refs/pull/${pull.number}/head`, tipOf(head)], {
          cwd: opts.gitRemote,
        });
      }
      return send(res, 201, pullJson(pull));
    }
    const merge = url.pathname.match(new RegExp(`^${prefix}/(\\d+)/merge$`));
    if (merge && rec.method === 'PUT') {
      const pull = fake.pulls.find((p) => p.number === Number(merge[1]));
      if (!pull) return send(res, 404, { message: 'Not Found' });
      return mergePull(res, pull, rec.body ?? {});
    }
    const m = url.pathname.match(new RegExp(`^${prefix}/(\\d+)$`));
    if (m && rec.method === 'GET') {
      const pull = fake.pulls.find((p) => p.number === Number(m[1]));
      return pull ? send(res, 200, pullJson(pull)) : send(res, 404, { message: 'Not Found' });
    }
    if (m && rec.method === 'PATCH') {
      const pull = fake.pulls.find((p) => p.number === Number(m[1]));
      if (!pull) return send(res, 404, { message: 'Not Found' });
      const b = rec.body ?? {};
      if (bodyTooLong(b)) return send(res, 422, BODY_TOO_LONG);
      if (typeof b.title === 'string') pull.title = b.title;
      if (typeof b.body === 'string') pull.body = b.body;
      if (b.state === 'closed' || b.state === 'open') pull.state = b.state;
      return send(res, 200, pullJson(pull));
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  // GitHub's "Delete branch": the ref goes, and an open pull request from it is closed.
  function deleteBranch(branch: string): FakeResponse {
    const bare = opts.gitRemote;
    if (!bare) return { status: 501, body: { message: 'fake GitHub: deleting needs gitRemote' } };
    if (!resolveCommit(bare, `refs/heads/${branch}`))
      return { status: 422, body: { message: 'Reference does not exist' } };
    execFileSync('git', ['update-ref', '-d', `refs/heads/${branch}`], { cwd: bare });
    for (const p of fake.pulls) if (p.head === branch && p.state === 'open') p.state = 'closed';
    return { status: 204 };
  }

  /** The App endpoints: authenticated with the App's JWT, never with a token. */
  function appEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    rec: FakeGithubRequest,
  ): void {
    const app = opts.app;
    if (!app) return send(res, 404, { message: 'Not Found' });
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    try {
      verifyAppJwt(app, jwt);
    } catch (err) {
      if (!(err instanceof JwtRejected)) throw err;
      return send(res, 401, {
        message: err.message,
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    if (url.pathname === `/repos/${fake.owner}/${fake.repo}/installation` && rec.method === 'GET') {
      return send(res, 200, {
        id: app.installationId,
        app_id: app.id,
        client_id: app.clientId,
        app_slug: app.slug,
        target_type: 'Organization',
        account: { login: fake.owner, type: 'Organization' },
        repository_selection: 'selected',
        permissions: GRANTED,
      });
    }
    const tokens = url.pathname.match(/^\/app\/installations\/(\d+)\/access_tokens$/);
    if (tokens && rec.method === 'POST') {
      if (Number(tokens[1]) !== app.installationId) return send(res, 404, { message: 'Not Found' });
      const b = rec.body ?? {};
      const repos = Array.isArray(b.repositories) ? b.repositories.map(String) : [fake.repo];
      if (repos.some((r) => r !== fake.repo)) {
        return send(res, 422, {
          message:
            'There is at least one repository that does not exist or is not accessible to the parent installation.',
        });
      }
      const asked = (b.permissions ?? GRANTED) as Record<string, string>;
      const t = mintInstallationToken(asked);
      fake.installationTokens.push(t);
      return send(res, 201, {
        token: t.token,
        expires_at: t.expiresAt.toISOString(),
        permissions: asked,
        repository_selection: 'selected',
        repositories: [{ name: fake.repo, full_name: `${fake.owner}/${fake.repo}` }],
      });
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  /** Merges like GitHub's merge button: a merge commit, or a squash with the PR's title and body. */
  function mergePull(res: ServerResponse, pull: FakePull, b: Record<string, unknown>): void {
    const bare = opts.gitRemote;
    if (!bare) return send(res, 501, { message: 'fake GitHub: merging needs gitRemote' });
    if (pull.state !== 'open') return send(res, 405, { message: 'Pull Request is not mergeable' });
    const method = String(b.merge_method ?? 'merge');
    if (method !== 'merge' && method !== 'squash') {
      return send(res, 422, { message: `fake GitHub: merge_method ${method} is not supported` });
    }
    const head = tipOf(pull.head);
    if (typeof b.sha === 'string' && b.sha !== head) {
      return send(res, 409, {
        message: 'Head branch was modified. Review and try the merge again.',
      });
    }
    const work = mkdtempSync(join(tmpdir(), 'fake-github-merge-'));
    const g = (...args: string[]): string =>
      execFileSync(
        'git',
        ['-c', 'user.name=e2e reviewer', '-c', 'user.email=reviewer@example.invalid', ...args],
        {
          cwd: work,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_COMMITTER_NAME: 'GitHub',
            GIT_COMMITTER_EMAIL: 'noreply@github.com',
          },
        },
      ).trim();
    try {
      g('clone', '--quiet', '--branch', pull.base, bare, '.');
      g('fetch', '--quiet', 'origin', `refs/heads/${pull.head}`);
      const title = String(
        b.commit_title ??
          (method === 'squash'
            ? `${pull.title} (#${pull.number})`
            : `Merge pull request #${pull.number} from ${fake.owner}/${pull.head}`),
      );
      const message = String(b.commit_message ?? (method === 'squash' ? pull.body : pull.title));
      try {
        if (method === 'squash') {
          g('merge', '--squash', '--quiet', 'FETCH_HEAD');
          g('commit', '--quiet', '-m', title, '-m', message);
        } else {
          g('merge', '--no-ff', '--quiet', '-m', title, '-m', message, 'FETCH_HEAD');
        }
      } catch {
        return send(res, 405, { message: 'Pull Request is not mergeable' });
      }
      g('push', '--quiet', 'origin', `HEAD:refs/heads/${pull.base}`);
      pull.mergeCommit = g('rev-parse', 'HEAD');
      pull.state = 'closed';
      return send(res, 200, {
        sha: pull.mergeCommit,
        merged: true,
        message: 'Pull Request successfully merged',
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (opts.hostGit) fake.cloneUrl = `${fake.url}/${fake.owner}/${fake.repo}.git`;
  return fake;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function reply(res: ServerResponse, r: FakeResponse): void {
  if (r.body === undefined) {
    res.writeHead(r.status, r.headers ?? {});
    res.end();
    return;
  }
  res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', ...r.headers });
  res.end(JSON.stringify(r.body));
}
