/**
 * The three GitHub REST calls a promotion needs (find the open PR of a branch, create one, update one), over
 * plain fetch so a loopback fake or GitHub Enterprise can be targeted with `apiUrl`. The token only ever goes
 * into the Authorization header; errors carry the status and GitHub's message, never request headers.
 */
import { ApiCallError, InputError } from '../errors.js';

/** Where and as whom to call the API. */
export interface GithubTarget {
  token: string;
  owner: string;
  repo: string;
  /** Default https://api.github.com (GITHUB_API_URL in Actions). */
  apiUrl?: string;
}

/** The fields of a pull request the promotion uses. */
export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
  head: string;
  base: string;
}

/** GitHub's limit on a pull request body, in characters. */
export const MAX_PR_BODY = 65536;

/** A GitHub API call failed; `status` is 0 when the server was not reached. */
export class GithubApiError extends ApiCallError {
  constructor(operation: string, status: number, detail: string, options?: { cause?: unknown }) {
    super(
      `GitHub ${operation}`,
      status,
      detail,
      'GITHUB_API_FAILED',
      status === 401
        ? 'check GITHUB_TOKEN'
        : status === 403 || status === 404
          ? 'the token needs contents: write and pull-requests: write on the repository'
          : undefined,
      options,
    );
  }
}

/** Parses `owner/repo` (GITHUB_REPOSITORY); InputError naming `input` otherwise. */
export function parseRepository(
  value: string,
  input = 'github-repo',
): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(value.trim());
  if (!m) throw new InputError(input, `expected owner/repo, got "${value}"`);
  return { owner: m[1] as string, repo: m[2] as string };
}

interface RawPull {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  head: { ref: string };
  base: { ref: string };
}

function toPull(raw: RawPull): PullRequest {
  return {
    number: raw.number,
    url: raw.html_url,
    title: raw.title,
    body: raw.body ?? '',
    head: raw.head.ref,
    base: raw.base.ref,
  };
}

async function request<T>(
  target: GithubTarget,
  operation: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const base = (target.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'score-api-gitops',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new GithubApiError(operation, 0, err instanceof Error ? err.message : String(err), {
      cause: err,
    });
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { message?: string; errors?: { message?: string }[] };
      detail =
        [parsed.message, ...(parsed.errors ?? []).map((e) => e.message)]
          .filter(Boolean)
          .join(': ') || detail;
    } catch {
      // Not JSON (a proxy error page): the raw text prefix is the best detail there is.
    }
    throw new GithubApiError(operation, res.status, detail);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GithubApiError(operation, res.status, `response is not JSON: ${text.slice(0, 100)}`, {
      cause: err,
    });
  }
}

const repoPath = (t: GithubTarget) =>
  `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`;

/** The open pull request whose head is `branch` in the same repository, if any. */
export async function findOpenPullRequest(
  target: GithubTarget,
  branch: string,
): Promise<PullRequest | undefined> {
  const query = new URLSearchParams({
    head: `${target.owner}:${branch}`,
    state: 'open',
    per_page: '10',
  });
  const pulls = await request<RawPull[]>(
    target,
    `list pull requests for ${branch}`,
    'GET',
    `${repoPath(target)}/pulls?${query}`,
  );
  const match = pulls.find((p) => p.head.ref === branch);
  return match ? toPull(match) : undefined;
}

/** Opens a pull request from `head` into `base`. */
export async function createPullRequest(
  target: GithubTarget,
  pr: { title: string; body: string; head: string; base: string },
): Promise<PullRequest> {
  return toPull(
    await request<RawPull>(
      target,
      `create pull request ${pr.head} -> ${pr.base}`,
      'POST',
      `${repoPath(target)}/pulls`,
      pr,
    ),
  );
}

/** Updates the title and body of pull request `number`. */
export async function updatePullRequest(
  target: GithubTarget,
  number: number,
  pr: { title: string; body: string },
): Promise<PullRequest> {
  return toPull(
    await request<RawPull>(
      target,
      `update pull request #${number}`,
      'PATCH',
      `${repoPath(target)}/pulls/${number}`,
      pr,
    ),
  );
}

/** Opens the PR for `head`, or updates the one already open (so a re-run never duplicates it). */
export async function upsertPullRequest(
  target: GithubTarget,
  pr: { title: string; body: string; head: string; base: string },
): Promise<PullRequest & { created: boolean }> {
  const existing = await findOpenPullRequest(target, pr.head);
  if (existing) {
    return {
      ...(await updatePullRequest(target, existing.number, { title: pr.title, body: pr.body })),
      created: false,
    };
  }
  return { ...(await createPullRequest(target, pr)), created: true };
}
