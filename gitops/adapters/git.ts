import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitopsError, InputError, MissingToolError } from '../errors.js';
import { backoffDelay, sleep } from '../retry.js';

/** The identity commits use when the repository/user has none configured. */
export const BOT_IDENTITY = {
  name: 'gitops-bot',
  email: 'gitops-bot@users.noreply.github.com',
} as const;

/** A git command failed: carries the command line (credentials masked), exit code and stderr. */
export class GitError extends GitopsError {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout: string,
    readonly cwd: string,
  ) {
    const detail = lastLines(stderr || stdout, 3);
    super(
      `git ${maskCredentials(args.join(' '))} failed (exit ${exitCode ?? 'signal'})${detail ? `: ${detail}` : ''}`,
      'GIT_FAILED',
    );
  }
}

/** Options for a single git invocation. */
export interface GitRunOptions {
  /** Written to the process's stdin. */
  input?: string;
  /** Extra environment variables for this call. */
  env?: Record<string, string>;
}

/** Outcome of a git command that may legitimately fail (e.g. `merge-base --is-ancestor`). */
export interface GitOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Replaces the userinfo of URLs (https://user:token@host) so a token never reaches a log or an error. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

function lastLines(text: string, n: number): string {
  return maskCredentials(
    text
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-n)
      .join(' | '),
  );
}

/** A small git runner bound to one working directory; never touches the user's git config. */
export class Git {
  private identityArgs?: Promise<string[]>;

  constructor(
    readonly cwd: string,
    private readonly baseEnv: Record<string, string> = {},
  ) {}

  /** Runs git with `args` and returns stdout without its trailing newline; GitError when it exits non-zero. */
  async run(args: string[], opts: GitRunOptions = {}): Promise<string> {
    const res = await this.exec(args, opts);
    if (res.code !== 0) throw new GitError(args, res.code, res.stderr, res.stdout, this.cwd);
    return res.stdout.replace(/\n$/, '');
  }

  /** Runs git and reports the exit code instead of throwing on a non-zero exit (still throws if git is missing). */
  async tryRun(args: string[], opts: GitRunOptions = {}): Promise<GitOutcome> {
    return this.exec(args, opts);
  }

  /** `-c user.name=… -c user.email=…` for the bot identity when no identity is configured, else []. */
  async commitIdentity(): Promise<string[]> {
    this.identityArgs ??= (async () => {
      const env = { ...process.env, ...this.baseEnv };
      // One spawn for both keys: exit 1 (no match) simply means nothing is configured.
      const res = await this.tryRun(['config', '--get-regexp', '^user\\.(name|email)$']);
      const keys = new Set(res.stdout.split('\n').map((l) => l.split(' ')[0]));
      const args: string[] = [];
      if (!keys.has('user.name') && !env.GIT_AUTHOR_NAME)
        args.push('-c', `user.name=${BOT_IDENTITY.name}`);
      if (!keys.has('user.email') && !env.GIT_AUTHOR_EMAIL)
        args.push('-c', `user.email=${BOT_IDENTITY.email}`);
      return args;
    })();
    return this.identityArgs;
  }

  /** Commits with the configured identity or the bot identity; returns the new commit SHA. */
  async commit(message: string, extraArgs: string[] = []): Promise<string> {
    const identity = await this.commitIdentity();
    await this.run([...identity, 'commit', '--quiet', '--no-verify', '-F', '-', ...extraArgs], {
      input: message,
    });
    return this.run(['rev-parse', 'HEAD']);
  }

  /** The SHA `rev` resolves to (commit-ish), or undefined when it does not exist. */
  async resolve(rev: string): Promise<string | undefined> {
    const res = await this.tryRun(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    return res.code === 0 ? res.stdout.trim() : undefined;
  }

  /** True when `ancestor` is `descendant` or in its history. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const res = await this.tryRun(['merge-base', '--is-ancestor', ancestor, descendant]);
    if (res.code === 0) return true;
    if (res.code === 1) return false;
    throw new GitError(
      ['merge-base', '--is-ancestor', ancestor, descendant],
      res.code,
      res.stderr,
      res.stdout,
      this.cwd,
    );
  }

  /** The repository's top-level directory containing cwd. */
  async toplevel(): Promise<string> {
    return this.run(['rev-parse', '--show-toplevel']);
  }

  /** True when the working tree and index have no changes (untracked files ignored). */
  async isClean(): Promise<boolean> {
    const out = await this.run(['status', '--porcelain', '--untracked-files=no']);
    return out.trim() === '';
  }

  private exec(args: string[], opts: GitRunOptions): Promise<GitOutcome> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        args,
        {
          cwd: this.cwd,
          // No prompts: a missing credential must fail, not hang a CI job.
          env: {
            ...process.env,
            GIT_TERMINAL_PROMPT: '0',
            LC_ALL: 'C',
            ...this.baseEnv,
            ...opts.env,
          },
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          if (
            error &&
            (error as NodeJS.ErrnoException).code === 'ENOENT' &&
            typeof error.code === 'string'
          ) {
            // spawn reports a missing cwd as ENOENT too; tell the two apart.
            if (!existsSync(this.cwd)) {
              resolve({ code: 128, stdout: '', stderr: `directory ${this.cwd} does not exist` });
              return;
            }
            reject(new MissingToolError('git', 'install git (apt-get install git)'));
            return;
          }
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      // git may exit before reading stdin (EPIPE): its exit code and stderr report the real failure.
      child.stdin?.on('error', () => undefined);
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  }
}

/** The top-level directory of the git repository containing `dir`, or undefined when it is not in one. */
export async function findToplevel(dir: string): Promise<string | undefined> {
  const res = await new Git(dir).tryRun(['rev-parse', '--show-toplevel']).catch((err: unknown) => {
    if (err instanceof MissingToolError) throw err;
    return { code: 1, stdout: '', stderr: String(err) };
  });
  return res.code === 0 ? res.stdout.trim() : undefined;
}

/** The remote moved (or a ref lock raced) and the push was refused; the caller fetches and tries again. */
export class PushRejectedError extends GitopsError {
  constructor(
    readonly branch: string,
    readonly detail: string,
    readonly transient = false,
  ) {
    super(
      `push to ${branch} was ${transient ? 'interrupted' : 'rejected'}: ${maskCredentials(detail)}`,
      transient ? 'PUSH_FAILED' : 'PUSH_REJECTED',
      'the remote moved or was unreachable; retried with fetch + rebase until attempts ran out',
    );
  }
}

/** Someone else changed the same lines in a commit not made by gitops: we refuse to overwrite it. */
export class ConflictError extends GitopsError {
  constructor(
    readonly path: string,
    readonly commits: { sha: string; subject: string }[],
  ) {
    const list = commits.map((c) => `${c.sha.slice(0, 12)} "${c.subject}"`).join(', ');
    super(
      `${path} was changed concurrently by ${list || 'another commit'} and our edit conflicts with it`,
      'CONFLICT',
      'resolve the change by hand or re-run after reviewing it',
    );
  }
}

/** A repository checkout the library writes in: the caller's clone, or a temporary clone of a remote. */
export interface Workspace {
  git: Git;
  dir: string;
  branch: string;
  /** True when the library cloned into a temp dir (removed by cleanup). */
  temporary: boolean;
  /** True when the workspace has an `origin` remote to fetch from and push to. */
  hasRemote: boolean;
  cleanup(): Promise<void>;
}

/** How to open a workspace. */
export interface OpenWorkspaceOptions {
  repo: string;
  branch: string;
  /** Fetch and fast-forward a caller's clone to origin/<branch> first (needed before pushing). */
  sync: boolean;
  log?: (line: string) => void;
}

const URL_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;

/** True when `repo` looks like a git URL (scheme://... or scp-like user@host:path) rather than a local path. */
export function isGitUrl(repo: string): boolean {
  return URL_RE.test(repo);
}

/** The top-level directory when `dir` is inside a working tree (not a bare repository), else undefined. */
async function workTreeRoot(dir: string): Promise<string | undefined> {
  const res = await new Git(dir).tryRun(['rev-parse', '--is-inside-work-tree', '--show-toplevel']);
  const [inside, top] = res.stdout.trim().split('\n');
  return res.code === 0 && inside === 'true' && top ? top : undefined;
}

/**
 * Opens `repo` for writing: a local working clone is used in place (it must be clean and on `branch` or
 * detached); anything else (URL, bare repo) is cloned into a temporary directory with full commit history
 * (blobs fetched lazily for URLs) so ancestry checks work.
 */
export async function openWorkspace(opts: OpenWorkspaceOptions): Promise<Workspace> {
  const { repo, branch } = opts;
  const log = opts.log ?? (() => undefined);
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-') || branch.includes('..')) {
    throw new InputError('branch', `'${branch}' is not a valid branch name`);
  }
  const local = !isGitUrl(repo);
  if (local && !existsSync(repo)) {
    throw new InputError('repo', `'${repo}' does not exist and is not a git URL`);
  }
  const root = local && statSync(repo).isDirectory() ? await workTreeRoot(repo) : undefined;
  if (root) {
    const git = new Git(root);
    if (!(await git.isClean())) {
      throw new GitopsError(
        `${git.cwd} has uncommitted changes`,
        'DIRTY_WORKTREE',
        'commit or stash them first; gitops only writes to a clean checkout',
      );
    }
    const current = await git.tryRun(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (current.code === 0 && current.stdout.trim() !== branch) {
      throw new InputError(
        'branch',
        `'${branch}' is not the branch checked out in ${git.cwd} ('${current.stdout.trim()}')`,
      );
    }
    const hasRemote = (await git.tryRun(['remote', 'get-url', 'origin'])).code === 0;
    const ws: Workspace = {
      git,
      dir: git.cwd,
      branch,
      temporary: false,
      hasRemote,
      cleanup: async () => undefined,
    };
    if (opts.sync) {
      if (!hasRemote) throw new InputError('repo', `${git.cwd} has no 'origin' remote to push to`);
      await syncWorkspace(ws, log);
    }
    return ws;
  }
  const dir = await mkdtemp(join(tmpdir(), 'gitops-clone-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    // Full commit graph for ancestry checks; for URLs skip blobs until checkout needs them.
    const filter = local ? [] : ['--filter=blob:none'];
    await new Git(tmpdir()).run([
      'clone',
      '--quiet',
      '--single-branch',
      '--branch',
      branch,
      ...filter,
      '--',
      repo,
      dir,
    ]);
    log(`cloned ${maskCredentials(repo)} (${branch}) into ${dir}`);
    return { git: new Git(dir), dir, branch, temporary: true, hasRemote: true, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * Deepens a shallow clone (actions/checkout uses depth 1): the rollback, revert and ancestry checks read
 * trailers and ancestry from the whole history, which a shallow clone silently lacks.
 */
export async function ensureFullHistory(
  ws: Workspace,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  if ((await ws.git.run(['rev-parse', '--is-shallow-repository'])) !== 'true') return;
  if (!ws.hasRemote) {
    throw new GitopsError(
      `${ws.dir} is a shallow clone without an origin to deepen it from`,
      'SHALLOW_CLONE',
      'clone with full history',
    );
  }
  log('shallow clone: fetching the full history (needed for rollback and ancestry checks)');
  await ws.git.run([
    'fetch',
    '--quiet',
    '--unshallow',
    'origin',
    `+refs/heads/${ws.branch}:refs/remotes/origin/${ws.branch}`,
  ]);
}

/** Fetches origin/<branch> and fast-forwards HEAD to it when HEAD has no commits of its own. */
export async function syncWorkspace(
  ws: Workspace,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  await fetchBranch(ws);
  const upstream = `refs/remotes/origin/${ws.branch}`;
  // Fast-forward covers the usual case in one step; it fails only when HEAD has commits of its own.
  if ((await ws.git.tryRun(['merge', '--ff-only', '--quiet', upstream])).code === 0) return;
  if (!(await ws.git.isAncestor(upstream, 'HEAD'))) {
    log(`local HEAD and origin/${ws.branch} have diverged; rebasing local commits`);
    await rebaseOrAbort(ws, upstream);
  }
}

async function fetchBranch(ws: Workspace): Promise<void> {
  await ws.git.run([
    'fetch',
    '--quiet',
    'origin',
    `+refs/heads/${ws.branch}:refs/remotes/origin/${ws.branch}`,
  ]);
}

async function rebaseOrAbort(ws: Workspace, onto: string): Promise<boolean> {
  const identity = await ws.git.commitIdentity();
  const res = await ws.git.tryRun([...identity, 'rebase', '--quiet', onto]);
  if (res.code === 0) return true;
  await ws.git.tryRun(['rebase', '--abort']);
  return false;
}

const REJECTED_RE =
  /\[rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|incorrect old value|failed to lock/i;
const TRANSIENT_RE =
  /could not resolve host|connection (?:reset|refused|timed out)|timed out|early eof|rpc failed|unexpected disconnect|returned error: (?:5\d\d|429)|http 5\d\d|the remote end hung up/i;

/** Pushes HEAD to origin/<branch>; PushRejectedError when the remote moved or the network failed transiently. */
export async function pushHead(ws: Workspace): Promise<void> {
  const args = ['push', '--quiet', '--porcelain', 'origin', `HEAD:refs/heads/${ws.branch}`];
  const res = await ws.git.tryRun(args);
  if (res.code === 0) return;
  const text = `${res.stdout}\n${res.stderr}`;
  if (REJECTED_RE.test(text)) throw new PushRejectedError(ws.branch, lastLines(text, 2));
  if (TRANSIENT_RE.test(text)) throw new PushRejectedError(ws.branch, lastLines(text, 2), true);
  throw new GitError(args, res.code, res.stderr, res.stdout, ws.git.cwd);
}

/** One commit as `git log` shows it. */
export interface LogEntry {
  sha: string;
  subject: string;
  message: string;
}

/** `git log` entries (full messages) for `args` (revision range, -n, -- paths, ...). */
export async function logEntries(git: Git, args: string[]): Promise<LogEntry[]> {
  const out = await git.run(['log', '--format=%H%x1f%B%x1e', ...args]);
  return out
    .split('\x1e')
    .map((chunk) => chunk.replace(/^\n/, ''))
    .filter((chunk) => chunk.includes('\x1f'))
    .map((chunk) => {
      const [sha = '', message = ''] = chunk.split('\x1f');
      return { sha: sha.trim(), subject: message.split('\n')[0] ?? '', message };
    });
}

/** What one attempt of a write produced: a local commit to push, or a final answer with nothing to push. */
export type WriteAttempt<T> = { commit: string; result: T } | { commit?: undefined; result: T };

/** Options for commitWithRetry. */
export interface CommitWithRetryOptions<T> {
  /** The file the attempt edits; concurrent non-gitops commits touching it are checked for conflicts. */
  path: string;
  push: boolean;
  maxAttempts?: number;
  /** Decides is a commit was made by gitops (its trailers); others are never overwritten silently. */
  isGitopsCommit: (message: string) => boolean;
  /** Computes the change on the current HEAD and commits it locally (or returns a result without a commit). */
  attempt: (n: number) => Promise<WriteAttempt<T>>;
  log?: (line: string) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The outcome of commitWithRetry. */
export interface CommitWithRetryResult<T> {
  result: T;
  commit?: string;
  attempts: number;
  pushed: boolean;
}

/**
 * Runs attempt -> push; when the push is refused it fetches, checks that no commit outside gitops changed
 * the same lines (ConflictError), drops its own commit, moves onto the new tip and recomputes, so a retry
 * never stacks a second commit and sees whatever others pushed meanwhile. Bounded, with jittered backoff.
 * On failure the checkout is reset to where the attempt started (clean tree, no half-made commit).
 */
export async function commitWithRetry<T>(
  ws: Workspace,
  opts: CommitWithRetryOptions<T>,
): Promise<CommitWithRetryResult<T>> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
  const log = opts.log ?? (() => undefined);
  const upstream = `refs/remotes/origin/${ws.branch}`;
  for (let n = 1; ; n += 1) {
    const base = await ws.git.run(['rev-parse', 'HEAD']);
    try {
      const out = await opts.attempt(n);
      if (out.commit === undefined) return { result: out.result, attempts: n, pushed: false };
      if (!opts.push) return { result: out.result, commit: out.commit, attempts: n, pushed: false };
      try {
        await pushHead(ws);
        return { result: out.result, commit: out.commit, attempts: n, pushed: true };
      } catch (err) {
        if (!(err instanceof PushRejectedError)) throw err;
        if (n >= maxAttempts) throw err;
        log(
          `push attempt ${n} ${err.transient ? 'failed' : 'was rejected'} (${err.detail}); fetching and retrying`,
        );
        await fetchBranch(ws);
        // A push that landed although the client saw an error must not be made twice.
        if (await ws.git.isAncestor(out.commit, upstream)) {
          await ws.git.run(['merge', '--ff-only', '--quiet', upstream]);
          return { result: out.result, commit: out.commit, attempts: n, pushed: true };
        }
        const others = (await logEntries(ws.git, [`${base}..${upstream}`, '--', opts.path])).filter(
          (c) => !opts.isGitopsCommit(c.message),
        );
        if (others.length > 0 && !(await rebaseOrAbort(ws, upstream)))
          throw new ConflictError(opts.path, others);
        await ws.git.run(['reset', '--quiet', '--hard', base]);
        if (!(await rebaseOrAbort(ws, upstream))) {
          throw new GitopsError(
            `local commits in ${ws.dir} conflict with origin/${ws.branch}`,
            'CONFLICT',
            'rebase them by hand, then re-run',
          );
        }
        await (opts.sleep ?? sleep)(
          backoffDelay(n, { random: opts.random, baseDelayMs: 50, maxDelayMs: 1000 }),
        );
      }
    } catch (err) {
      await restore(ws, base);
      throw err;
    }
  }
}

async function restore(ws: Workspace, head: string): Promise<void> {
  if (ws.temporary) return;
  if (
    existsSync(join(ws.dir, '.git', 'rebase-merge')) ||
    existsSync(join(ws.dir, '.git', 'rebase-apply'))
  ) {
    await ws.git.tryRun(['rebase', '--abort']);
  }
  const res = await ws.git.tryRun(['reset', '--quiet', '--hard', head]);
  if (res.code !== 0)
    throw new GitError(['reset', '--hard', head], res.code, res.stderr, res.stdout, ws.dir);
}
