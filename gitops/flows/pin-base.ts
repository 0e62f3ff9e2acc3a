/**
 * A promotion carries the whole release, not only the image: the target overlay renders a copy of the base
 * (`<to>/base`) taken from the revision whose deploy was verified, so a later change to the shared base on
 * the branch reaches the target environment only through the next promotion. A target overlay still naming
 * the live base (`../../deploy`) is switched to its pinned copy by the promotion commit itself.
 */
import { posix } from 'node:path';
import { GitopsError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { replaceResource, resourceDirectories } from '../rules/kustomization-paths.js';

/** The directory, inside the target overlay, that holds its pinned copy of the base. */
export const PINNED_BASE = 'base';

/** What pinning the base did. */
export interface PinnedBase {
  /** The base directory the source overlay renders (repository-relative), copied from `revision`. */
  source: string;
  revision: string;
  /** The target's kustomization text, switched to the pinned base if it named the live one. */
  kustomization: string;
  /** True when the target's copy of the base changed. */
  changed: boolean;
}

/** The one base directory (repository-relative) a kustomization in `overlay` names in its resources. */
export function baseOf(overlay: string, text: string, file: string): string {
  const dirs = resourceDirectories(text, file).map((d) => posix.normalize(posix.join(overlay, d)));
  if (dirs.length !== 1) {
    throw new GitopsError(
      `${file} names ${dirs.length} directories in its resources (${dirs.join(', ') || 'none'}); a promotion copies exactly one base`,
      'PROMOTION_BASE',
      'list the base as the only directory in resources; keep the overlay’s own objects as files',
    );
  }
  return dirs[0] as string;
}

/**
 * Copies `source`'s base at `revision` into `<to>/base` (staged, replacing the old copy whole) and points the
 * target kustomization at it; `targetText` is the target's kustomization as it is now.
 */
export async function pinBase(opts: {
  git: Git;
  from: string;
  fromFile: string;
  to: string;
  toFile: string;
  targetText: string;
  revision: string;
}): Promise<PinnedBase> {
  const { git, to, revision } = opts;
  const fromText = await git.run(['show', `${revision}:${opts.fromFile}`]);
  let source = baseOf(opts.from, fromText, opts.fromFile);
  const pinned = posix.join(to, PINNED_BASE);
  // A source that is itself promoted renders its own pinned copy: that is what was verified.
  if (source === pinned) {
    throw new GitopsError(`${opts.from} and ${to} would share ${pinned}`, 'PROMOTION_BASE');
  }
  const targetBase = baseOf(to, opts.targetText, opts.toFile);
  let kustomization = opts.targetText;
  if (targetBase === source) {
    kustomization = replaceResource(
      opts.targetText,
      posix.relative(to, source),
      PINNED_BASE,
      opts.toFile,
    );
  } else if (targetBase !== pinned) {
    throw new GitopsError(
      `${opts.toFile} renders ${targetBase}, neither its pinned base ${pinned} nor the base ${source} that ${opts.from} renders`,
      'PROMOTION_BASE',
      `name '${PINNED_BASE}' (or the live base, which the promotion replaces) in the resources of ${opts.toFile}`,
    );
  }
  source = source.replace(/\/+$/, '');
  // `<rev>:<path>` names the path's object; the base must be a directory (a tree) there.
  const object = (
    await git.tryRun(['rev-parse', '--verify', '--quiet', `${revision}:${source}`])
  ).stdout.trim();
  const isTree =
    object !== '' && (await git.tryRun(['cat-file', '-t', object])).stdout.trim() === 'tree';
  const tree = isTree ? object : '';
  if (!tree) {
    throw new GitopsError(`${source} does not exist at ${revision}`, 'PROMOTION_BASE');
  }
  const before = await git.tryRun(['rev-parse', '--verify', '--quiet', `HEAD:${pinned}`]);
  await git.run(['rm', '-r', '-q', '--ignore-unmatch', '--', pinned]);
  await git.run(['read-tree', `--prefix=${pinned}/`, '-u', tree]);
  return {
    source,
    revision,
    kustomization,
    changed: before.code !== 0 || before.stdout.trim() !== tree,
  };
}
