import { existsSync, statSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import {
  GitError,
  commitWithRetry,
  ensureFullHistory,
  isGitUrl,
  logEntries,
  openWorkspace,
} from '../adapters/git.js';
import {
  formatImageRef,
  isCommitSha,
  isDigest,
  isValidTag,
  parseImageRef,
} from '../rules/image-ref.js';
import type { ImageOverride } from '../rules/kustomization.js';
import { readImage, setImage } from '../rules/kustomization.js';
import { findRevertOf } from './revert.js';
import {
  TRAILER,
  formatBumpMessage,
  gitopsAction,
  parseTrailers,
  shortTag,
} from '../rules/trailers.js';

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
  pushed: boolean;
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

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Checks every bump input that needs no repository; InputError naming the first bad one. */
export function validateBumpOptions(opts: BumpOptions): void {
  if (typeof opts.repo !== 'string' || opts.repo.trim() === '')
    throw new InputError('repo', 'is required');
  if (typeof opts.overlay !== 'string' || opts.overlay.trim() === '')
    throw new InputError('overlay', 'is required');
  if (!isCommitSha(opts.sourceCommit)) {
    throw new InputError(
      'sourceCommit',
      `'${opts.sourceCommit}' is not a full commit SHA (40 lowercase hex characters)`,
    );
  }
  const { image } = opts;
  if (!image || typeof image.name !== 'string' || image.name.trim() === '') {
    throw new InputError('image.name', 'is required (the image name used in the base manifests)');
  }
  parseImageRef(image.name, 'image.name');
  if (image.newName !== undefined) {
    const ref = parseImageRef(image.newName, 'image.newName');
    if (ref.tag !== undefined || ref.digest !== undefined) {
      throw new InputError(
        'image.newName',
        `'${image.newName}' must be a name without tag or digest`,
      );
    }
  }
  if (image.newTag === undefined || !isValidTag(image.newTag)) {
    throw new InputError(
      'image.newTag',
      `'${String(image.newTag)}' is not a valid tag (up to 128 of [A-Za-z0-9_.-])`,
    );
  }
  if (image.digest === undefined || !isDigest(image.digest)) {
    throw new InputError(
      'image.digest',
      `'${String(image.digest)}' is not a digest (expected sha256:<64 lowercase hex>)`,
    );
  }
  if (opts.environment !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.environment)) {
    throw new InputError(
      'environment',
      `'${opts.environment}' must be a simple name like minikube`,
    );
  }
  if (
    opts.maxAttempts !== undefined &&
    (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1)
  ) {
    throw new InputError('maxAttempts', `'${opts.maxAttempts}' must be a positive integer`);
  }
  if (!isGitUrl(opts.repo) && !existsSync(opts.repo)) {
    throw new InputError('repo', `'${opts.repo}' does not exist and is not a git URL`);
  }
}

/** The overlay as a clean path relative to the repository root; InputError when it escapes the repository. */
export function overlayPath(root: string, overlay: string): string {
  const rel = isAbsolute(overlay) ? relative(root, overlay) : normalize(overlay);
  const clean = rel.split(sep).join('/').replace(/\/+$/, '');
  if (
    clean === '' ||
    clean === '.' ||
    clean.startsWith('../') ||
    clean === '..' ||
    isAbsolute(clean)
  ) {
    throw new InputError('overlay', `'${overlay}' must be a directory inside the repository`);
  }
  return clean;
}

/** The kustomization file of an overlay in a checkout (relative path), or InputError naming the overlay. */
export function findKustomization(root: string, overlay: string): string {
  const dir = join(root, overlay);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError('overlay', `'${overlay}' is not a directory in the repository`);
  }
  const name = KUSTOMIZATION_FILES.find((f) => existsSync(join(dir, f)));
  if (!name) throw new InputError('overlay', `'${overlay}' has no kustomization.yaml`);
  return `${overlay}/${name}`;
}

/** Writes a file via a temp file + rename so a reader never sees half of it; keeps the file mode. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.gitops-${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    if (existsSync(path)) await chmod(tmp, statSync(path).mode & 0o7777);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
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
  const older = await isOlder(git, source, deployed);
  if (older !== undefined) return older;
  if (!(await hasCommit(git, source))) {
    if (!force) throw new UnknownSourceCommitError(source, deployed);
    log(`force: deploying ${source}, which is not in the history`);
    return false;
  }
  log(`deployed ${shortTag(deployed)} is not in the history; nothing newer to protect`);
  return false;
}

/** True when `source` is in the history of `deployed`; undefined when either commit is unknown here. */
async function isOlder(git: Git, source: string, deployed: string): Promise<boolean | undefined> {
  const res = await git.tryRun(['merge-base', '--is-ancestor', source, deployed]);
  if (res.code === 0) return true;
  if (res.code === 1) return false;
  // 128: "not a valid commit name" — a SHA from another repository or beyond a shallow history.
  if (/not a valid|bad object|unknown revision/i.test(res.stderr)) return undefined;
  throw new GitError(
    ['merge-base', '--is-ancestor', source, deployed],
    res.code,
    res.stderr,
    res.stdout,
    git.cwd,
  );
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
  const local = !isGitUrl(opts.repo);
  // Validate the overlay in a local clone before touching anything (even a fetch).
  if (local && statSync(opts.repo).isDirectory() && existsSync(join(opts.repo, '.git'))) {
    findKustomization(opts.repo, overlayPath(opts.repo, opts.overlay));
  }
  const ws = await openWorkspace({ repo: opts.repo, branch, sync: opts.push, log });
  try {
    await ensureFullHistory(ws, log);
    const overlay = overlayPath(ws.dir, opts.overlay);
    const file = findKustomization(ws.dir, overlay);
    const environment = opts.environment ?? basename(overlay);
    const want: ImageOverride = { name: opts.image.name };
    if (opts.image.newName !== undefined) want.newName = opts.image.newName;
    want.newTag = opts.image.newTag;
    want.digest = opts.image.digest;
    const refName = want.newName ?? want.name;
    const ref = formatImageRef({
      ...parseImageRef(refName, 'image.newName'),
      tag: want.newTag,
      digest: want.digest,
    });
    const source = opts.sourceCommit;
    // Read (and so validate) the file once before any write.
    setImage(await readFile(join(ws.dir, file), 'utf8'), want, file);

    type Outcome = Pick<BumpResult, 'status' | 'message' | 'previous'>;
    const run = await commitWithRetry<Outcome>(ws, {
      path: file,
      push: opts.push,
      maxAttempts: opts.maxAttempts ?? 10,
      log,
      isGitopsCommit: (message) => gitopsAction(message) !== undefined,
      attempt: async () => {
        const text = await readFile(join(ws.dir, file), 'utf8');
        const current = readImage(text, want.name, file);
        if (!opts.force) {
          const revert = await findRollback(ws.git, source);
          if (revert) throw new RolledBackError(source, revert);
        }
        const previous = current ? { previous: current } : {};
        // Same values but written so kustomize cannot load them (`newTag: 1234567`): rewrite them quoted.
        if (sameOverride(current, want) && !setImage(text, want, file).changed) {
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
        const edit = setImage(text, want, file);
        await writeFileAtomic(join(ws.dir, file), edit.text);
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
    };
    if (run.result.previous) result.previous = run.result.previous;
    return result;
  } finally {
    await ws.cleanup();
  }
}
