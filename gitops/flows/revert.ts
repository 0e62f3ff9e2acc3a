import { GitopsError, InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import {
  ConflictError,
  commitWithRetry,
  ensureFullHistory,
  isGitUrl,
  logEntries,
  openWorkspace,
} from '../adapters/git.js';
import { existsSync } from 'node:fs';
import {
  TRAILER,
  formatRevertMessage,
  gitopsAction,
  parseTrailers,
  parseTrailingTrailers,
} from '../rules/trailers.js';
import type { Trailers } from '../rules/trailers.js';

/** Which commit to revert, and why. */
export interface RevertOptions {
  repo: string;
  branch?: string;
  /**
   * The commit that deployed (full or abbreviated SHA): a bump (`Gitops-Action: bump`), a promotion commit
   * (`Gitops-Action: promote`, also as rebased or squash-merged by GitHub), or the merge commit of a promotion PR.
   */
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
  /** The Gitops-Action of the reverted change. */
  revertedAction?: 'bump' | 'promote';
  /** True when the reverted commit is a merge (reverted against its first parent, `git revert -m 1`). */
  merge?: boolean;
}

const ACCEPTED =
  'gitops reverts only its own deployments: a bump (Gitops-Action: bump trailer), a promotion ' +
  '(Gitops-Action: promote trailer, as committed, rebase-merged or squash-merged with the trailers of the ' +
  'commit or the PR description) or the merge commit of a promotion PR (second parent a promotion); ' +
  'revert anything else by hand';

/** The commit exists but is not a deployment made by gitops: we only ever revert our own commits. */
export class NotABumpError extends InputError {
  constructor(commit: string, detail: string) {
    super('commit', `${commit} ${detail}`, ACCEPTED);
  }
}

/**
 * The commit on `tip` that already reverted `commit`, if any: a gitops revert (its `Reverts:` trailer) or
 * a plain `git revert` / GitHub revert ("This reverts commit <sha>", also the `-m 1` form of a merge).
 */
export async function findRevertOf(
  git: Git,
  commit: string,
  tip = 'HEAD',
): Promise<string | undefined> {
  const escaped = commit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const plain = new RegExp(`^This reverts commit ${escaped}(?:[.,]|\\s|$)`, 'm');
  const hits = await logEntries(git, [
    '-F',
    `--grep=${TRAILER.reverts}: ${commit}`,
    `--grep=This reverts commit ${commit}`,
    tip,
  ]);
  for (const c of hits) {
    const t = parseTrailers(c.message);
    if (t[TRAILER.action] === 'revert' && t[TRAILER.reverts] === commit) return c.sha;
    if (plain.test(c.message)) return c.sha;
  }
  return undefined;
}

/** A commit revertBump accepts, with what the revert needs to know about it. */
interface RevertTarget {
  action: 'bump' | 'promote';
  /** Trailers of the bump or promotion (for a merge: of its second parent). */
  trailers: Trailers;
  /** Subject of the commit being reverted (the merge's own for a merge). */
  subject: string;
  /** Subject of the bump or promotion commit (names the image). */
  changeSubject: string;
  /** Files the revert changes back. */
  files: string[];
  /** For a merge commit: its first parent (the mainline) and the promotion commit it merged. */
  merge?: { mainline: string; promotion: string };
}

// Decides whether `sha` is one of our deployments, in one of the shapes GitHub can merge a promotion PR in.
async function revertTarget(git: Git, sha: string): Promise<RevertTarget> {
  const [self, ...parents] = (await git.run(['rev-list', '--parents', '-n', '1', sha])).split(' ');
  const [entry] = await logEntries(git, ['-n', '1', self ?? sha]);
  const subject = entry?.subject ?? sha;
  if (parents.length > 2) {
    throw new NotABumpError(sha, `is a merge of ${parents.length} parents (expected at most 2)`);
  }
  if (parents.length === 2) {
    const [mainline, promotion] = parents as [string, string];
    const [merged] = await logEntries(git, ['-n', '1', promotion]);
    const trailers = parseTrailingTrailers(merged?.message ?? '');
    if (trailers[TRAILER.action] !== 'promote') {
      throw new NotABumpError(
        sha,
        `is a merge commit whose second parent ${promotion.slice(0, 12)} is not a gitops promotion ` +
          `(Gitops-Action: ${trailers[TRAILER.action] ?? 'none'}, expected promote)`,
      );
    }
    const files = nonEmpty(await git.run(['diff', '--name-only', mainline, sha]));
    checkScope(sha, trailers, files);
    return {
      action: 'promote',
      trailers,
      subject,
      changeSubject: merged?.subject ?? '',
      files,
      merge: { mainline, promotion },
    };
  }
  // A bump is written by us with its trailers last; a promotion may arrive squash-merged, where GitHub can
  // append Co-authored-by after the trailers it copied from the commit or the PR description.
  const own = parseTrailers(entry?.message ?? '');
  const trailers =
    own[TRAILER.action] === 'bump' ? own : parseTrailingTrailers(entry?.message ?? '');
  const action = trailers[TRAILER.action];
  if (action !== 'bump' && action !== 'promote') {
    throw new NotABumpError(
      sha,
      `is not a gitops bump or promotion (Gitops-Action: ${action ?? 'none'}; expected bump or promote)`,
    );
  }
  const files = nonEmpty(await git.run(['diff-tree', '--no-commit-id', '--name-only', '-r', sha]));
  // A squash merge takes in whatever the PR branch held: revert it only if it is still just the pin.
  if (action === 'promote') checkScope(sha, trailers, files);
  return { action, trailers, subject, changeSubject: subject, files };
}

function nonEmpty(out: string): string[] {
  return out.split('\n').filter((f) => f.length > 0);
}

// A promotion changes only its target overlay; reverting more than that would undo someone else's work.
function checkScope(sha: string, trailers: Trailers, files: string[]): void {
  const overlay = trailers[TRAILER.overlay];
  if (!overlay) {
    throw new NotABumpError(
      sha,
      'is a promotion without an Overlay trailer (cannot check its scope)',
    );
  }
  const outside = files.filter((f) => !f.startsWith(`${overlay.replace(/\/+$/, '')}/`));
  if (outside.length > 0) {
    throw new NotABumpError(
      sha,
      `is a promotion that also changes files outside ${overlay} (${outside.slice(0, 5).join(', ')})`,
    );
  }
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
 * Reverts a deployment made by gitops: a bump, a promotion commit (rebase- or squash-merged) or a promotion
 * PR's merge commit (against its first parent), with a commit giving the reason and trailers, pushed with the
 * bump's retry. Reverting again is a no-op ('already-reverted', see findRevertOf), also when two clones race.
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
    const target = await revertTarget(git, resolved);
    const { trailers, files } = target;
    const sourceCommit = trailers[TRAILER.sourceCommit] ?? '';
    const environment = trailers[TRAILER.environment] ?? '';
    const overlay = trailers[TRAILER.overlay];
    const path = files[0] ?? overlay ?? '.';
    const image = /^(?:deploy|promote)\([^)]*\): (\S+) /.exec(target.changeSubject)?.[1];
    const mainline = target.merge ? ['-m', '1'] : [];
    const shape = {
      revertedAction: target.action,
      ...(target.merge ? { merge: true } : {}),
    } as const;

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
        const res = await git.tryRun(['revert', '--no-commit', '--no-edit', ...mainline, resolved]);
        if (res.code !== 0) {
          await git.tryRun(['revert', '--abort']);
          const later = await logEntries(git, [`${resolved}..HEAD`, '--', ...files]);
          throw new ConflictError(path, later);
        }
        if ((await git.run(['diff', '--cached', '--name-only'])).trim() === '') {
          // The change is already undone (e.g. by hand): nothing to commit.
          const head = await git.run(['rev-parse', 'HEAD']);
          return { result: { status: 'already-reverted', commit: head } };
        }
        const digest = trailers[TRAILER.digest];
        const message = formatRevertMessage({
          environment,
          revertedCommit: resolved,
          revertedSubject: target.subject,
          sourceCommit,
          reason: opts.reason,
          revertedAction: target.action,
          ...(image ? { image } : {}),
          ...(overlay ? { overlay } : {}),
          ...(digest ? { digest } : {}),
          ...(target.merge
            ? {
                mainlineParent: target.merge.mainline,
                revertedPromotion: target.merge.promotion,
              }
            : {}),
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
      ...shape,
    };
  } finally {
    await ws.cleanup();
  }
}
