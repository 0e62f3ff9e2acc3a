import { GitopsError, InputError } from './errors.js';
import type { Git } from './git.js';
import {
  ConflictError,
  commitWithRetry,
  ensureFullHistory,
  isGitUrl,
  logEntries,
  openWorkspace,
} from './git.js';
import { existsSync } from 'node:fs';
import { TRAILER, formatRevertMessage, gitopsAction, parseTrailers } from './trailers.js';

/** Which bump commit to revert, and why. */
export interface RevertOptions {
  repo: string;
  branch?: string;
  /** The bump commit (full or abbreviated SHA); it must carry `Gitops-Action: bump`. */
  commit: string;
  reason: string;
  push: boolean;
  maxAttempts?: number;
  log?: (line: string) => void;
}

/** What a revert did; `commit` is the revert commit (new, or the earlier one that already reverted it). */
export interface RevertResult {
  status: 'reverted' | 'already-reverted';
  commit: string;
  revertedSourceCommit: string;
  environment: string;
  pushed: boolean;
}

/** The commit exists but is not a bump made by gitops: we only ever revert our own commits. */
export class NotABumpError extends InputError {
  constructor(commit: string, detail: string) {
    super(
      'commit',
      `${commit} ${detail}`,
      'only commits with a Gitops-Action: bump trailer can be reverted by gitops',
    );
  }
}

/** The revert commit that already reverted `bump` (by its Reverts: trailer), if any. */
export async function findRevertOf(git: Git, bump: string): Promise<string | undefined> {
  for (const c of await logEntries(git, ['-F', `--grep=${TRAILER.reverts}: ${bump}`, 'HEAD'])) {
    const t = parseTrailers(c.message);
    if (t[TRAILER.action] === 'revert' && t[TRAILER.reverts] === bump) return c.sha;
  }
  return undefined;
}

function validate(opts: RevertOptions): void {
  if (typeof opts.repo !== 'string' || opts.repo.trim() === '')
    throw new InputError('repo', 'is required');
  if (typeof opts.commit !== 'string' || !/^[0-9a-f]{7,40}$/.test(opts.commit)) {
    throw new InputError(
      'commit',
      `'${String(opts.commit)}' is not a commit SHA (7 to 40 lowercase hex characters)`,
    );
  }
  if (typeof opts.reason !== 'string' || opts.reason.trim() === '') {
    throw new InputError('reason', 'is required: say why the deployment is rolled back');
  }
  if (!isGitUrl(opts.repo) && !existsSync(opts.repo)) {
    throw new InputError('repo', `'${opts.repo}' does not exist and is not a git URL`);
  }
}

/**
 * Reverts a bump commit made by gitops (found by its `Gitops-Action: bump` trailer) with a commit that
 * gives the reason and trailers, and pushes it with the bump's retry. Reverting again is a no-op
 * ('already-reverted', found by the `Reverts:` trailer), also when two clones race.
 */
export async function revertBump(opts: RevertOptions): Promise<RevertResult> {
  validate(opts);
  const log = opts.log ?? (() => undefined);
  const branch = opts.branch ?? 'main';
  const ws = await openWorkspace({ repo: opts.repo, branch, sync: opts.push, log });
  try {
    await ensureFullHistory(ws, log);
    const git = ws.git;
    const resolved = await git.resolve(opts.commit);
    if (!resolved) throw new InputError('commit', `${opts.commit} is not a commit in ${branch}`);
    if (!(await git.isAncestor(resolved, 'HEAD'))) {
      throw new InputError('commit', `${resolved} is not in the history of ${branch}`);
    }
    const [entry] = await logEntries(git, ['-n', '1', resolved]);
    const trailers = parseTrailers(entry?.message ?? '');
    if (trailers[TRAILER.action] !== 'bump') {
      throw new NotABumpError(
        resolved,
        'is not a gitops bump commit (no Gitops-Action: bump trailer)',
      );
    }
    const sourceCommit = trailers[TRAILER.sourceCommit] ?? '';
    const environment = trailers[TRAILER.environment] ?? '';
    const overlay = trailers[TRAILER.overlay];
    const files = (
      await git.run(['diff-tree', '--no-commit-id', '--name-only', '-r', resolved])
    ).split('\n');
    const path = files.find((f) => f.length > 0) ?? overlay ?? '.';
    const image = /^deploy\([^)]*\): (\S+) /.exec(entry?.subject ?? '')?.[1];

    type Outcome = { status: RevertResult['status']; commit?: string };
    const run = await commitWithRetry<Outcome>(ws, {
      path,
      push: opts.push,
      maxAttempts: opts.maxAttempts ?? 8,
      log,
      isGitopsCommit: (message) => gitopsAction(message) !== undefined,
      attempt: async () => {
        const earlier = await findRevertOf(git, resolved);
        if (earlier) {
          log(`${resolved.slice(0, 12)} was already reverted by ${earlier.slice(0, 12)}`);
          return { result: { status: 'already-reverted', commit: earlier } };
        }
        const res = await git.tryRun(['revert', '--no-commit', '--no-edit', resolved]);
        if (res.code !== 0) {
          await git.tryRun(['revert', '--abort']);
          const later = await logEntries(git, [
            `${resolved}..HEAD`,
            '--',
            ...files.filter(Boolean),
          ]);
          throw new ConflictError(path, later);
        }
        if ((await git.run(['diff', '--cached', '--name-only'])).trim() === '') {
          // The change is already undone (e.g. by hand): nothing to commit.
          const head = await git.run(['rev-parse', 'HEAD']);
          return { result: { status: 'already-reverted', commit: head } };
        }
        const message = formatRevertMessage({
          environment,
          revertedCommit: resolved,
          revertedSubject: entry?.subject ?? resolved,
          sourceCommit,
          reason: opts.reason,
          ...(image ? { image } : {}),
          ...(overlay ? { overlay } : {}),
        });
        const commit = await git.commit(message);
        log(`committed revert ${commit.slice(0, 12)} of ${resolved.slice(0, 12)}`);
        return { commit, result: { status: 'reverted', commit } };
      },
    });
    const commit = run.commit ?? run.result.commit;
    if (!commit) throw new GitopsError('internal: revert produced no commit', 'INTERNAL');
    return {
      status: run.result.status,
      commit,
      revertedSourceCommit: sourceCommit,
      environment,
      pushed: run.pushed,
    };
  } finally {
    await ws.cleanup();
  }
}
