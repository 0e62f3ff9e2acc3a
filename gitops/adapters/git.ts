import { GitopsError, MissingToolError } from '../errors.js';
import { maskCredentials } from '../rules/redact.js';
import { runProcess } from './process.js';

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

  /** True when `ancestor` is `descendant` or in its history; GitError when either is not a known commit. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const known = await this.ancestry(ancestor, descendant);
    if (known !== undefined) return known;
    throw new GitError(
      ['merge-base', '--is-ancestor', ancestor, descendant],
      128,
      `${ancestor} or ${descendant} is not a commit here`,
      '',
      this.cwd,
    );
  }

  /**
   * Whether `ancestor` is in the history of `descendant`; undefined when either is not a commit known here
   * (a SHA from another repository, or beyond a shallow history).
   */
  async ancestry(ancestor: string, descendant: string): Promise<boolean | undefined> {
    const args = ['merge-base', '--is-ancestor', ancestor, descendant];
    const res = await this.tryRun(args);
    if (res.code === 0) return true;
    if (res.code === 1) return false;
    if (/not a valid|bad object|unknown revision/i.test(res.stderr)) return undefined;
    throw new GitError(args, res.code, res.stderr, res.stdout, this.cwd);
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
    return runProcess('git', args, {
      cwd: this.cwd,
      // No prompts: a missing credential must fail, not hang a CI job.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...this.baseEnv, ...opts.env },
      input: opts.input,
      installHint: 'install git (apt-get install git)',
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

const URL_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;

/** True when `repo` looks like a git URL (scheme://... or scp-like user@host:path) rather than a local path. */
export function isGitUrl(repo: string): boolean {
  return URL_RE.test(repo);
}

/** Where a clone tracks `branch` of its origin. */
export function upstreamRef(branch: string): string {
  return `refs/remotes/origin/${branch}`;
}

/** Fetches origin/<branch> into its remote-tracking ref. */
export async function fetchBranch(git: Git, branch: string): Promise<void> {
  await git.run(['fetch', '--quiet', 'origin', `+refs/heads/${branch}:${upstreamRef(branch)}`]);
}

const REJECTED_RE =
  /\[rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|incorrect old value|failed to lock/i;
const TRANSIENT_RE =
  /could not resolve host|connection (?:reset|refused|timed out)|timed out|early eof|rpc failed|unexpected disconnect|returned error: (?:5\d\d|429)|http 5\d\d|the remote end hung up/i;

/**
 * Pushes `commit` to origin/<branch> (`lease`: only if the remote branch is still at that SHA, '' = absent)
 * and confirms that the remote holds it: PushRejectedError when the remote moved, refused it or the network
 * failed, so a caller never reports a push that did not happen.
 */
export async function pushCommit(
  git: Git,
  branch: string,
  commit: string,
  opts: { lease?: string } = {},
): Promise<void> {
  const lease =
    opts.lease === undefined ? [] : [`--force-with-lease=refs/heads/${branch}:${opts.lease}`];
  const args = [
    'push',
    '--quiet',
    '--porcelain',
    ...lease,
    'origin',
    `${commit}:refs/heads/${branch}`,
  ];
  const res = await git.tryRun(args);
  if (res.code !== 0) {
    const text = `${res.stdout}\n${res.stderr}`;
    if (REJECTED_RE.test(text)) throw new PushRejectedError(branch, lastLines(text, 2));
    if (TRANSIENT_RE.test(text)) throw new PushRejectedError(branch, lastLines(text, 2), true);
    throw new GitError(args, res.code, res.stderr, res.stdout, git.cwd);
  }
  const remote = await remoteBranchTip(git, branch);
  if (remote !== commit) {
    throw new PushRejectedError(
      branch,
      `git reported success but origin/${branch} is at ${remote?.slice(0, 12) ?? 'nothing'}, not ${commit.slice(0, 12)}`,
      true,
    );
  }
}

/** The SHA origin's `branch` points at now (asked of the remote), or undefined when it has no such branch. */
export async function remoteBranchTip(git: Git, branch: string): Promise<string | undefined> {
  const out = await git.run(['ls-remote', 'origin', `refs/heads/${branch}`]);
  const sha = out.split(/\s+/)[0];
  return sha && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}
