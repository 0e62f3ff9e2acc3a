/**
 * After an automatic rollback the environment runs the last healthy release again, but the source commits
 * that broke it are still on the branch: the next push would deploy them again. This opens a pull request
 * that reverts them (every source commit since the last healthy release, newest first), with verify's
 * verdict, addressed to their authors; or, where the reverts do not apply cleanly, an issue saying so.
 *
 * Once per rolled-back source commit: the pull request's branch (`gitops/revert-source/<env>/<sha>`) and a
 * marker in the body of the pull request or issue are looked up first, so a retried step finds what an
 * earlier one opened, in any state, and opens nothing new.
 */
import { InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { logEntries, pushCommit, remoteBranchTip } from '../adapters/git.js';
import {
  GithubApiError,
  commitAuthorLogin,
  createIssue,
  createPullRequest,
  ensureLabel,
  findIssues,
  listPullRequests,
} from '../adapters/github.js';
import type { GithubTarget } from '../adapters/github.js';
import { sourceRevertBranch } from '../rules/deploy-record.js';
import { checkBranch, checkCommitSha, checkEnvironment } from '../rules/names.js';
import { TRAILER, gitopsAction, parseTrailers, shortTag } from '../rules/trailers.js';
import { deployedChange, findRevertOf } from './revert.js';
import { checkRepo, ensureFullHistory, withWorkspace } from './workspace.js';

/** The label of the issues this opens (and looks them up by). */
export const ROLLBACK_LABEL = {
  name: 'gitops-rollback',
  color: 'b60205',
  description: 'A release was rolled back: its source needs reverting or fixing',
};

/** At most this many commits are reverted by one pull request; more is a person's call (an issue). */
export const MAX_REVERTED_COMMITS = 20;

export interface RevertSourceOptions {
  /** A local clone (a temporary worktree of it is used) or a remote URL/path. */
  repo: string;
  branch?: string;
  environment: string;
  /** The deployed revision that was rolled back (a bump, a promotion or its merge). */
  revision: string;
  /** Verify's verdict. */
  reason: string;
  /** The commit that rolled the environment back. */
  revertCommit?: string;
  /** The run that judged it. */
  logUrl?: string;
  github: GithubTarget;
  /** Push the branch and open the pull request or issue; false only works out what would be reverted. */
  push: boolean;
  log?: (line: string) => void;
}

/** A source commit to revert, with its author. */
export interface SourceCommit {
  sha: string;
  subject: string;
  author: string;
  login?: string;
}

export interface RevertSourceResult {
  status: 'pull-request' | 'issue' | 'exists' | 'nothing-to-revert' | 'planned';
  /** Why, in one line. */
  detail: string;
  sourceCommit?: string;
  lastHealthySource?: string;
  commits: SourceCommit[];
  number?: number;
  url?: string;
  /** True when this run opened the pull request or issue. */
  created: boolean;
  branch?: string;
}

/** Checks the inputs that need no repository; InputError naming the first bad one. */
export function validateRevertSource(opts: RevertSourceOptions): void {
  checkRepo(opts.repo);
  checkBranch(opts.branch ?? 'main');
  checkEnvironment(opts.environment, 'environment');
  checkCommitSha(opts.revision, 'revision');
  if (opts.revertCommit !== undefined) checkCommitSha(opts.revertCommit, 'revert-commit');
  if (typeof opts.reason !== 'string' || opts.reason.trim() === '')
    throw new InputError('reason', 'is required: the verdict the pull request reports');
  if (opts.github.token.trim() === '') throw new InputError('token', 'is empty');
}

/** The marker in the body of the pull request or issue for one rolled-back source commit. */
export function revertMarker(environment: string, sourceCommit: string): string {
  return `<!-- gitops:revert-source environment=${environment} source=${sourceCommit} -->`;
}

/** Opens (once) the pull request reverting the rolled-back source, or the issue when it does not apply. */
export async function revertSource(opts: RevertSourceOptions): Promise<RevertSourceResult> {
  validateRevertSource(opts);
  const log = opts.log ?? (() => undefined);
  const branch = opts.branch ?? 'main';
  const workspace = { repo: opts.repo, branch, sync: opts.push, mode: 'scratch', log } as const;
  return withWorkspace(workspace, async (ws) => {
    await ensureFullHistory(ws, log);
    const git = ws.git;
    const change = await deployedChange(git, opts.revision);
    const nothing = (detail: string, facts = {}): RevertSourceResult => {
      log(`nothing to revert: ${detail}`);
      return { ...facts, status: 'nothing-to-revert', detail, commits: [], created: false };
    };
    if (!change.action) return nothing(`${opts.revision.slice(0, 12)} ${change.notDeployment}`);
    const bad = change.trailers[TRAILER.sourceCommit];
    if (!bad || !(await git.resolve(bad))) {
      return nothing(
        `${opts.revision.slice(0, 12)} names no source commit of this repository (Source-Commit: ${bad ?? 'none'})`,
      );
    }
    const overlay = change.trailers[TRAILER.overlay] ?? '';
    const good = overlay ? await lastHealthySource(git, overlay, opts.revision) : undefined;
    const result = { sourceCommit: bad, ...(good ? { lastHealthySource: good } : {}) };
    if (good && (await git.isAncestor(bad, good))) {
      return nothing(
        `${shortTag(bad)} is already part of the last healthy release ${shortTag(good)} on ${opts.environment}`,
        result,
      );
    }
    const commits = await sourceCommitsToRevert(git, good, bad);
    if (commits.length === 0) {
      return nothing(
        `every source commit since ${good ? shortTag(good) : 'the start'} is reverted already`,
        result,
      );
    }
    const withAuthors = await Promise.all(commits.map((c) => authorOf(git, opts.github, c)));
    const marker = revertMarker(opts.environment, bad);
    const headBranch = sourceRevertBranch(opts.environment, bad);

    const [pull] = await listPullRequests(opts.github, { head: headBranch, state: 'all' });
    const [issue] = pull
      ? []
      : await findIssues(opts.github, { label: ROLLBACK_LABEL.name, marker });
    const earlier = pull ?? issue;
    if (earlier) {
      const detail = `#${earlier.number} (${pull ? 'pull request' : 'issue'}, ${earlier.state}) already handles ${shortTag(bad)}`;
      log(detail);
      return {
        ...result,
        status: 'exists',
        detail,
        commits: withAuthors,
        number: earlier.number,
        url: earlier.url,
        created: false,
        branch: pull ? headBranch : undefined,
      };
    }
    const text: RevertText = { ...opts, bad, good, commits: withAuthors, marker };
    if (withAuthors.length > MAX_REVERTED_COMMITS) {
      return openIssue(
        opts,
        text,
        result,
        `${withAuthors.length} commits are more than one revert should take (${MAX_REVERTED_COMMITS})`,
      );
    }
    const conflict = await revertCommits(git, withAuthors);
    if (conflict) return openIssue(opts, text, result, conflict);
    if (!opts.push) {
      const detail = `would open a pull request reverting ${withAuthors.length} commit(s) on ${headBranch}`;
      log(detail);
      return {
        ...result,
        status: 'planned',
        detail,
        commits: withAuthors,
        created: false,
        branch: headBranch,
      };
    }
    const commit = await git.run(['rev-parse', 'HEAD']);
    const remote = await remoteBranchTip(git, headBranch);
    if (remote)
      log(
        `${headBranch} exists already (${remote.slice(0, 12)}, an earlier attempt): opening its pull request`,
      );
    else await pushCommit(git, headBranch, commit, { lease: '' });
    const pr = await createPullRequest(opts.github, {
      title: `Revert ${withAuthors.length === 1 ? `"${withAuthors[0]!.subject.slice(0, 60)}"` : `${withAuthors.length} commits`}: rolled back on ${opts.environment}`,
      body: pullRequestBody(text),
      head: headBranch,
      base: branch,
    });
    log(`opened pull request #${pr.number} ${pr.url}`);
    return {
      ...result,
      status: 'pull-request',
      detail: `pull request #${pr.number} reverts ${withAuthors.length} commit(s)`,
      commits: withAuthors,
      number: pr.number,
      url: pr.url,
      created: true,
      branch: headBranch,
    };
  });
}

/**
 * The source commit of the last release of `overlay` before `revision` that stayed: walking the branch's own
 * history (first parents) back, a revert (gitops' or by hand) removes the change it names, and the first
 * deployment (bump, promotion or its merge) left standing is the last healthy release.
 */
export async function lastHealthySource(
  git: Git,
  overlay: string,
  revision: string,
): Promise<string | undefined> {
  const entries = await logEntries(git, [
    '--first-parent',
    '-n',
    '200',
    `${revision}^`,
    '--',
    overlay,
  ]);
  const reverted = new Set<string>();
  for (const e of entries) {
    const t = parseTrailers(e.message);
    const plain = [...e.message.matchAll(/This reverts commit ([0-9a-f]{40})/g)].map((m) => m[1]!);
    if (t[TRAILER.action] === 'revert' || plain.length > 0) {
      for (const sha of [t[TRAILER.reverts], ...plain]) if (sha) reverted.add(sha);
      continue;
    }
    if (reverted.has(e.sha)) continue;
    const change = await deployedChange(git, e.sha);
    const source = change.action ? change.trailers[TRAILER.sourceCommit] : undefined;
    if (source) return source;
  }
  return undefined;
}

// The branch's own commits from `good` (exclusive) to `bad`, newest first, that changed the source: not the
// pipeline's commits, not changes to overlays only, not ones reverted already.
async function sourceCommitsToRevert(
  git: Git,
  good: string | undefined,
  bad: string,
): Promise<string[]> {
  const range = good && (await git.isAncestor(good, bad)) ? [`${good}..${bad}`] : ['-n', '1', bad];
  const shas = (await git.run(['rev-list', '--first-parent', ...range]))
    .split('\n')
    .filter(Boolean);
  const out: string[] = [];
  for (const sha of shas) {
    const message = await git.run(['log', '-1', '--format=%B', sha]);
    if (gitopsAction(message)) continue;
    const files = (
      await git
        .run(['diff', '--name-only', `${sha}^1`, sha])
        .catch(() => git.run(['show', '--name-only', '--format=', sha]))
    )
      .split('\n')
      .filter(Boolean);
    if (files.length > 0 && files.every((f) => f.startsWith('overlays/'))) continue;
    if (await findRevertOf(git, sha)) continue;
    out.push(sha);
  }
  return out;
}

async function authorOf(git: Git, github: GithubTarget, sha: string): Promise<SourceCommit> {
  const [author = '', subject = ''] = (
    await git.run(['log', '-1', '--format=%an%x00%s', sha])
  ).split('\0');
  let login: string | undefined;
  try {
    login = await commitAuthorLogin(github, sha);
  } catch (err) {
    // A commit GitHub does not have (a local run against another remote): name the author without a mention.
    if (!(err instanceof GithubApiError) || (err.status !== 404 && err.status !== 422)) throw err;
  }
  return { sha, subject, author, ...(login ? { login } : {}) };
}

// Reverts `commits` (newest first) on HEAD, one commit each (git's own message, so the revert of each is
// recognisable later); the first conflict aborts and is described.
async function revertCommits(git: Git, commits: SourceCommit[]): Promise<string | undefined> {
  const identity = await git.commitIdentity();
  for (const c of commits) {
    const parents =
      (await git.run(['rev-list', '--parents', '-n', '1', c.sha])).split(' ').length - 1;
    const res = await git.tryRun([
      ...identity,
      'revert',
      '--no-edit',
      ...(parents > 1 ? ['-m', '1'] : []),
      c.sha,
    ]);
    if (res.code !== 0) {
      const conflicted = (await git.tryRun(['diff', '--name-only', '--diff-filter=U'])).stdout
        .split('\n')
        .filter(Boolean);
      await git.tryRun(['revert', '--abort']);
      return `the revert of ${c.sha.slice(0, 12)} ("${c.subject}") does not apply cleanly${conflicted.length ? ` (conflicts in ${conflicted.join(', ')})` : ''}`;
    }
  }
  return undefined;
}

interface RevertText extends RevertSourceOptions {
  bad: string;
  good?: string;
  commits: SourceCommit[];
  marker: string;
}

function mentions(commits: SourceCommit[]): string {
  const names = [...new Set(commits.map((c) => (c.login ? `@${c.login}` : c.author)))];
  return names.join(', ');
}

function verdictTable(t: RevertText): string {
  const rows = [
    ['Verdict', `rolled back: ${t.reason.replace(/\s+/g, ' ').trim()}`],
    ['Environment', t.environment],
    ['Rolled-back source', `\`${t.bad}\``],
    ['Last healthy release', t.good ? `\`${t.good}\`` : 'none found before it'],
    [
      'Deployed revision',
      `\`${t.revision}\`${t.revertCommit ? `, reverted by \`${t.revertCommit}\`` : ''}`,
    ],
    ...(t.logUrl ? [['Run', t.logUrl]] : []),
  ];
  return [
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v!.replace(/\|/g, '\\|')} |`),
  ].join('\n');
}

function commitList(commits: SourceCommit[]): string {
  return commits
    .map(
      (c) =>
        `- \`${c.sha.slice(0, 12)}\` ${c.subject.replace(/[<>]/g, '')} — ${c.login ? `@${c.login}` : c.author}`,
    )
    .join('\n');
}

function pullRequestBody(t: RevertText): string {
  return [
    t.marker,
    `${mentions(t.commits)}: the release built from these commits was rolled back on **${t.environment}**, and they are still on \`${t.branch ?? 'main'}\`: the next push would deploy them again. This pull request reverts them, newest first. Merge it to keep the branch deployable, or close it and fix forward.`,
    '',
    verdictTable(t),
    '',
    '### Commits reverted',
    '',
    commitList(t.commits),
    '',
  ].join('\n');
}

async function openIssue(
  opts: RevertSourceOptions,
  t: RevertText,
  result: { sourceCommit: string; lastHealthySource?: string },
  why: string,
): Promise<RevertSourceResult> {
  const log = opts.log ?? (() => undefined);
  if (!opts.push) {
    log(`would open an issue: ${why}`);
    return {
      ...result,
      status: 'planned',
      detail: `would open an issue: ${why}`,
      commits: t.commits,
      created: false,
    };
  }
  await ensureLabel(opts.github, ROLLBACK_LABEL);
  const body = [
    t.marker,
    `${mentions(t.commits)}: the release built from these commits was rolled back on **${t.environment}**, and they are still on \`${t.branch ?? 'main'}\`: the next push would deploy them again. They could not be reverted automatically: ${why}. Please revert or fix them by hand.`,
    '',
    verdictTable(t),
    '',
    '### Commits since the last healthy release',
    '',
    commitList(t.commits),
    '',
  ].join('\n');
  const issue = await createIssue(opts.github, {
    title: `Rolled back on ${t.environment}: ${shortTag(t.bad)} is still on ${t.branch ?? 'main'}`,
    body,
    labels: [ROLLBACK_LABEL.name],
  });
  log(`opened issue #${issue.number} ${issue.url}: ${why}`);
  return {
    ...result,
    status: 'issue',
    detail: why,
    commits: t.commits,
    number: issue.number,
    url: issue.url,
    created: true,
  };
}
