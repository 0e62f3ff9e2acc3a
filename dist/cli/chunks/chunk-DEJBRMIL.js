import {
  checkEnvironment
} from "./chunk-M3M4HARC.js";
import {
  GitopsError,
  InputError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/adapters/repo-files.ts
import { lstatSync, realpathSync, statSync } from "node:fs";
import { open, rename, rm, writeFile, chmod } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
var KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
var MAX_REPO_FILE_BYTES = 1024 * 1024;
var PathEscapeError = class extends GitopsError {
  constructor(path, realPath, root) {
    super(
      `${path} resolves to ${realPath}, outside the working tree of ${root}`,
      "PATH_OUTSIDE_REPOSITORY",
      "gitops reads and writes only files inside the repository; replace the symlink with the file"
    );
    this.path = path;
    this.realPath = realPath;
  }
  path;
  realPath;
  static {
    __name(this, "PathEscapeError");
  }
};
var FileTooLargeError = class extends GitopsError {
  constructor(path, size, limit) {
    super(
      `${path} is ${size} bytes, more than the ${limit} bytes gitops reads`,
      "FILE_TOO_LARGE",
      "a kustomization is a few KiB: check what was written into it"
    );
    this.path = path;
    this.size = size;
    this.limit = limit;
  }
  path;
  size;
  limit;
  static {
    __name(this, "FileTooLargeError");
  }
};
var NotUtf8Error = class extends GitopsError {
  constructor(path, offset) {
    super(
      `${path} is not valid UTF-8 (first bad byte near offset ${offset})`,
      "NOT_UTF8",
      "save the file as UTF-8"
    );
    this.path = path;
    this.offset = offset;
  }
  path;
  offset;
  static {
    __name(this, "NotUtf8Error");
  }
};
function toPosix(path) {
  return path.split(sep).join("/");
}
__name(toPosix, "toPosix");
function overlayPath(root, overlay, input = "overlay") {
  if (typeof overlay !== "string" || overlay.trim() === "")
    throw new InputError(input, "is required (an overlay directory)");
  const rel = isAbsolute(overlay) ? relative(root, overlay) : normalize(overlay);
  const clean = toPosix(rel).replace(/\/+$/, "");
  if (clean === "" || clean === "." || clean === ".." || clean.startsWith("../") || isAbsolute(clean)) {
    throw new InputError(input, `'${overlay}' must be a directory inside the repository`);
  }
  return clean;
}
__name(overlayPath, "overlayPath");
function environmentOf(overlay, given, input = "overlay") {
  if (given !== void 0) return checkEnvironment(given, "environment");
  const name = basename(overlay);
  try {
    return checkEnvironment(name, input);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(
      input,
      `the folder name '${name}' of '${overlay}' is not a valid environment name (lowercase letters, digits, dashes)`,
      "pass the environment explicitly"
    );
  }
}
__name(environmentOf, "environmentOf");
function resolveInside(root, rel) {
  const realRoot = realpathSync(root);
  const real = realpathSync(join(root, rel));
  const inside = relative(realRoot, real);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside) || inside.split(sep)[0] === ".git") {
    throw new PathEscapeError(rel, real, root);
  }
  return toPosix(inside);
}
__name(resolveInside, "resolveInside");
function exists(path) {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    if (err.code === "ENOENT") return false;
    throw err;
  }
}
__name(exists, "exists");
function findKustomization(root, overlay, input = "overlay") {
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
      `'${overlay}/${name}' is not a file (a directory?): expected a kustomization file`
    );
  }
  return real;
}
__name(findKustomization, "findKustomization");
function statIfExists(path) {
  try {
    return statSync(path);
  } catch (err) {
    if (err.code === "ENOENT") return void 0;
    throw err;
  }
}
__name(statIfExists, "statIfExists");
function openOverlay(root, overlay, input = "overlay") {
  const dir = overlayPath(root, overlay, input);
  const file = findKustomization(root, dir, input);
  return {
    dir,
    file,
    read: /* @__PURE__ */ __name(() => readRepoFile(root, file), "read"),
    write: /* @__PURE__ */ __name((text) => writeRepoFile(root, file, text), "write")
  };
}
__name(openOverlay, "openOverlay");
async function readRepoFile(root, rel, maxBytes = MAX_REPO_FILE_BYTES) {
  const real = resolveInside(root, rel);
  const handle = await open(join(root, real), "r");
  let bytes;
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
__name(readRepoFile, "readRepoFile");
function decodeUtf8(bytes, path) {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    let lo = 0;
    let hi = bytes.length;
    const ok = /* @__PURE__ */ __name((n) => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
        return true;
      } catch {
        return false;
      }
    }, "ok");
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (ok(mid)) lo = mid;
      else hi = mid - 1;
    }
    throw new NotUtf8Error(path, lo);
  }
}
__name(decodeUtf8, "decodeUtf8");
async function writeRepoFile(root, rel, text) {
  const path = join(root, resolveInside(root, rel));
  const tmp = join(dirname(path), `.${basename(path)}.gitops-${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: "utf8", flag: "wx" });
    await chmod(tmp, statSync(path).mode & 4095);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
__name(writeRepoFile, "writeRepoFile");

export {
  overlayPath,
  environmentOf,
  openOverlay
};
