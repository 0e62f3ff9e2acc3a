/**
 * Reverts a deployment gitops made (a bump, a promotion in any shape GitHub merges it in) with a commit
 * that gives the reason and trailers, pushed with the shared retry; a second revert is a no-op.
 */
import { GitopsError, InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { ConflictError, logEntries } from '../adapters/git.js';
import { parseImageRef } from '../rules/image-ref.js';
import { MAX_PUSH_ATTEMPTS, checkBranch, checkCommitish } from '../rules/names.js';
import {
  TRAILER,
  formatRevertMessage,
  gitopsAction,
  parseTrailers,
  parseTrailingTrailers,
} from '../rules/trailers.js';
import type { Trailers } from '../rules/trailers.js';
import type { Workspace } from './workspace.js';
import {
  checkRepo,
  commitWithRetry,
  ensureFullHistory,
  isAhead,
  syncWorkspace,
  withWorkspace,
} from './workspace.js';

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
  /** A workspace already open on `repo` and `branch` (verify shares its own); opened here when absent. */
  workspace?: Workspace;
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
export class NotADeploymentError extends InputError {
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

/** A commit revertDeployment accepts, with what the revert needs to know about it. */
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
    throw new NotADeploymentError(
      sha,
      `is a merge of ${parents.length} parents (expected at most 2)`,
    );
  }
  if (parents.length === 2) {
    const [mainline, promotion] = parents as [string, string];
    const [merged] = await logEntries(git, ['-n', '1', promotion]);
    const trailers = parseTrailingTrailers(merged?.message ?? '');
    if (trailers[TRAILER.action] !== 'promote') {
      throw new NotADeploymentError(
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
    throw new NotADeploymentError(
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
    throw new NotADeploymentError(
      sha,
      'is a promotion without an Overlay trailer (cannot check its scope)',
    );
  }
  const outside = files.filter((f) => !f.startsWith(`${overlay.replace(/\/+$/, '')}/`));
  if (outside.length > 0) {
    throw new NotADeploymentError(
      sha,
      `is a promotion that also changes files outside ${overlay} (${outside.slice(0, 5).join(', ')})`,
    );
  }
}

/** Checks the revert inputs that need no repository; InputError naming the first bad one. */
export function validateRevertOptions(opts: RevertOptions): void {
  checkRepo(opts.repo);
  checkCommitish(opts.commit, 'commit');
  if (typeof opts.reason !== 'string' || opts.reason.trim() === '') {
    throw new InputError('reason', 'is required: say why the deployment is rolled back');
  }
  checkBranch(opts.branch ?? 'main');
  if (
    opts.maxAttempts !== undefined &&
    (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1)
  ) {
    throw new InputError('maxAttempts', `'${opts.maxAttempts}' must be a positive integer`);
  }
}

// The image a deployment pinned, for the revert's subject: its Image-Name trailer, or (commits written
// before that trailer) the last path component of its Image trailer's repository.
function imageOf(trailers: Trailers): string | undefined {
  const name = trailers[TRAILER.imageName];
  if (name) return name;
  const ref = trailers[TRAILER.image];
  if (!ref) return undefined;
  try {
    return parseImageRef(ref, TRAILER.image).repository.split('/').pop();
  } catch {
    // A hand-written trailer that is no image reference: the subject goes without the image.
    return undefined;
  }
}

/**
 * Reverts a deployment made by gitops: a bump, a promotion commit (rebase- or squash-merged) or a promotion
 * PR's merge commit (against its first parent), with a commit giving the reason and trailers, pushed with the
 * bump's retry. Reverting again is a no-op ('already-reverted', see findRevertOf), also when two clones race.
 */
export async function revertDeployment(opts: RevertOptions): Promise<RevertResult> {
  validateRevertOptions(opts);
  const log = opts.log ?? (() => undefined);
  const branch = opts.branch ?? 'main';
  if (opts.workspace) {
    if (opts.push) await syncWorkspace(opts.workspace, log);
    return revertIn(opts.workspace, opts, log);
  }
  const workspace = { repo: opts.repo, branch, sync: opts.push, log };
  return withWorkspace(workspace, (ws) => revertIn(ws, opts, log));
}

async function revertIn(
  ws: Workspace,
  opts: RevertOptions,
  log: (line: string) => void,
): Promise<RevertResult> {
  await ensureFullHistory(ws, log);
  const git = ws.git;
  const branch = ws.branch;
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
  const image = imageOf(trailers);
  const mainline = target.merge ? ['-m', '1'] : [];
  const shape = {
    revertedAction: target.action,
    ...(target.merge ? { merge: true } : {}),
  } as const;

  type Outcome = { status: RevertResult['status']; commit?: string };
  const run = await commitWithRetry<Outcome>(ws, {
    path,
    push: opts.push,
    maxAttempts: opts.maxAttempts ?? MAX_PUSH_ATTEMPTS,
    log,
    isGitopsCommit: (message) => gitopsAction(message) !== undefined,
    attempt: async () => {
      const earlier = await findRevertOf(git, resolved);
      if (earlier) {
        // "Already reverted" is what the remote says: a revert only in this clone still has to be pushed.
        const pending =
          opts.push && (await isAhead(ws)) && !(await git.isAncestor(earlier, ws.upstream));
        log(
          `${resolved.slice(0, 12)} was already reverted by ${earlier.slice(0, 12)}${pending ? ', not pushed yet' : ''}`,
        );
        return { result: { status: pending ? 'reverted' : 'already-reverted', commit: earlier } };
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
  const commit = run.result.commit ?? run.commit;
  if (!commit) throw new GitopsError('internal: revert produced no commit', 'INTERNAL');
  return {
    status: run.result.status,
    commit,
    revertedSourceCommit: sourceCommit,
    environment,
    pushed: run.pushed,
    ...shape,
  };
}
