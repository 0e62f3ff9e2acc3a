import {
  environmentOf,
  openOverlay
} from "./chunk-DEJBRMIL.js";
import {
  readImage,
  setImage,
  validateOverride
} from "./chunk-ISXFROZH.js";
import {
  TRAILER,
  checkRepo,
  commitWithRetry,
  ensureFullHistory,
  findRevertOf,
  findToplevel,
  formatBumpMessage,
  gitopsAction,
  isGitUrl,
  logEntries,
  parseTrailers,
  shortTag,
  withWorkspace
} from "./chunk-LJWC5AAD.js";
import {
  MAX_PUSH_ATTEMPTS,
  checkBranch,
  checkCommitSha,
  formatImageRef,
  isCommitSha,
  parseImageRef
} from "./chunk-M3M4HARC.js";
import {
  boolFlag,
  flagOptions,
  printOutput,
  progressLogger,
  requireFlag,
  stringFlag
} from "./chunk-YO2BF2HZ.js";
import {
  GitopsError,
  InputError,
  __name,
  withInputNames
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/bump.ts
import { isAbsolute, relative, resolve } from "node:path";

// gitops/flows/bump.ts
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
var RolledBackError = class extends GitopsError {
  constructor(sourceCommit, revertCommit) {
    super(
      `source commit ${sourceCommit} was rolled back by ${revertCommit}; refusing to deploy it again`,
      "ROLLED_BACK",
      "fix forward with a new commit, or pass force to deploy it anyway"
    );
    this.sourceCommit = sourceCommit;
    this.revertCommit = revertCommit;
  }
  sourceCommit;
  revertCommit;
  static {
    __name(this, "RolledBackError");
  }
};
function validateBumpOptions(opts) {
  checkRepo(opts.repo);
  if (typeof opts.overlay !== "string" || opts.overlay.trim() === "")
    throw new InputError("overlay", "is required (an overlay directory)");
  const { image } = opts;
  if (!image || typeof image.name !== "string" || image.name.trim() === "") {
    throw new InputError("image.name", "is required (the image name used in the base manifests)");
  }
  parseImageRef(image.name, "image.name");
  if (image.newTag === void 0) throw new InputError("image.newTag", "is required");
  if (image.digest === void 0) throw new InputError("image.digest", "is required");
  validateOverride(image);
  checkCommitSha(opts.sourceCommit, "sourceCommit");
  if (opts.branch !== void 0) checkBranch(opts.branch);
  if (opts.environment !== void 0) environmentOf(opts.overlay, opts.environment);
  if (opts.maxAttempts !== void 0 && (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1)) {
    throw new InputError("maxAttempts", `'${opts.maxAttempts}' must be a positive integer`);
  }
}
__name(validateBumpOptions, "validateBumpOptions");
async function findRollback(git, sourceCommit) {
  const hits = await logEntries(git, [
    "-F",
    `--grep=${TRAILER.rolledBackSource}: ${sourceCommit}`,
    `--grep=${TRAILER.sourceCommit}: ${sourceCommit}`,
    "HEAD"
  ]);
  for (const c of hits) {
    const t = parseTrailers(c.message);
    if (t[TRAILER.action] === "revert" && t[TRAILER.rolledBackSource] === sourceCommit)
      return c.sha;
    if (t[TRAILER.action] === "bump" && t[TRAILER.sourceCommit] === sourceCommit) {
      const byHand = await findRevertOf(git, c.sha);
      if (byHand) return byHand;
    }
  }
  return void 0;
}
__name(findRollback, "findRollback");
async function deployedSourceCommit(git, file, current) {
  if (!current) return void 0;
  if (current.newTag && isCommitSha(current.newTag)) return current.newTag;
  const reverted = /* @__PURE__ */ new Set();
  for (const c of await logEntries(git, ["-n", "200", "HEAD", "--", file])) {
    const t = parseTrailers(c.message);
    const reverts = t[TRAILER.reverts];
    if (t[TRAILER.action] === "revert" && reverts) reverted.add(reverts);
    if (t[TRAILER.action] !== "bump" || reverted.has(c.sha)) continue;
    return t[TRAILER.digest] === current.digest ? t[TRAILER.sourceCommit] : void 0;
  }
  return void 0;
}
__name(deployedSourceCommit, "deployedSourceCommit");
var UnknownSourceCommitError = class extends GitopsError {
  constructor(sourceCommit, deployed) {
    super(
      `source commit ${sourceCommit} is not in the repository history; cannot check it is newer than the deployed ${deployed}`,
      "UNKNOWN_SOURCE_COMMIT",
      "push the source commit to the repository first, or pass force to deploy it anyway"
    );
    this.sourceCommit = sourceCommit;
    this.deployed = deployed;
  }
  sourceCommit;
  deployed;
  static {
    __name(this, "UnknownSourceCommitError");
  }
};
async function hasCommit(git, sha) {
  return (await git.tryRun(["cat-file", "-e", `${sha}^{commit}`])).code === 0;
}
__name(hasCommit, "hasCommit");
async function compareSource(git, source, deployed, force, log) {
  const older = await git.ancestry(source, deployed);
  if (older !== void 0) return older;
  if (!await hasCommit(git, source)) {
    if (!force) throw new UnknownSourceCommitError(source, deployed);
    log(`force: deploying ${source}, which is not in the history`);
    return false;
  }
  log(`deployed ${shortTag(deployed)} is not in the history; nothing newer to protect`);
  return false;
}
__name(compareSource, "compareSource");
function sameOverride(a, b) {
  return !!a && a.newName === b.newName && a.newTag === b.newTag && a.digest === b.digest;
}
__name(sameOverride, "sameOverride");
async function bumpOverlay(opts) {
  validateBumpOptions(opts);
  const log = opts.log ?? (() => void 0);
  const branch = opts.branch ?? "main";
  if (!isGitUrl(opts.repo) && statSync(opts.repo).isDirectory() && existsSync(join(opts.repo, ".git"))) {
    environmentOf(openOverlay(opts.repo, opts.overlay).dir, opts.environment);
  }
  const workspace = { repo: opts.repo, branch, sync: opts.push, log };
  return withWorkspace(workspace, async (ws) => {
    await ensureFullHistory(ws, log);
    const target = openOverlay(ws.dir, opts.overlay);
    const { dir: overlay, file } = target;
    const environment = environmentOf(overlay, opts.environment);
    const want = { name: opts.image.name };
    if (opts.image.newName !== void 0) want.newName = opts.image.newName;
    want.newTag = opts.image.newTag;
    want.digest = opts.image.digest;
    const ref = formatImageRef({
      ...parseImageRef(want.newName ?? want.name, "image.newName"),
      tag: want.newTag,
      digest: want.digest
    });
    const source = opts.sourceCommit;
    setImage(await target.read(), want, file);
    const run = await commitWithRetry(ws, {
      path: file,
      push: opts.push,
      maxAttempts: opts.maxAttempts ?? MAX_PUSH_ATTEMPTS,
      log,
      isGitopsCommit: /* @__PURE__ */ __name((message) => gitopsAction(message) !== void 0, "isGitopsCommit"),
      attempt: /* @__PURE__ */ __name(async () => {
        const text = await target.read();
        const current = readImage(text, want.name, file);
        if (!opts.force) {
          const revert = await findRollback(ws.git, source);
          if (revert) throw new RolledBackError(source, revert);
        }
        const previous = current ? { previous: current } : {};
        const edit = setImage(text, want, file);
        if (sameOverride(current, want) && !edit.changed) {
          return {
            result: { status: "unchanged", message: `${file} already deploys ${ref}`, ...previous }
          };
        }
        const deployed = await deployedSourceCommit(ws.git, file, current);
        if (deployed && deployed !== source) {
          const older = await compareSource(ws.git, source, deployed, opts.force === true, log);
          if (older) {
            return {
              result: {
                status: "stale",
                message: `${file} already deploys ${deployed}, which is newer than ${source}; skipped`,
                ...previous
              }
            };
          }
        }
        await target.write(edit.text);
        const commit2 = await ws.git.commit(
          formatBumpMessage({
            environment,
            image: want.name,
            ref,
            tag: want.newTag,
            digest: want.digest,
            sourceCommit: source,
            overlay
          }),
          ["--", file]
        );
        log(`committed ${commit2.slice(0, 12)}: ${file} -> ${ref}`);
        return {
          commit: commit2,
          result: { status: "committed", message: `${file} now deploys ${ref}`, ...previous }
        };
      }, "attempt")
    });
    const commit = run.commit ?? await ws.git.run(["rev-parse", "HEAD"]);
    if (run.pushed) log(`pushed ${commit.slice(0, 12)} to ${branch}`);
    const result = {
      status: run.result.status,
      changed: run.result.status === "committed",
      commit,
      pushed: run.pushed,
      attempts: run.attempts,
      message: run.result.message,
      ref,
      environment,
      overlay,
      file
    };
    if (run.result.previous) result.previous = run.result.previous;
    return result;
  });
}
__name(bumpOverlay, "bumpOverlay");

// gitops/cli/bump.ts
var usage = `Usage: gitops bump --overlay DIR --image NAME --new-name REF --tag TAG --digest sha256:... [options]

Pins an image in an overlay's kustomization.yaml (images: name/newName/newTag/digest) in one commit with
trailers (Source-Commit, Image-Digest, Environment, Gitops-Action: bump) and, with --push, pushes it,
retrying with fetch + rebase when the remote moved. Re-running for the same SHA changes nothing; an older
SHA than the one deployed is skipped (stale); a SHA that was rolled back is refused unless --force.

Options:
  --overlay DIR          Overlay directory (relative to the repository root, or to the current directory)
  --image NAME           Image name as used in the base manifests (e.g. score-api)
  --new-name REF         Image repository to deploy (e.g. 127.0.0.1:5000/score-api); may carry :tag@digest
  --tag TAG              Image tag (usually the full source commit SHA)
  --digest sha256:...    Image digest (from the registry)
  --source-commit SHA    Source commit the image was built from (default: --tag when it is a commit SHA)
  --environment NAME     Environment named in the commit (default: the overlay directory name)
  --repo PATH|URL        GitOps repository: a local clone, or a URL/bare repo to clone (default: current repository)
  --branch NAME          Branch to commit to (default main)
  --push                 Push the commit (otherwise commit locally only)
  --force                Deploy a SHA even if it was rolled back before
  --max-attempts N       Push attempts before giving up (default ${MAX_PUSH_ATTEMPTS})
  --json                 Print one JSON object (status, commit, previous tag and digest, ...)
  -h, --help             Show this help`;
var FLAGS = {
  repo: "--repo",
  branch: "--branch",
  overlay: "--overlay",
  environment: "--environment",
  sourceCommit: "--source-commit",
  maxAttempts: "--max-attempts",
  "image.name": "--image",
  "image.newName": "--new-name",
  "image.newTag": "--tag",
  "image.digest": "--digest"
};
var MISSING_SOURCE_COMMIT = "--source-commit (required when --tag is not a full commit SHA)";
function readImage2(values) {
  const name = requireFlag(values, "image");
  const ref = parseImageRef(requireFlag(values, "new-name"), "--new-name");
  const newName = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  const tag = stringFlag(values, "tag") ?? ref.tag;
  const digest = stringFlag(values, "digest") ?? ref.digest;
  if (!tag) throw new InputError("--tag", "is required (or give --new-name REF:TAG)");
  if (!digest) throw new InputError("--digest", "is required (or give --new-name REF@sha256:...)");
  if (ref.tag && ref.tag !== tag)
    throw new InputError("--tag", `'${tag}' disagrees with the tag in --new-name (${ref.tag})`);
  if (ref.digest && ref.digest !== digest) {
    throw new InputError(
      "--digest",
      `'${digest}' disagrees with the digest in --new-name (${ref.digest})`
    );
  }
  const sourceCommit = stringFlag(values, "source-commit") ?? (isCommitSha(tag) ? tag : "");
  return { image: { name, newName, newTag: tag, digest }, sourceCommit };
}
__name(readImage2, "readImage");
async function locate(values, io) {
  const overlay = requireFlag(values, "overlay");
  const repoFlag = stringFlag(values, "repo");
  if (repoFlag && isGitUrl(repoFlag)) return { repo: repoFlag, overlay };
  const repoDir = repoFlag ? resolve(io.cwd, repoFlag) : io.cwd;
  const top = await findToplevel(repoDir);
  if (!top) {
    if (repoFlag) return { repo: repoDir, overlay };
    throw new InputError(
      "--repo",
      `${io.cwd} is not inside a git repository; pass --repo PATH_OR_URL`
    );
  }
  if (isAbsolute(overlay)) return { repo: top, overlay: relative(top, overlay) };
  return { repo: top, overlay: repoFlag ? overlay : relative(top, resolve(io.cwd, overlay)) };
}
__name(locate, "locate");
var bumpCommand = {
  name: "bump",
  usage,
  options: flagOptions({
    string: "overlay image new-name tag digest source-commit environment repo branch max-attempts",
    boolean: "push force json"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const attemptsRaw = stringFlag(values, "max-attempts");
    if (attemptsRaw !== void 0 && !/^\d+$/.test(attemptsRaw)) {
      throw new InputError("--max-attempts", `'${attemptsRaw}' must be a positive integer`);
    }
    const push = boolFlag(values, "push");
    const environment = stringFlag(values, "environment");
    const branch = stringFlag(values, "branch") ?? "main";
    const { image, sourceCommit } = readImage2(values);
    const names = sourceCommit ? FLAGS : { ...FLAGS, sourceCommit: MISSING_SOURCE_COMMIT };
    const res = await withInputNames(names, async () => {
      const { repo, overlay } = await locate(values, io);
      if (!push && isGitUrl(repo))
        io.err(
          "gitops bump: without --push the commit stays in a temporary clone and is discarded"
        );
      return bumpOverlay({
        repo,
        branch,
        overlay,
        image,
        sourceCommit,
        push,
        force: boolFlag(values, "force"),
        log: progressLogger(io, json),
        ...environment !== void 0 ? { environment } : {},
        ...attemptsRaw !== void 0 ? { maxAttempts: Number(attemptsRaw) } : {}
      });
    });
    printOutput(io, json, {
      json: {
        status: res.status,
        changed: res.changed,
        commit: res.commit,
        pushed: res.pushed,
        attempts: res.attempts,
        message: res.message,
        overlay: res.overlay,
        file: res.file,
        branch,
        environment: res.environment,
        image: image.name,
        newName: image.newName,
        tag: image.newTag,
        digest: image.digest,
        ref: res.ref,
        sourceCommit,
        previous: res.previous ?? null,
        previousTag: res.previous?.newTag ?? null,
        previousDigest: res.previous?.digest ?? null
      },
      lines: [
        `${res.status}: ${res.message}`,
        ...res.pushed ? [`commit ${res.commit} pushed to ${branch}`] : res.status === "committed" ? [`commit ${res.commit} (not pushed)`] : [],
        ...res.previous ? [`previous: ${res.previous.newTag ?? "-"} ${res.previous.digest ?? ""}`.trimEnd()] : []
      ]
    });
    return 0;
  }
};
export {
  bumpCommand
};
