/**
 * The one repository checkout that bump, promote, revert and verify write in, and the one commit-and-push
 * loop they share. A local clone is used in place (bump, revert: the caller's checkout moves with the
 * commit) or through a temporary worktree that leaves the caller's checkout and branches alone (promote);
 * anything else (a URL, a bare repository) is cloned into a temporary directory.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import {
  ConflictError,
  Git,
  GitError,
  PushRejectedError,
  fetchBranch,
  isGitUrl,
  logEntries,
  pushCommit,
  upstreamRef,
} from '../adapters/git.js';
import { backoffDelay, sleep } from '../retry.js';
import { MAX_PUSH_ATTEMPTS, checkBranch } from '../rules/names.js';
import { maskCredentials } from '../rules/redact.js';

/** A repository checkout the library writes in. */
export interface Workspace {
  git: Git;
  dir: string;
  branch: string;
  /** `checkout`: the caller's clone in place; `worktree`: a temporary worktree of it; `clone`: a temporary clone. */
  kind: 'checkout' | 'worktree' | 'clone';
  /** True when the workspace has an `origin` remote to fetch from and push to. */
  hasRemote: boolean;
  /** The remote-tracking ref of `branch` (refs/remotes/origin/<branch>). */
  upstream: string;
  cleanup(): Promise<void>;
}

/** How to open a workspace. */
export interface OpenWorkspaceOptions {
  /** A local clone (any directory inside it), a bare repository path or a git URL. */
  repo: string;
  branch: string;
  /** Fetch origin/<branch> and bring HEAD onto it first (needed before pushing). */
  sync: boolean;
  /** `scratch` never moves the caller's checkout: a local clone gets a temporary detached worktree. */
  mode?: 'in-place' | 'scratch';
  log?: (line: string) => void;
}

/** `repo` when it names something to open: a git URL or an existing path; InputError otherwise. */
export function checkRepo(repo: string, input = 'repo'): string {
  if (typeof repo !== 'string' || repo.trim() === '') throw new InputError(input, 'is required');
  if (!isGitUrl(repo) && !existsSync(repo)) {
    throw new InputError(input, `'${repo}' does not exist and is not a git URL`);
  }
  return repo;
}

/** The top-level directory when `dir` is inside a working tree (not a bare repository), else undefined. */
export async function workTreeRoot(dir: string): Promise<string | undefined> {
  if (isGitUrl(dir) || !existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const res = await new Git(dir).tryRun(['rev-parse', '--is-inside-work-tree', '--show-toplevel']);
  const [inside, top] = res.stdout.trim().split('\n');
  return res.code === 0 && inside === 'true' && top ? top : undefined;
}

/** Opens `repo` for writing; the caller must call cleanup() (or use withWorkspace). */
export async function openWorkspace(opts: OpenWorkspaceOptions): Promise<Workspace> {
  const branch = checkBranch(opts.branch);
  const repo = checkRepo(opts.repo);
  const log = opts.log ?? (() => undefined);
  const root = await workTreeRoot(repo);
  const how = { branch, sync: opts.sync, log };
  if (root && opts.mode === 'scratch') return openWorktree(root, how);
  if (root) return openCheckout(root, how);
  return openClone(repo, how);
}

/** Runs `fn` in a workspace opened with `opts` and cleans up after it, whatever happens. */
export async function withWorkspace<T>(
  opts: OpenWorkspaceOptions,
  fn: (ws: Workspace) => Promise<T>,
): Promise<T> {
  const ws = await openWorkspace(opts);
  try {
    return await fn(ws);
  } finally {
    await ws.cleanup();
  }
}

async function hasOrigin(git: Git): Promise<boolean> {
  return (await git.tryRun(['remote', 'get-url', 'origin'])).code === 0;
}

/** What the open* functions need besides where. */
interface OpenHow {
  branch: string;
  sync: boolean;
  log: (line: string) => void;
}

async function openCheckout(root: string, { branch, sync, log }: OpenHow): Promise<Workspace> {
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
  const ws: Workspace = {
    git,
    dir: git.cwd,
    branch,
    kind: 'checkout',
    hasRemote: await hasOrigin(git),
    upstream: upstreamRef(branch),
    cleanup: async () => undefined,
  };
  if (sync) {
    if (!ws.hasRemote) throw new InputError('repo', `${git.cwd} has no 'origin' remote to push to`);
    await syncWorkspace(ws, log);
  }
  return ws;
}

async function openWorktree(root: string, { branch, sync, log }: OpenHow): Promise<Workspace> {
  const clone = new Git(root);
  const hasRemote = await hasOrigin(clone);
  let start = `refs/heads/${branch}`;
  if (sync) {
    if (!hasRemote) throw new InputError('repo', `${root} has no 'origin' remote to push to`);
    await fetchBranch(clone, branch);
    start = upstreamRef(branch);
  }
  if (!(await clone.resolve(start)))
    throw new InputError('branch', `'${branch}' does not exist in ${root}`);
  const dir = await mkdtemp(join(tmpdir(), 'gitops-worktree-'));
  await rm(dir, { recursive: true, force: true });
  await clone.run(['worktree', 'add', '--quiet', '--detach', dir, start]);
  log(`working in a temporary worktree of ${root} at ${start}`);
  return {
    git: new Git(dir),
    dir,
    branch,
    kind: 'worktree',
    hasRemote,
    upstream: upstreamRef(branch),
    cleanup: async () => {
      await clone.run(['worktree', 'remove', '--force', dir]);
    },
  };
}

async function openClone(repo: string, { branch, log }: OpenHow): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-clone-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    // Full commit graph for ancestry checks; for URLs skip blobs until checkout needs them.
    const filter = isGitUrl(repo) ? ['--filter=blob:none'] : [];
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
    return {
      git: new Git(dir),
      dir,
      branch,
      kind: 'clone',
      hasRemote: true,
      upstream: upstreamRef(branch),
      cleanup,
    };
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
    `+refs/heads/${ws.branch}:${ws.upstream}`,
  ]);
}

/** Fetches origin/<branch> and brings HEAD onto it, rebasing local commits that are not on the remote. */
export async function syncWorkspace(
  ws: Workspace,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  await fetchBranch(ws.git, ws.branch);
  // Fast-forward covers the usual case in one step; it fails only when HEAD has commits of its own.
  if ((await ws.git.tryRun(['merge', '--ff-only', '--quiet', ws.upstream])).code === 0) return;
  if (!(await ws.git.isAncestor(ws.upstream, 'HEAD'))) {
    log(`local HEAD and origin/${ws.branch} have diverged; rebasing local commits`);
    await rebaseOrAbort(ws, ws.upstream);
  }
}

/** True when HEAD holds commits that origin/<branch> (as last fetched) does not. */
export async function isAhead(ws: Workspace): Promise<boolean> {
  if (!ws.hasRemote || !(await ws.git.resolve(ws.upstream))) return false;
  return !(await ws.git.isAncestor('HEAD', ws.upstream));
}

async function rebaseOrAbort(ws: Workspace, onto: string): Promise<boolean> {
  const identity = await ws.git.commitIdentity();
  const res = await ws.git.tryRun([...identity, 'rebase', '--quiet', onto]);
  if (res.code === 0) return true;
  await ws.git.tryRun(['rebase', '--abort']);
  return false;
}

/** What one attempt of a write produced: a local commit to push, or a final answer with nothing new. */
export type WriteAttempt<T> = { commit: string; result: T } | { commit?: undefined; result: T };

/** Options for commitWithRetry. */
export interface CommitWithRetryOptions<T> {
  /** The file the attempt edits; concurrent non-gitops commits touching it are checked for conflicts. */
  path: string;
  push: boolean;
  maxAttempts?: number;
  /** Decides if a commit was made by gitops (its trailers); others are never overwritten silently. */
  isGitopsCommit: (message: string) => boolean;
  /** Computes the change on the current HEAD and commits it locally (or returns a result without a commit). */
  attempt: (n: number) => Promise<WriteAttempt<T>>;
  log?: (line: string) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The outcome of commitWithRetry; `pushed` only when the remote branch holds `commit`. */
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
 * An attempt that needs no new commit still pushes when HEAD is ahead of the remote (an earlier run
 * committed but never pushed). On failure the checkout is reset to where the attempt started.
 */
export async function commitWithRetry<T>(
  ws: Workspace,
  opts: CommitWithRetryOptions<T>,
): Promise<CommitWithRetryResult<T>> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? MAX_PUSH_ATTEMPTS);
  const log = opts.log ?? (() => undefined);
  for (let n = 1; ; n += 1) {
    const base = await ws.git.run(['rev-parse', 'HEAD']);
    try {
      const out = await opts.attempt(n);
      const ahead = opts.push && out.commit === undefined && (await isAhead(ws));
      if (!opts.push || (out.commit === undefined && !ahead)) {
        return { result: out.result, commit: out.commit, attempts: n, pushed: false };
      }
      const commit = out.commit ?? base;
      if (ahead) log(`HEAD ${commit.slice(0, 12)} is not on origin/${ws.branch} yet; pushing it`);
      try {
        await pushCommit(ws.git, ws.branch, commit);
        return { result: out.result, commit, attempts: n, pushed: true };
      } catch (err) {
        if (!(err instanceof PushRejectedError)) throw err;
        if (n >= maxAttempts) throw err;
        log(
          `push attempt ${n} ${err.transient ? 'failed' : 'was rejected'} (${err.detail}); fetching and retrying`,
        );
        await fetchBranch(ws.git, ws.branch);
        // A push that landed although the client saw an error must not be made twice.
        if (await ws.git.isAncestor(commit, ws.upstream)) {
          await ws.git.run(['merge', '--ff-only', '--quiet', ws.upstream]);
          return { result: out.result, commit, attempts: n, pushed: true };
        }
        const others = (
          await logEntries(ws.git, [`${base}..${ws.upstream}`, '--', opts.path])
        ).filter((c) => !opts.isGitopsCommit(c.message));
        if (others.length > 0 && !(await rebaseOrAbort(ws, ws.upstream)))
          throw new ConflictError(opts.path, others);
        await ws.git.run(['reset', '--quiet', '--hard', base]);
        if (!(await rebaseOrAbort(ws, ws.upstream))) {
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
  if (ws.kind === 'clone') return;
  const gitDir = await ws.git.run(['rev-parse', '--absolute-git-dir']);
  if (existsSync(join(gitDir, 'rebase-merge')) || existsSync(join(gitDir, 'rebase-apply'))) {
    await ws.git.tryRun(['rebase', '--abort']);
  }
  const res = await ws.git.tryRun(['reset', '--quiet', '--hard', head]);
  if (res.code !== 0)
    throw new GitError(['reset', '--hard', head], res.code, res.stderr, res.stdout, ws.dir);
}
