/**
 * GitHub's REST API through Octokit (`@actions/github`): pull requests, issues and their comments, labels,
 * branches and commit authors. `apiUrl` targets GitHub Enterprise or a loopback fake. Every call goes through
 * one error mapping: a GithubApiError with the operation, the HTTP status and GitHub's own message, never the
 * request (its Authorization header carries the token). Reads are retried on a transient failure; writes are
 * not (a write may have landed), the flows above look before they write instead.
 */
import { getOctokit } from '@actions/github';
import { ApiCallError, InputError } from '../errors.js';
import { retry } from '../retry.js';

/** Where and as whom to call the API. */
export interface GithubTarget {
  token: string;
  owner: string;
  repo: string;
  /** Default https://api.github.com (GITHUB_API_URL in Actions). */
  apiUrl?: string;
}

/** The Octokit client `@actions/github` hands out. */
export type Octokit = ReturnType<typeof getOctokit>;

/** The fields of a pull request the flows use. */
export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
}

/** The fields of an issue the flows use. */
export interface Issue {
  number: number;
  url: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
}

/** GitHub's limit on a pull request or issue body, in characters. */
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
        ? 'check the token (GITHUB_TOKEN or the token input): GitHub did not accept it'
        : status === 403 || status === 404
          ? 'the token needs the permissions of this call on the repository (contents, pull-requests, issues, statuses, deployments: write as the step uses them)'
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

const clients = new WeakMap<GithubTarget, Octokit>();

/** The Octokit client of `target`, made once per target object. */
export function octokitFor(target: GithubTarget): Octokit {
  let client = clients.get(target);
  if (!client) {
    client = getOctokit(target.token, {
      baseUrl: (target.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
      userAgent: 'score-api-gitops',
      // Octokit logs deprecations and errors to the console by default; our callers report errors themselves.
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
    clients.set(target, client);
  }
  return client;
}

interface OctokitFailure {
  status?: number;
  message?: string;
  response?: { data?: unknown };
}

// GitHub's message and the messages of its `errors` list; a non-JSON body (a proxy's page) as a short prefix.
function detailOf(err: OctokitFailure): string {
  const data = err.response?.data;
  if (data && typeof data === 'object') {
    const d = data as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(d.errors)
      ? d.errors.map((e: unknown) =>
          typeof e === 'string'
            ? e
            : e && typeof e === 'object'
              ? String(
                  (e as { message?: unknown }).message ??
                    [(e as { field?: unknown }).field, (e as { code?: unknown }).code]
                      .filter(Boolean)
                      .join(' '),
                )
              : '',
        )
      : [];
    const text = [typeof d.message === 'string' ? d.message : '', ...errors]
      .filter(Boolean)
      .join(': ');
    if (text) return text;
  }
  if (typeof data === 'string' && data.trim()) return data.trim().slice(0, 300);
  return err.message ?? 'no detail';
}

/** Turns what Octokit threw into a GithubApiError naming the operation (the request itself is left out). */
export function toGithubApiError(operation: string, err: unknown): GithubApiError {
  if (err instanceof GithubApiError) return err;
  const e = (err ?? {}) as OctokitFailure;
  // Octokit reports a network failure as status 500 without a response: the server was never reached.
  const reached = e.response !== undefined;
  const status = reached && typeof e.status === 'number' ? e.status : 0;
  return new GithubApiError(operation, status, detailOf(e), { cause: err });
}

function transient(err: unknown): boolean {
  return (
    err instanceof GithubApiError && (err.status === 0 || err.status >= 500 || err.status === 429)
  );
}

/**
 * Runs one API call as `operation`: errors become GithubApiError; a read (`idempotent`) is retried three
 * times on a network error, 5xx or 429.
 */
export async function call<T>(
  operation: string,
  fn: () => Promise<T>,
  opts: { idempotent?: boolean } = {},
): Promise<T> {
  const once = async (): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toGithubApiError(operation, err);
    }
  };
  if (!opts.idempotent) return once();
  return retry(once, { maxAttempts: 3, baseDelayMs: 300, shouldRetry: transient });
}

/** The owner/repo parameters of every repository call. */
export function repoOf(target: GithubTarget): { owner: string; repo: string } {
  return { owner: target.owner, repo: target.repo };
}

interface RawPull {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  merged_at?: string | null;
  merged?: boolean;
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
    state: raw.state === 'open' ? 'open' : 'closed',
    merged: Boolean(raw.merged ?? raw.merged_at),
  };
}

/** Pull requests of the repository (all pages), filtered by head branch, base and state. */
export async function listPullRequests(
  target: GithubTarget,
  filter: { head?: string; base?: string; state?: 'open' | 'closed' | 'all' },
): Promise<PullRequest[]> {
  const state = filter.state ?? 'open';
  const what = [filter.head, filter.base && `into ${filter.base}`].filter(Boolean).join(' ');
  const pulls = await call(
    `list ${state} pull requests${what ? ` ${what}` : ''}`,
    () =>
      octokitFor(target).paginate(octokitFor(target).rest.pulls.list, {
        ...repoOf(target),
        state,
        per_page: 100,
        ...(filter.head ? { head: `${target.owner}:${filter.head}` } : {}),
        ...(filter.base ? { base: filter.base } : {}),
      }),
    { idempotent: true },
  );
  // GitHub matches `head` by owner:branch; keep only same-repository heads of exactly that name.
  return (pulls as RawPull[])
    .map(toPull)
    .filter((p) => filter.head === undefined || p.head === filter.head);
}

/** The open pull request whose head is `branch` in the same repository, if any. */
export async function findOpenPullRequest(
  target: GithubTarget,
  branch: string,
): Promise<PullRequest | undefined> {
  const [open] = await listPullRequests(target, { head: branch, state: 'open' });
  return open;
}

/** Opens a pull request from `head` into `base`. */
export async function createPullRequest(
  target: GithubTarget,
  pr: { title: string; body: string; head: string; base: string },
): Promise<PullRequest> {
  const { data } = await call(`create pull request ${pr.head} -> ${pr.base}`, () =>
    octokitFor(target).rest.pulls.create({ ...repoOf(target), ...pr }),
  );
  return toPull(data as RawPull);
}

/** Updates the title and body of pull request `number`. */
export async function updatePullRequest(
  target: GithubTarget,
  number: number,
  pr: { title: string; body: string },
): Promise<PullRequest> {
  const { data } = await call(`update pull request #${number}`, () =>
    octokitFor(target).rest.pulls.update({ ...repoOf(target), pull_number: number, ...pr }),
  );
  return toPull(data as RawPull);
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

/** Comments on an issue or pull request (GitHub's pull requests are issues). */
export async function addComment(
  target: GithubTarget,
  number: number,
  body: string,
): Promise<void> {
  await call(`comment on #${number}`, () =>
    octokitFor(target).rest.issues.createComment({ ...repoOf(target), issue_number: number, body }),
  );
}

/** Closes pull request `number`, first saying why in a comment; a PR already closed is left as it is. */
export async function closePullRequest(
  target: GithubTarget,
  number: number,
  comment: string,
): Promise<void> {
  await addComment(target, number, comment);
  await call(`close pull request #${number}`, () =>
    octokitFor(target).rest.pulls.update({
      ...repoOf(target),
      pull_number: number,
      state: 'closed',
    }),
  );
}

/** Deletes `branch` (as GitHub's "Delete branch" button does); true when it existed. */
export async function deleteBranch(target: GithubTarget, branch: string): Promise<boolean> {
  try {
    await call(`delete branch ${branch}`, () =>
      octokitFor(target).rest.git.deleteRef({ ...repoOf(target), ref: `heads/${branch}` }),
    );
    return true;
  } catch (err) {
    // 422 "Reference does not exist": someone deleted it already, which is the state wanted.
    if (err instanceof GithubApiError && (err.status === 422 || err.status === 404)) return false;
    throw err;
  }
}

/** Creates label `name` unless the repository has it. */
export async function ensureLabel(
  target: GithubTarget,
  label: { name: string; color: string; description: string },
): Promise<void> {
  try {
    await call(
      `get label ${label.name}`,
      () => octokitFor(target).rest.issues.getLabel({ ...repoOf(target), name: label.name }),
      { idempotent: true },
    );
    return;
  } catch (err) {
    if (!(err instanceof GithubApiError) || err.status !== 404) throw err;
  }
  try {
    await call(`create label ${label.name}`, () =>
      octokitFor(target).rest.issues.createLabel({ ...repoOf(target), ...label }),
    );
  } catch (err) {
    // 422 already_exists: a concurrent run created it between our look and our create.
    if (!(err instanceof GithubApiError) || err.status !== 422) throw err;
  }
}

/** Issues (not pull requests) carrying `label`, in any state, whose body contains `marker`. */
export async function findIssues(
  target: GithubTarget,
  filter: { label: string; marker: string },
): Promise<Issue[]> {
  const items = await call(
    `list issues labelled ${filter.label}`,
    () =>
      octokitFor(target).paginate(octokitFor(target).rest.issues.listForRepo, {
        ...repoOf(target),
        labels: filter.label,
        state: 'all',
        per_page: 100,
      }),
    { idempotent: true },
  );
  return items
    .filter((i) => !i.pull_request && (i.body ?? '').includes(filter.marker))
    .map(toIssue);
}

/** Opens an issue. */
export async function createIssue(
  target: GithubTarget,
  issue: { title: string; body: string; labels?: string[] },
): Promise<Issue> {
  const { data } = await call(`create issue "${issue.title.slice(0, 60)}"`, () =>
    octokitFor(target).rest.issues.create({ ...repoOf(target), ...issue }),
  );
  return toIssue(data);
}

function toIssue(raw: {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
}): Issue {
  return {
    number: raw.number,
    url: raw.html_url,
    title: raw.title,
    body: raw.body ?? '',
    state: raw.state === 'open' ? 'open' : 'closed',
  };
}

/** The GitHub login of a commit's author, or undefined when the commit's email is linked to no account. */
export async function commitAuthorLogin(
  target: GithubTarget,
  sha: string,
): Promise<string | undefined> {
  const { data } = await call(
    `get commit ${sha.slice(0, 12)}`,
    () => octokitFor(target).rest.repos.getCommit({ ...repoOf(target), ref: sha }),
    { idempotent: true },
  );
  return data.author?.login ?? undefined;
}
