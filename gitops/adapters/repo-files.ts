/**
 * Files of a repository's working tree, as gitops reads and writes them: an overlay's kustomization file
 * found one way, every path checked (through its real path, so through any symlink) to stay inside the
 * working tree and out of `.git` before anything is read or written, a size cap before parsing, strict
 * UTF-8, and atomic writes.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import { checkEnvironment } from '../rules/names.js';

/** The names Kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The largest kustomization (or other repository file) gitops parses: real ones are a few KiB. */
export const MAX_REPO_FILE_BYTES = 1024 * 1024;

/** A path resolves (through a symlink) outside the repository's working tree, or into `.git`. */
export class PathEscapeError extends GitopsError {
  constructor(
    readonly path: string,
    readonly realPath: string,
    root: string,
  ) {
    super(
      `${path} resolves to ${realPath}, outside the working tree of ${root}`,
      'PATH_OUTSIDE_REPOSITORY',
      'gitops reads and writes only files inside the repository; replace the symlink with the file',
    );
  }
}

/** A file is larger than gitops parses. */
export class FileTooLargeError extends GitopsError {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `${path} is ${size} bytes, more than the ${limit} bytes gitops reads`,
      'FILE_TOO_LARGE',
      'a kustomization is a few KiB: check what was written into it',
    );
  }
}

/** A file is not valid UTF-8; gitops refuses it rather than rewrite bytes it did not mean to touch. */
export class NotUtf8Error extends GitopsError {
  constructor(
    readonly path: string,
    readonly offset: number,
  ) {
    super(
      `${path} is not valid UTF-8 (first bad byte near offset ${offset})`,
      'NOT_UTF8',
      'save the file as UTF-8',
    );
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** An overlay directory as a clean path relative to the repository root; InputError when it leaves it. */
export function overlayPath(root: string, overlay: string, input = 'overlay'): string {
  if (typeof overlay !== 'string' || overlay.trim() === '')
    throw new InputError(input, 'is required (an overlay directory)');
  const rel = isAbsolute(overlay) ? relative(root, overlay) : normalize(overlay);
  const clean = toPosix(rel).replace(/\/+$/, '');
  if (
    clean === '' ||
    clean === '.' ||
    clean === '..' ||
    clean.startsWith('../') ||
    isAbsolute(clean)
  ) {
    throw new InputError(input, `'${overlay}' must be a directory inside the repository`);
  }
  return clean;
}

/** The environment of an overlay: `given`, else the overlay folder's name, both held to one rule. */
export function environmentOf(overlay: string, given?: string, input = 'overlay'): string {
  if (given !== undefined) return checkEnvironment(given, 'environment');
  const name = basename(overlay);
  try {
    return checkEnvironment(name, input);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(
      input,
      `the folder name '${name}' of '${overlay}' is not a valid environment name (lowercase letters, digits, dashes)`,
      'pass the environment explicitly',
    );
  }
}

/**
 * `rel` (relative to `root`) as its real path relative to the real root, after checking that it exists
 * and resolves inside the working tree and outside `.git`. Symlinks inside the tree are followed, so the
 * path returned is the file git tracks.
 */
export function resolveInside(root: string, rel: string): string {
  const realRoot = realpathSync(root);
  const real = realpathSync(join(root, rel));
  const inside = relative(realRoot, real);
  if (
    inside === '' ||
    inside === '..' ||
    inside.startsWith(`..${sep}`) ||
    isAbsolute(inside) ||
    inside.split(sep)[0] === '.git'
  ) {
    throw new PathEscapeError(rel, real, root);
  }
  return toPosix(inside);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * The kustomization file of an overlay, as a real path relative to the repository root; InputError naming
 * the overlay when it is no directory or has no kustomization file (or that is not a file), PathEscapeError
 * when either resolves outside the working tree. Runs before anything of the overlay is read.
 */
export function findKustomization(root: string, overlay: string, input = 'overlay'): string {
  const dir = join(root, overlay);
  if (!exists(dir) || !statIfExists(dir)?.isDirectory()) {
    throw new InputError(input, `'${overlay}' is not a directory in the repository`);
  }
  const realDir = resolveInside(root, overlay);
  const name = KUSTOMIZATION_FILES.find((f) => exists(join(dir, f)));
  if (!name) throw new InputError(input, `'${overlay}' has no kustomization.yaml`);
  const file = `${realDir}/${name}`;
  const real = resolveInside(root, file);
  if (!statSync(join(root, real)).isFile()) {
    throw new InputError(
      input,
      `'${overlay}/${name}' is not a file (a directory?): expected a kustomization file`,
    );
  }
  return real;
}

/** The stat of `path` through symlinks, or undefined when nothing (or a dangling link) is there. */
export function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** An overlay of a checkout, checked once: its directory and kustomization file (both repository-relative). */
export interface OverlayFile {
  dir: string;
  file: string;
  read(): Promise<string>;
  write(text: string): Promise<void>;
}

/**
 * The overlay `overlay` (a path inside `root`) with its kustomization file found and checked (containment,
 * a file not a directory) before anything is read; InputError naming `input` otherwise.
 */
export function openOverlay(root: string, overlay: string, input = 'overlay'): OverlayFile {
  const dir = overlayPath(root, overlay, input);
  const file = findKustomization(root, dir, input);
  return {
    dir,
    file,
    read: () => readRepoFile(root, file),
    write: (text) => writeRepoFile(root, file, text),
  };
}

/**
 * Reads a repository file as text: inside the working tree, at most `maxBytes` (checked before reading),
 * and valid UTF-8 (a BOM is kept, so writing the text back keeps every byte an edit does not touch).
 */
export async function readRepoFile(
  root: string,
  rel: string,
  maxBytes = MAX_REPO_FILE_BYTES,
): Promise<string> {
  const real = resolveInside(root, rel);
  const handle = await open(join(root, real), 'r');
  let bytes: Buffer;
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new FileTooLargeError(rel, size, maxBytes);
    bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw new FileTooLargeError(rel, bytes.length, maxBytes);
  } finally {
    await handle.close();
  }
  return decodeUtf8(bytes, rel);
}

/** `bytes` as a string; NotUtf8Error naming `path` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // The decoder does not say where: find the first offset that fails for the message.
    let lo = 0;
    let hi = bytes.length;
    const ok = (n: number): boolean => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
        return true;
      } catch {
        return false;
      }
    };
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (ok(mid)) lo = mid;
      else hi = mid - 1;
    }
    throw new NotUtf8Error(path, lo);
  }
}

/**
 * Replaces a repository file through a temporary file and a rename, so a reader never sees half of it;
 * keeps the file mode. The path is checked again (it must still resolve inside the working tree).
 */
export async function writeRepoFile(root: string, rel: string, text: string): Promise<void> {
  const path = join(root, resolveInside(root, rel));
  const tmp = join(dirname(path), `.${basename(path)}.gitops-${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await chmod(tmp, statSync(path).mode & 0o7777);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
