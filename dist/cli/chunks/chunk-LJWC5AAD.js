import {
  MAX_PUSH_ATTEMPTS,
  backoffDelay,
  checkBranch,
  checkCommitish,
  parseImageRef,
  sleep
} from "./chunk-M3M4HARC.js";
import {
  runProcess
} from "./chunk-YO2BF2HZ.js";
import {
  GitopsError,
  InputError,
  MissingToolError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/rules/redact.ts
function maskCredentials(text) {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}
__name(maskCredentials, "maskCredentials");

// gitops/adapters/git.ts
var BOT_IDENTITY = {
  name: "gitops-bot",
  email: "gitops-bot@users.noreply.github.com"
};
var GitError = class extends GitopsError {
  constructor(args, exitCode, stderr, stdout, cwd) {
    const detail = lastLines(stderr || stdout, 3);
    super(
      `git ${maskCredentials(args.join(" "))} failed (exit ${exitCode ?? "signal"})${detail ? `: ${detail}` : ""}`,
      "GIT_FAILED"
    );
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.stdout = stdout;
    this.cwd = cwd;
  }
  args;
  exitCode;
  stderr;
  stdout;
  cwd;
  static {
    __name(this, "GitError");
  }
};
function lastLines(text, n) {
  return maskCredentials(
    text.trim().split("\n").map((l) => l.trim()).filter(Boolean).slice(-n).join(" | ")
  );
}
__name(lastLines, "lastLines");
var Git = class {
  constructor(cwd, baseEnv = {}) {
    this.cwd = cwd;
    this.baseEnv = baseEnv;
  }
  cwd;
  baseEnv;
  static {
    __name(this, "Git");
  }
  identityArgs;
  /** Runs git with `args` and returns stdout without its trailing newline; GitError when it exits non-zero. */
  async run(args, opts = {}) {
    const res = await this.exec(args, opts);
    if (res.code !== 0) throw new GitError(args, res.code, res.stderr, res.stdout, this.cwd);
    return res.stdout.replace(/\n$/, "");
  }
  /** Runs git and reports the exit code instead of throwing on a non-zero exit (still throws if git is missing). */
  async tryRun(args, opts = {}) {
    return this.exec(args, opts);
  }
  /** `-c user.name=… -c user.email=…` for the bot identity when no identity is configured, else []. */
  async commitIdentity() {
    this.identityArgs ??= (async () => {
      const env = { ...process.env, ...this.baseEnv };
      const res = await this.tryRun(["config", "--get-regexp", "^user\\.(name|email)$"]);
      const keys = new Set(res.stdout.split("\n").map((l) => l.split(" ")[0]));
      const args = [];
      if (!keys.has("user.name") && !env.GIT_AUTHOR_NAME)
        args.push("-c", `user.name=${BOT_IDENTITY.name}`);
      if (!keys.has("user.email") && !env.GIT_AUTHOR_EMAIL)
        args.push("-c", `user.email=${BOT_IDENTITY.email}`);
      return args;
    })();
    return this.identityArgs;
  }
  /** Commits with the configured identity or the bot identity; returns the new commit SHA. */
  async commit(message, extraArgs = []) {
    const identity = await this.commitIdentity();
    await this.run([...identity, "commit", "--quiet", "--no-verify", "-F", "-", ...extraArgs], {
      input: message
    });
    return this.run(["rev-parse", "HEAD"]);
  }
  /** The SHA `rev` resolves to (commit-ish), or undefined when it does not exist. */
  async resolve(rev) {
    const res = await this.tryRun(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
    return res.code === 0 ? res.stdout.trim() : void 0;
  }
  /** True when `ancestor` is `descendant` or in its history; GitError when either is not a known commit. */
  async isAncestor(ancestor, descendant) {
    const known = await this.ancestry(ancestor, descendant);
    if (known !== void 0) return known;
    throw new GitError(
      ["merge-base", "--is-ancestor", ancestor, descendant],
      128,
      `${ancestor} or ${descendant} is not a commit here`,
      "",
      this.cwd
    );
  }
  /**
   * Whether `ancestor` is in the history of `descendant`; undefined when either is not a commit known here
   * (a SHA from another repository, or beyond a shallow history).
   */
  async ancestry(ancestor, descendant) {
    const args = ["merge-base", "--is-ancestor", ancestor, descendant];
    const res = await this.tryRun(args);
    if (res.code === 0) return true;
    if (res.code === 1) return false;
    if (/not a valid|bad object|unknown revision/i.test(res.stderr)) return void 0;
    throw new GitError(args, res.code, res.stderr, res.stdout, this.cwd);
  }
  /** The repository's top-level directory containing cwd. */
  async toplevel() {
    return this.run(["rev-parse", "--show-toplevel"]);
  }
  /** True when the working tree and index have no changes (untracked files ignored). */
  async isClean() {
    const out = await this.run(["status", "--porcelain", "--untracked-files=no"]);
    return out.trim() === "";
  }
  exec(args, opts) {
    return runProcess("git", args, {
      cwd: this.cwd,
      // No prompts: a missing credential must fail, not hang a CI job.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...this.baseEnv, ...opts.env },
      input: opts.input,
      installHint: "install git (apt-get install git)"
    });
  }
};
async function findToplevel(dir) {
  const res = await new Git(dir).tryRun(["rev-parse", "--show-toplevel"]).catch((err) => {
    if (err instanceof MissingToolError) throw err;
    return { code: 1, stdout: "", stderr: String(err) };
  });
  return res.code === 0 ? res.stdout.trim() : void 0;
}
__name(findToplevel, "findToplevel");
var PushRejectedError = class extends GitopsError {
  constructor(branch, detail, transient = false) {
    super(
      `push to ${branch} was ${transient ? "interrupted" : "rejected"}: ${maskCredentials(detail)}`,
      transient ? "PUSH_FAILED" : "PUSH_REJECTED",
      "the remote moved or was unreachable; retried with fetch + rebase until attempts ran out"
    );
    this.branch = branch;
    this.detail = detail;
    this.transient = transient;
  }
  branch;
  detail;
  transient;
  static {
    __name(this, "PushRejectedError");
  }
};
var ConflictError = class extends GitopsError {
  constructor(path, commits) {
    const list = commits.map((c) => `${c.sha.slice(0, 12)} "${c.subject}"`).join(", ");
    super(
      `${path} was changed concurrently by ${list || "another commit"} and our edit conflicts with it`,
      "CONFLICT",
      "resolve the change by hand or re-run after reviewing it"
    );
    this.path = path;
    this.commits = commits;
  }
  path;
  commits;
  static {
    __name(this, "ConflictError");
  }
};
async function logEntries(git, args) {
  const out = await git.run(["log", "--format=%H%x1f%B%x1e", ...args]);
  return out.split("").map((chunk) => chunk.replace(/^\n/, "")).filter((chunk) => chunk.includes("")).map((chunk) => {
    const [sha = "", message = ""] = chunk.split("");
    return { sha: sha.trim(), subject: message.split("\n")[0] ?? "", message };
  });
}
__name(logEntries, "logEntries");
var URL_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i;
function isGitUrl(repo) {
  return URL_RE.test(repo);
}
__name(isGitUrl, "isGitUrl");
function upstreamRef(branch) {
  return `refs/remotes/origin/${branch}`;
}
__name(upstreamRef, "upstreamRef");
async function fetchBranch(git, branch) {
  await git.run(["fetch", "--quiet", "origin", `+refs/heads/${branch}:${upstreamRef(branch)}`]);
}
__name(fetchBranch, "fetchBranch");
var REJECTED_RE = /\[rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|incorrect old value|failed to lock/i;
var TRANSIENT_RE = /could not resolve host|connection (?:reset|refused|timed out)|timed out|early eof|rpc failed|unexpected disconnect|returned error: (?:5\d\d|429)|http 5\d\d|the remote end hung up/i;
async function pushCommit(git, branch, commit, opts = {}) {
  const lease = opts.lease === void 0 ? [] : [`--force-with-lease=refs/heads/${branch}:${opts.lease}`];
  const args = [
    "push",
    "--quiet",
    "--porcelain",
    ...lease,
    "origin",
    `${commit}:refs/heads/${branch}`
  ];
  const res = await git.tryRun(args);
  if (res.code !== 0) {
    const text = `${res.stdout}
${res.stderr}`;
    if (REJECTED_RE.test(text)) throw new PushRejectedError(branch, lastLines(text, 2));
    if (TRANSIENT_RE.test(text)) throw new PushRejectedError(branch, lastLines(text, 2), true);
    throw new GitError(args, res.code, res.stderr, res.stdout, git.cwd);
  }
  const remote = await remoteBranchTip(git, branch);
  if (remote !== commit) {
    throw new PushRejectedError(
      branch,
      `git reported success but origin/${branch} is at ${remote?.slice(0, 12) ?? "nothing"}, not ${commit.slice(0, 12)}`,
      true
    );
  }
}
__name(pushCommit, "pushCommit");
async function remoteBranchTip(git, branch) {
  const out = await git.run(["ls-remote", "origin", `refs/heads/${branch}`]);
  const sha = out.split(/\s+/)[0];
  return sha && /^[0-9a-f]{40}$/.test(sha) ? sha : void 0;
}
__name(remoteBranchTip, "remoteBranchTip");

// gitops/rules/trailers.ts
var TRAILER = {
  action: "Gitops-Action",
  sourceCommit: "Source-Commit",
  digest: "Image-Digest",
  /** The full image reference deployed (name:tag@digest). */
  image: "Image",
  /** The kustomization `images[].name` the deployment pinned (e.g. score-api). */
  imageName: "Image-Name",
  environment: "Environment",
  overlay: "Overlay",
  reverts: "Reverts",
  rolledBackSource: "Rolled-Back-Source",
  /** On a revert: the Gitops-Action of the change it undid (bump or promote). */
  revertedAction: "Reverted-Action",
  /** On a revert of a promotion PR's merge commit: the promotion commit (the merge's second parent). */
  revertedPromotion: "Reverted-Promotion",
  /** On a revert: the Image-Digest of the change it undid, so a guard can refuse that digest again. */
  rolledBackDigest: "Rolled-Back-Digest",
  /** On a promotion: the revision of the source environment whose verified deploy it promotes. */
  verifiedRevision: "Verified-Revision",
  /** On a promotion: the base directory copied (at Verified-Revision) into the target's pinned base. */
  basePath: "Base-Path"
};
function oneLine(value) {
  return value.replace(/\s+/g, " ").trim();
}
__name(oneLine, "oneLine");
function shortTag(tag) {
  return /^[0-9a-f]{40}$/.test(tag) ? tag.slice(0, 7) : tag;
}
__name(shortTag, "shortTag");
function shortDigest(digest) {
  const [algo, hex] = digest.split(":");
  return hex ? `${algo}:${hex.slice(0, 8)}…` : digest;
}
__name(shortDigest, "shortDigest");
function formatTrailers(trailers) {
  return Object.entries(trailers).map(([k, v]) => `${k}: ${oneLine(v)}`).join("\n");
}
__name(formatTrailers, "formatTrailers");
function formatBumpMessage(info) {
  const subject = `deploy(${info.environment}): ${info.image} ${shortTag(info.tag)} (${shortDigest(info.digest)})`;
  const body = `Set image ${info.image} to ${info.ref} in ${info.overlay}.`;
  const trailers = formatTrailers({
    [TRAILER.sourceCommit]: info.sourceCommit,
    [TRAILER.digest]: info.digest,
    [TRAILER.image]: info.ref,
    [TRAILER.imageName]: info.image,
    [TRAILER.environment]: info.environment,
    [TRAILER.overlay]: info.overlay,
    [TRAILER.action]: "bump"
  });
  return `${subject}

${body}

${trailers}
`;
}
__name(formatBumpMessage, "formatBumpMessage");
function formatRevertMessage(info) {
  const reason = info.reason.trim();
  const firstLine = oneLine(reason.split("\n")[0] ?? "");
  const short = firstLine.length > 60 ? `${firstLine.slice(0, 59)}…` : firstLine;
  const what = info.image ? `${info.image} ${shortTag(info.sourceCommit)}` : shortTag(info.sourceCommit);
  const subject = `rollback(${info.environment}): ${what}: ${short}`;
  const reverts = info.mainlineParent ? `This reverts commit ${info.revertedCommit}, reversing
changes made to ${info.mainlineParent}.` : `This reverts commit ${info.revertedCommit}.`;
  const body = [`Revert "${info.revertedSubject}"`, "", reverts, "", `Reason: ${reason}`].join(
    "\n"
  );
  const t = {
    [TRAILER.reverts]: info.revertedCommit,
    [TRAILER.rolledBackSource]: info.sourceCommit,
    [TRAILER.environment]: info.environment
  };
  if (info.overlay) t[TRAILER.overlay] = info.overlay;
  if (info.revertedAction) t[TRAILER.revertedAction] = info.revertedAction;
  if (info.revertedPromotion) t[TRAILER.revertedPromotion] = info.revertedPromotion;
  if (info.digest) t[TRAILER.rolledBackDigest] = info.digest;
  t[TRAILER.action] = "revert";
  return `${subject}

${body}

${formatTrailers(t)}
`;
}
__name(formatRevertMessage, "formatRevertMessage");
function parseTrailers(message) {
  const paragraphs = splitParagraphs(message);
  if (paragraphs.length < 2) return {};
  return trailerParagraph(paragraphs[paragraphs.length - 1] ?? "") ?? {};
}
__name(parseTrailers, "parseTrailers");
function parseTrailingTrailers(message) {
  const paragraphs = splitParagraphs(message);
  const blocks = [];
  for (let i = paragraphs.length - 1; i >= 1; i -= 1) {
    const block = trailerParagraph(paragraphs[i] ?? "");
    if (!block) break;
    blocks.unshift(block);
  }
  return Object.assign({}, ...blocks);
}
__name(parseTrailingTrailers, "parseTrailingTrailers");
function splitParagraphs(message) {
  return message.replace(/\r\n/g, "\n").trim().split(/\n\s*\n/);
}
__name(splitParagraphs, "splitParagraphs");
function trailerParagraph(paragraph) {
  const lines = paragraph.split("\n").filter((l) => !l.startsWith("#"));
  const out = {};
  let found = false;
  for (const line of lines) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) {
      if (/^\s/.test(line)) continue;
      return void 0;
    }
    out[m[1]] = m[2].trim();
    found = true;
  }
  return found ? out : void 0;
}
__name(trailerParagraph, "trailerParagraph");
function gitopsAction(message) {
  return parseTrailers(message)[TRAILER.action];
}
__name(gitopsAction, "gitopsAction");

// gitops/flows/workspace.ts
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
function checkRepo(repo, input = "repo") {
  if (typeof repo !== "string" || repo.trim() === "") throw new InputError(input, "is required");
  if (!isGitUrl(repo) && !existsSync(repo)) {
    throw new InputError(input, `'${repo}' does not exist and is not a git URL`);
  }
  return repo;
}
__name(checkRepo, "checkRepo");
async function workTreeRoot(dir) {
  if (isGitUrl(dir) || !existsSync(dir) || !statSync(dir).isDirectory()) return void 0;
  const res = await new Git(dir).tryRun(["rev-parse", "--is-inside-work-tree", "--show-toplevel"]);
  const [inside, top] = res.stdout.trim().split("\n");
  return res.code === 0 && inside === "true" && top ? top : void 0;
}
__name(workTreeRoot, "workTreeRoot");
async function openWorkspace(opts) {
  const branch = checkBranch(opts.branch);
  const repo = checkRepo(opts.repo);
  const log = opts.log ?? (() => void 0);
  const root = await workTreeRoot(repo);
  const how = { branch, sync: opts.sync, log };
  if (root && opts.mode === "scratch") return openWorktree(root, how);
  if (root) return openCheckout(root, how);
  return openClone(repo, how);
}
__name(openWorkspace, "openWorkspace");
async function withWorkspace(opts, fn) {
  const ws = await openWorkspace(opts);
  try {
    return await fn(ws);
  } finally {
    await ws.cleanup();
  }
}
__name(withWorkspace, "withWorkspace");
async function hasOrigin(git) {
  return (await git.tryRun(["remote", "get-url", "origin"])).code === 0;
}
__name(hasOrigin, "hasOrigin");
async function openCheckout(root, { branch, sync, log }) {
  const git = new Git(root);
  if (!await git.isClean()) {
    throw new GitopsError(
      `${git.cwd} has uncommitted changes`,
      "DIRTY_WORKTREE",
      "commit or stash them first; gitops only writes to a clean checkout"
    );
  }
  const current = await git.tryRun(["symbolic-ref", "--quiet", "--short", "HEAD"]);
  if (current.code === 0 && current.stdout.trim() !== branch) {
    throw new InputError(
      "branch",
      `'${branch}' is not the branch checked out in ${git.cwd} ('${current.stdout.trim()}')`
    );
  }
  const ws = {
    git,
    dir: git.cwd,
    branch,
    kind: "checkout",
    hasRemote: await hasOrigin(git),
    upstream: upstreamRef(branch),
    cleanup: /* @__PURE__ */ __name(async () => void 0, "cleanup")
  };
  if (sync) {
    if (!ws.hasRemote) throw new InputError("repo", `${git.cwd} has no 'origin' remote to push to`);
    await syncWorkspace(ws, log);
  }
  return ws;
}
__name(openCheckout, "openCheckout");
async function openWorktree(root, { branch, sync, log }) {
  const clone = new Git(root);
  const hasRemote = await hasOrigin(clone);
  let start = `refs/heads/${branch}`;
  if (sync) {
    if (!hasRemote) throw new InputError("repo", `${root} has no 'origin' remote to push to`);
    await fetchBranch(clone, branch);
    start = upstreamRef(branch);
  }
  if (!await clone.resolve(start))
    throw new InputError("branch", `'${branch}' does not exist in ${root}`);
  const dir = await mkdtemp(join(tmpdir(), "gitops-worktree-"));
  await rm(dir, { recursive: true, force: true });
  await clone.run(["worktree", "add", "--quiet", "--detach", dir, start]);
  log(`working in a temporary worktree of ${root} at ${start}`);
  return {
    git: new Git(dir),
    dir,
    branch,
    kind: "worktree",
    hasRemote,
    upstream: upstreamRef(branch),
    cleanup: /* @__PURE__ */ __name(async () => {
      await clone.run(["worktree", "remove", "--force", dir]);
    }, "cleanup")
  };
}
__name(openWorktree, "openWorktree");
async function openClone(repo, { branch, log }) {
  const dir = await mkdtemp(join(tmpdir(), "gitops-clone-"));
  const cleanup = /* @__PURE__ */ __name(() => rm(dir, { recursive: true, force: true }), "cleanup");
  try {
    const filter = isGitUrl(repo) ? ["--filter=blob:none"] : [];
    await new Git(tmpdir()).run([
      "clone",
      "--quiet",
      "--single-branch",
      "--branch",
      branch,
      ...filter,
      "--",
      repo,
      dir
    ]);
    log(`cloned ${maskCredentials(repo)} (${branch}) into ${dir}`);
    return {
      git: new Git(dir),
      dir,
      branch,
      kind: "clone",
      hasRemote: true,
      upstream: upstreamRef(branch),
      cleanup
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
__name(openClone, "openClone");
async function ensureFullHistory(ws, log = () => void 0) {
  if (await ws.git.run(["rev-parse", "--is-shallow-repository"]) !== "true") return;
  if (!ws.hasRemote) {
    throw new GitopsError(
      `${ws.dir} is a shallow clone without an origin to deepen it from`,
      "SHALLOW_CLONE",
      "clone with full history"
    );
  }
  log("shallow clone: fetching the full history (needed for rollback and ancestry checks)");
  await ws.git.run([
    "fetch",
    "--quiet",
    "--unshallow",
    "origin",
    `+refs/heads/${ws.branch}:${ws.upstream}`
  ]);
}
__name(ensureFullHistory, "ensureFullHistory");
async function syncWorkspace(ws, log = () => void 0) {
  await fetchBranch(ws.git, ws.branch);
  if ((await ws.git.tryRun(["merge", "--ff-only", "--quiet", ws.upstream])).code === 0) return;
  if (!await ws.git.isAncestor(ws.upstream, "HEAD")) {
    log(`local HEAD and origin/${ws.branch} have diverged; rebasing local commits`);
    await rebaseOrAbort(ws, ws.upstream);
  }
}
__name(syncWorkspace, "syncWorkspace");
async function isAhead(ws) {
  if (!ws.hasRemote || !await ws.git.resolve(ws.upstream)) return false;
  return !await ws.git.isAncestor("HEAD", ws.upstream);
}
__name(isAhead, "isAhead");
async function rebaseOrAbort(ws, onto) {
  const identity = await ws.git.commitIdentity();
  const res = await ws.git.tryRun([...identity, "rebase", "--quiet", onto]);
  if (res.code === 0) return true;
  await ws.git.tryRun(["rebase", "--abort"]);
  return false;
}
__name(rebaseOrAbort, "rebaseOrAbort");
async function commitWithRetry(ws, opts) {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? MAX_PUSH_ATTEMPTS);
  const log = opts.log ?? (() => void 0);
  for (let n = 1; ; n += 1) {
    const base = await ws.git.run(["rev-parse", "HEAD"]);
    try {
      const out = await opts.attempt(n);
      const ahead = opts.push && out.commit === void 0 && await isAhead(ws);
      if (!opts.push || out.commit === void 0 && !ahead) {
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
          `push attempt ${n} ${err.transient ? "failed" : "was rejected"} (${err.detail}); fetching and retrying`
        );
        await fetchBranch(ws.git, ws.branch);
        if (await ws.git.isAncestor(commit, ws.upstream)) {
          await ws.git.run(["merge", "--ff-only", "--quiet", ws.upstream]);
          return { result: out.result, commit, attempts: n, pushed: true };
        }
        const others = (await logEntries(ws.git, [`${base}..${ws.upstream}`, "--", opts.path])).filter((c) => !opts.isGitopsCommit(c.message));
        if (others.length > 0 && !await rebaseOrAbort(ws, ws.upstream))
          throw new ConflictError(opts.path, others);
        await ws.git.run(["reset", "--quiet", "--hard", base]);
        if (!await rebaseOrAbort(ws, ws.upstream)) {
          throw new GitopsError(
            `local commits in ${ws.dir} conflict with origin/${ws.branch}`,
            "CONFLICT",
            "rebase them by hand, then re-run"
          );
        }
        await (opts.sleep ?? sleep)(
          backoffDelay(n, { random: opts.random, baseDelayMs: 50, maxDelayMs: 1e3 })
        );
      }
    } catch (err) {
      await restore(ws, base);
      throw err;
    }
  }
}
__name(commitWithRetry, "commitWithRetry");
async function restore(ws, head) {
  if (ws.kind === "clone") return;
  const gitDir = await ws.git.run(["rev-parse", "--absolute-git-dir"]);
  if (existsSync(join(gitDir, "rebase-merge")) || existsSync(join(gitDir, "rebase-apply"))) {
    await ws.git.tryRun(["rebase", "--abort"]);
  }
  const res = await ws.git.tryRun(["reset", "--quiet", "--hard", head]);
  if (res.code !== 0)
    throw new GitError(["reset", "--hard", head], res.code, res.stderr, res.stdout, ws.dir);
}
__name(restore, "restore");

// gitops/flows/revert.ts
var ACCEPTED = "gitops reverts only its own deployments: a bump (Gitops-Action: bump trailer), a promotion (Gitops-Action: promote trailer, as committed, rebase-merged or squash-merged with the trailers of the commit or the PR description) or the merge commit of a promotion PR (second parent a promotion); revert anything else by hand";
var NotADeploymentError = class extends InputError {
  static {
    __name(this, "NotADeploymentError");
  }
  constructor(commit, detail) {
    super("commit", `${commit} ${detail}`, ACCEPTED);
  }
};
async function findRevertOf(git, commit, tip = "HEAD") {
  const escaped = commit.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const plain = new RegExp(`^This reverts commit ${escaped}(?:[.,]|\\s|$)`, "m");
  const hits = await logEntries(git, [
    "-F",
    `--grep=${TRAILER.reverts}: ${commit}`,
    `--grep=This reverts commit ${commit}`,
    tip
  ]);
  for (const c of hits) {
    const t = parseTrailers(c.message);
    if (t[TRAILER.action] === "revert" && t[TRAILER.reverts] === commit) return c.sha;
    if (plain.test(c.message)) return c.sha;
  }
  return void 0;
}
__name(findRevertOf, "findRevertOf");
async function deployedChange(git, sha) {
  const [self, ...parents] = (await git.run(["rev-list", "--parents", "-n", "1", sha])).split(" ");
  const [entry] = await logEntries(git, ["-n", "1", self ?? sha]);
  const subject = entry?.subject ?? sha;
  if (parents.length > 2) {
    return { notDeployment: `is a merge of ${parents.length} parents (expected at most 2)` };
  }
  if (parents.length === 2) {
    const [mainline, promotion] = parents;
    const [merged] = await logEntries(git, ["-n", "1", promotion]);
    const trailers2 = parseTrailingTrailers(merged?.message ?? "");
    if (trailers2[TRAILER.action] !== "promote") {
      return {
        notDeployment: `is a merge commit whose second parent ${promotion.slice(0, 12)} is not a gitops promotion (Gitops-Action: ${trailers2[TRAILER.action] ?? "none"}, expected promote)`
      };
    }
    return {
      action: "promote",
      trailers: trailers2,
      subject,
      changeSubject: merged?.subject ?? "",
      merge: { mainline, promotion }
    };
  }
  const own = parseTrailers(entry?.message ?? "");
  const trailers = own[TRAILER.action] === "bump" ? own : parseTrailingTrailers(entry?.message ?? "");
  const action = trailers[TRAILER.action];
  if (action !== "bump" && action !== "promote") {
    return {
      notDeployment: `is not a gitops bump or promotion (Gitops-Action: ${action ?? "none"}; expected bump or promote)`
    };
  }
  return { action, trailers, subject, changeSubject: subject };
}
__name(deployedChange, "deployedChange");
async function revertTarget(git, sha) {
  const change = await deployedChange(git, sha);
  if (!change.action) throw new NotADeploymentError(sha, change.notDeployment);
  if (change.merge) {
    const files2 = nonEmpty(await git.run(["diff", "--name-only", change.merge.mainline, sha]));
    checkScope(sha, change.trailers, files2);
    return { ...change, files: files2 };
  }
  const files = nonEmpty(await git.run(["diff-tree", "--no-commit-id", "--name-only", "-r", sha]));
  if (change.action === "promote") checkScope(sha, change.trailers, files);
  return { ...change, files };
}
__name(revertTarget, "revertTarget");
function nonEmpty(out) {
  return out.split("\n").filter((f) => f.length > 0);
}
__name(nonEmpty, "nonEmpty");
function checkScope(sha, trailers, files) {
  const overlay = trailers[TRAILER.overlay];
  if (!overlay) {
    throw new NotADeploymentError(
      sha,
      "is a promotion without an Overlay trailer (cannot check its scope)"
    );
  }
  const outside = files.filter((f) => !f.startsWith(`${overlay.replace(/\/+$/, "")}/`));
  if (outside.length > 0) {
    throw new NotADeploymentError(
      sha,
      `is a promotion that also changes files outside ${overlay} (${outside.slice(0, 5).join(", ")})`
    );
  }
}
__name(checkScope, "checkScope");
function validateRevertOptions(opts) {
  checkRepo(opts.repo);
  checkCommitish(opts.commit, "commit");
  if (typeof opts.reason !== "string" || opts.reason.trim() === "") {
    throw new InputError("reason", "is required: say why the deployment is rolled back");
  }
  checkBranch(opts.branch ?? "main");
  if (opts.maxAttempts !== void 0 && (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1)) {
    throw new InputError("maxAttempts", `'${opts.maxAttempts}' must be a positive integer`);
  }
}
__name(validateRevertOptions, "validateRevertOptions");
function imageOf(trailers) {
  const name = trailers[TRAILER.imageName];
  if (name) return name;
  const ref = trailers[TRAILER.image];
  if (!ref) return void 0;
  try {
    return parseImageRef(ref, TRAILER.image).repository.split("/").pop();
  } catch {
    return void 0;
  }
}
__name(imageOf, "imageOf");
async function revertDeployment(opts) {
  validateRevertOptions(opts);
  const log = opts.log ?? (() => void 0);
  const branch = opts.branch ?? "main";
  if (opts.workspace) {
    if (opts.push) await syncWorkspace(opts.workspace, log);
    return revertIn(opts.workspace, opts, log);
  }
  const workspace = { repo: opts.repo, branch, sync: opts.push, log };
  return withWorkspace(workspace, (ws) => revertIn(ws, opts, log));
}
__name(revertDeployment, "revertDeployment");
async function revertIn(ws, opts, log) {
  await ensureFullHistory(ws, log);
  const git = ws.git;
  const branch = ws.branch;
  const resolved = await git.resolve(opts.commit);
  if (!resolved) throw new InputError("commit", `${opts.commit} is not a commit in ${branch}`);
  if (!await git.isAncestor(resolved, "HEAD")) {
    throw new InputError("commit", `${resolved} is not in the history of ${branch}`);
  }
  const target = await revertTarget(git, resolved);
  const { trailers, files } = target;
  const sourceCommit = trailers[TRAILER.sourceCommit] ?? "";
  const environment = trailers[TRAILER.environment] ?? "";
  const overlay = trailers[TRAILER.overlay];
  const path = files[0] ?? overlay ?? ".";
  const image = imageOf(trailers);
  const mainline = target.merge ? ["-m", "1"] : [];
  const shape = {
    revertedAction: target.action,
    ...target.merge ? { merge: true } : {}
  };
  const run = await commitWithRetry(ws, {
    path,
    push: opts.push,
    maxAttempts: opts.maxAttempts ?? MAX_PUSH_ATTEMPTS,
    log,
    isGitopsCommit: /* @__PURE__ */ __name((message) => gitopsAction(message) !== void 0, "isGitopsCommit"),
    attempt: /* @__PURE__ */ __name(async () => {
      const earlier = await findRevertOf(git, resolved);
      if (earlier) {
        const pending = opts.push && await isAhead(ws) && !await git.isAncestor(earlier, ws.upstream);
        log(
          `${resolved.slice(0, 12)} was already reverted by ${earlier.slice(0, 12)}${pending ? ", not pushed yet" : ""}`
        );
        return { result: { status: pending ? "reverted" : "already-reverted", commit: earlier } };
      }
      const res = await git.tryRun(["revert", "--no-commit", "--no-edit", ...mainline, resolved]);
      if (res.code !== 0) {
        await git.tryRun(["revert", "--abort"]);
        const later = await logEntries(git, [`${resolved}..HEAD`, "--", ...files]);
        throw new ConflictError(path, later);
      }
      if ((await git.run(["diff", "--cached", "--name-only"])).trim() === "") {
        const head = await git.run(["rev-parse", "HEAD"]);
        return { result: { status: "already-reverted", commit: head } };
      }
      const digest = trailers[TRAILER.digest];
      const message = formatRevertMessage({
        environment,
        revertedCommit: resolved,
        revertedSubject: target.subject,
        sourceCommit,
        reason: opts.reason,
        revertedAction: target.action,
        ...image ? { image } : {},
        ...overlay ? { overlay } : {},
        ...digest ? { digest } : {},
        ...target.merge ? {
          mainlineParent: target.merge.mainline,
          revertedPromotion: target.merge.promotion
        } : {}
      });
      const commit2 = await git.commit(message);
      log(`committed revert ${commit2.slice(0, 12)} of ${resolved.slice(0, 12)}`);
      return { commit: commit2, result: { status: "reverted", commit: commit2 } };
    }, "attempt")
  });
  const commit = run.result.commit ?? run.commit;
  if (!commit) throw new GitopsError("internal: revert produced no commit", "INTERNAL");
  return {
    status: run.result.status,
    commit,
    revertedSourceCommit: sourceCommit,
    environment,
    pushed: run.pushed,
    ...shape
  };
}
__name(revertIn, "revertIn");

export {
  Git,
  findToplevel,
  logEntries,
  isGitUrl,
  fetchBranch,
  pushCommit,
  remoteBranchTip,
  TRAILER,
  shortTag,
  shortDigest,
  formatTrailers,
  formatBumpMessage,
  parseTrailers,
  gitopsAction,
  checkRepo,
  openWorkspace,
  withWorkspace,
  ensureFullHistory,
  commitWithRetry,
  findRevertOf,
  deployedChange,
  revertDeployment
};
