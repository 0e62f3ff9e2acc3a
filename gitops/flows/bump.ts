import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { isGitUrl, logEntries } from '../adapters/git.js';
import { environmentOf, openOverlay } from '../adapters/repo-files.js';
import { formatImageRef, parseImageRef } from '../rules/image-ref.js';
import type { ImageOverride } from '../rules/kustomization.js';
import { readImage, setImage, validateOverride } from '../rules/kustomization.js';
import { MAX_PUSH_ATTEMPTS, checkBranch, checkCommitSha, isCommitSha } from '../rules/names.js';
import { findRevertOf } from './revert.js';
import {
  TRAILER,
  formatBumpMessage,
  gitopsAction,
  parseTrailers,
  shortTag,
} from '../rules/trailers.js';
import { checkRepo, commitWithRetry, ensureFullHistory, withWorkspace } from './workspace.js';

/** What to bump: which overlay of which repository gets which image, for which source commit. */
export interface BumpOptions {
  /** A local working clone path, or a remote URL/bare repo path (then it is cloned into a temp dir). */
  repo: string;
  branch?: string;
  /** Overlay directory relative to the repository root (an absolute path inside a local clone works too). */
  overlay: string;
  /** Defaults to the overlay directory's name (overlays/minikube -> minikube). */
  environment?: string;
  image: ImageOverride;
  /** The application commit the image was built from (40 lowercase hex). */
  sourceCommit: string;
  push: boolean;
  /** Bump even a source commit that was rolled back before. */
  force?: boolean;
  maxAttempts?: number;
  log?: (line: string) => void;
}

/** What a bump did. `commit` is the new commit ('committed') or the branch tip that already satisfied it. */
export interface BumpResult {
  status: 'committed' | 'unchanged' | 'stale';
  changed: boolean;
  commit: string;
  /** True only once the remote branch holds `commit` (also an earlier, never pushed commit of the overlay). */
  pushed: boolean;
  /** The image reference the overlay deploys: newName:newTag@digest. */
  ref: string;
  environment: string;
  /** The overlay directory and its kustomization file, relative to the repository root. */
  overlay: string;
  file: string;
  previous?: ImageOverride;
  attempts: number;
  message: string;
}

/** The source commit was rolled back earlier; bumping it again needs `force`. */
export class RolledBackError extends GitopsError {
  constructor(
    readonly sourceCommit: string,
    readonly revertCommit: string,
  ) {
    super(
      `source commit ${sourceCommit} was rolled back by ${revertCommit}; refusing to deploy it again`,
      'ROLLED_BACK',
      'fix forward with a new commit, or pass force to deploy it anyway',
    );
  }
}

/** Checks every bump input that needs no repository; InputError naming the first bad one. */
export function validateBumpOptions(opts: BumpOptions): void {
  checkRepo(opts.repo);
  if (typeof opts.overlay !== 'string' || opts.overlay.trim() === '')
    throw new InputError('overlay', 'is required (an overlay directory)');
  const { image } = opts;
  if (!image || typeof image.name !== 'string' || image.name.trim() === '') {
    throw new InputError('image.name', 'is required (the image name used in the base manifests)');
  }
  parseImageRef(image.name, 'image.name');
  if (image.newTag === undefined) throw new InputError('image.newTag', 'is required');
  if (image.digest === undefined) throw new InputError('image.digest', 'is required');
  validateOverride(image);
  checkCommitSha(opts.sourceCommit, 'sourceCommit');
  if (opts.branch !== undefined) checkBranch(opts.branch);
  if (opts.environment !== undefined) environmentOf(opts.overlay, opts.environment);
  if (
    opts.maxAttempts !== undefined &&
    (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1)
  ) {
    throw new InputError('maxAttempts', `'${opts.maxAttempts}' must be a positive integer`);
  }
}

/**
 * The revert commit that rolled back `sourceCommit`, if any: an automatic rollback (its trailers), or a
 * revert made by hand (`git revert` or GitHub's button) of a bump of that source, which quarantines it
 * the same way.
 */
export async function findRollback(git: Git, sourceCommit: string): Promise<string | undefined> {
  const hits = await logEntries(git, [
    '-F',
    `--grep=${TRAILER.rolledBackSource}: ${sourceCommit}`,
    `--grep=${TRAILER.sourceCommit}: ${sourceCommit}`,
    'HEAD',
  ]);
  for (const c of hits) {
    const t = parseTrailers(c.message);
    if (t[TRAILER.action] === 'revert' && t[TRAILER.rolledBackSource] === sourceCommit)
      return c.sha;
    if (t[TRAILER.action] === 'bump' && t[TRAILER.sourceCommit] === sourceCommit) {
      const byHand = await findRevertOf(git, c.sha);
      if (byHand) return byHand;
    }
  }
  return undefined;
}

/**
 * The source commit the overlay deploys now: the entry's newTag when it is a commit SHA, else the
 * Source-Commit of the newest bump touching the file that was not reverted and pinned the same digest.
 */
export async function deployedSourceCommit(
  git: Git,
  file: string,
  current: ImageOverride | undefined,
): Promise<string | undefined> {
  if (!current) return undefined;
  if (current.newTag && isCommitSha(current.newTag)) return current.newTag;
  const reverted = new Set<string>();
  for (const c of await logEntries(git, ['-n', '200', 'HEAD', '--', file])) {
    const t = parseTrailers(c.message);
    const reverts = t[TRAILER.reverts];
    if (t[TRAILER.action] === 'revert' && reverts) reverted.add(reverts);
    if (t[TRAILER.action] !== 'bump' || reverted.has(c.sha)) continue;
    // A hand edit after the bump changed what is deployed: then we cannot tell.
    return t[TRAILER.digest] === current.digest ? t[TRAILER.sourceCommit] : undefined;
  }
  return undefined;
}

/** The new source commit is not in the repository history, so we cannot prove it is not older. */
export class UnknownSourceCommitError extends GitopsError {
  constructor(
    readonly sourceCommit: string,
    readonly deployed: string,
  ) {
    super(
      `source commit ${sourceCommit} is not in the repository history; cannot check it is newer than the deployed ${deployed}`,
      'UNKNOWN_SOURCE_COMMIT',
      'push the source commit to the repository first, or pass force to deploy it anyway',
    );
  }
}

async function hasCommit(git: Git, sha: string): Promise<boolean> {
  return (await git.tryRun(['cat-file', '-e', `${sha}^{commit}`])).code === 0;
}

/**
 * True when `source` is older than (an ancestor of) `deployed`. A source commit unknown to the (full)
 * history is refused unless force; an unknown deployed commit (a tag from elsewhere) has nothing to protect.
 */
async function compareSource(
  git: Git,
  source: string,
  deployed: string,
  force: boolean,
  log: (line: string) => void,
): Promise<boolean> {
  const older = await git.ancestry(source, deployed);
  if (older !== undefined) return older;
  if (!(await hasCommit(git, source))) {
    if (!force) throw new UnknownSourceCommitError(source, deployed);
    log(`force: deploying ${source}, which is not in the history`);
    return false;
  }
  log(`deployed ${shortTag(deployed)} is not in the history; nothing newer to protect`);
  return false;
}

function sameOverride(a: ImageOverride | undefined, b: ImageOverride): boolean {
  return !!a && a.newName === b.newName && a.newTag === b.newTag && a.digest === b.digest;
}

/**
 * Pins an image (newName + newTag + digest) in an overlay's kustomization.yaml in one commit with
 * trailers, and pushes it, retrying with fetch + rebase when the remote moved. Re-running for the same
 * source commit is a no-op ('unchanged'); an older source commit than the deployed one is skipped
 * ('stale'); a rolled-back one is refused (RolledBackError) unless `force`.
 */
export async function bumpOverlay(opts: BumpOptions): Promise<BumpResult> {
  validateBumpOptions(opts);
  const log = opts.log ?? (() => undefined);
  const branch = opts.branch ?? 'main';
  // Check the overlay in a local clone before touching anything (even a fetch).
  if (
    !isGitUrl(opts.repo) &&
    statSync(opts.repo).isDirectory() &&
    existsSync(join(opts.repo, '.git'))
  ) {
    environmentOf(openOverlay(opts.repo, opts.overlay).dir, opts.environment);
  }
  const workspace = { repo: opts.repo, branch, sync: opts.push, log };
  return withWorkspace(workspace, async (ws) => {
    await ensureFullHistory(ws, log);
    const target = openOverlay(ws.dir, opts.overlay);
    const { dir: overlay, file } = target;
    const environment = environmentOf(overlay, opts.environment);
    const want: ImageOverride = { name: opts.image.name };
    if (opts.image.newName !== undefined) want.newName = opts.image.newName;
    want.newTag = opts.image.newTag;
    want.digest = opts.image.digest;
    const ref = formatImageRef({
      ...parseImageRef(want.newName ?? want.name, 'image.newName'),
      tag: want.newTag,
      digest: want.digest,
    });
    const source = opts.sourceCommit;
    // Read (and so check) the file once before any write.
    setImage(await target.read(), want, file);

    type Outcome = Pick<BumpResult, 'status' | 'message' | 'previous'>;
    const run = await commitWithRetry<Outcome>(ws, {
      path: file,
      push: opts.push,
      maxAttempts: opts.maxAttempts ?? MAX_PUSH_ATTEMPTS,
      log,
      isGitopsCommit: (message) => gitopsAction(message) !== undefined,
      attempt: async () => {
        const text = await target.read();
        const current = readImage(text, want.name, file);
        if (!opts.force) {
          const revert = await findRollback(ws.git, source);
          if (revert) throw new RolledBackError(source, revert);
        }
        const previous = current ? { previous: current } : {};
        const edit = setImage(text, want, file);
        // Same values but written so kustomize cannot load them (`newTag: 1234567`): rewrite them quoted.
        if (sameOverride(current, want) && !edit.changed) {
          return {
            result: { status: 'unchanged', message: `${file} already deploys ${ref}`, ...previous },
          };
        }
        const deployed = await deployedSourceCommit(ws.git, file, current);
        if (deployed && deployed !== source) {
          const older = await compareSource(ws.git, source, deployed, opts.force === true, log);
          if (older) {
            return {
              result: {
                status: 'stale',
                message: `${file} already deploys ${deployed}, which is newer than ${source}; skipped`,
                ...previous,
              },
            };
          }
        }
        await target.write(edit.text);
        const commit = await ws.git.commit(
          formatBumpMessage({
            environment,
            image: want.name,
            ref,
            tag: want.newTag as string,
            digest: want.digest as string,
            sourceCommit: source,
            overlay,
          }),
          ['--', file],
        );
        log(`committed ${commit.slice(0, 12)}: ${file} -> ${ref}`);
        return {
          commit,
          result: { status: 'committed', message: `${file} now deploys ${ref}`, ...previous },
        };
      },
    });
    const commit = run.commit ?? (await ws.git.run(['rev-parse', 'HEAD']));
    if (run.pushed) log(`pushed ${commit.slice(0, 12)} to ${branch}`);
    const result: BumpResult = {
      status: run.result.status,
      changed: run.result.status === 'committed',
      commit,
      pushed: run.pushed,
      attempts: run.attempts,
      message: run.result.message,
      ref,
      environment,
      overlay,
      file,
    };
    if (run.result.previous) result.previous = run.result.previous;
    return result;
  });
}
