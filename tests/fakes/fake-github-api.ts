/**
 * A fake of the GitHub REST API on loopback (real HTTP, GitHub's JSON shapes, status codes and error bodies):
 * - pull requests: list by head, base and state (paginated), create (422 when one is already open for the head,
 *   or the head branch does not exist), update (title, body, state), and branch deletion;
 * - issues, comments, labels, commit statuses, Deployments and their statuses, a commit's author login
 *   (tests/fakes/fake-github-records.ts).
 * It checks the Authorization header and records every request for assertions.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRecords, paginate, resolveCommit } from './fake-github-records.js';
import type { FakeGithubRecords, FakeResponse } from './fake-github-records.js';

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
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
  close(): Promise<void>;
}

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
export async function startFakeGithubApi(opts: {
  owner?: string;
  repo?: string;
  token?: string;
  gitRemote?: string;
}): Promise<FakeGithubApi> {
  const fake: FakeGithubApi = {
    url: '',
    owner: opts.owner ?? 'acme',
    repo: opts.repo ?? 'score-api-gitops',
    token: opts.token ?? 'ghs_fakeTokenForTests000000000000000000',
    pulls: [],
    requests: [],
    records: undefined as unknown as FakeGithubRecords,
    close: () => new Promise((resolve) => server.close(() => resolve())),
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
      head: { label: `${fake.owner}:${p.head}`, ref: p.head, sha: '0'.repeat(40) },
      base: { label: `${fake.owner}:${p.base}`, ref: p.base, sha: '0'.repeat(40) },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
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
    if (auth !== `Bearer ${fake.token}` && auth !== `token ${fake.token}`) {
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const routed = recordsRouter.route({
      method: rec.method,
      path: url.pathname,
      query: rec.query,
      body: rec.body ?? {},
      actor: 'github-actions[bot]',
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
      if (opts.gitRemote && !branchExists(opts.gitRemote, head)) {
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
      return send(res, 201, pullJson(pull));
    }
    const m = url.pathname.match(new RegExp(`^${prefix}/(\\d+)$`));
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

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function branchExists(bare: string, branch: string): boolean {
  const out = execFileSync('git', ['ls-remote', bare, `refs/heads/${branch}`], {
    encoding: 'utf8',
  });
  return out.trim() !== '';
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
