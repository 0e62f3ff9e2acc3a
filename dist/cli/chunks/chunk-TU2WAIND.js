import {
  ConflictError,
  TRAILER,
  checkRepo,
  commitWithRetry,
  ensureFullHistory,
  formatRevertMessage,
  gitopsAction,
  isAhead,
  logEntries,
  parseTrailers,
  parseTrailingTrailers,
  syncWorkspace,
  withWorkspace
} from "./chunk-2BYNYJJ3.js";
import {
  MAX_PUSH_ATTEMPTS,
  checkBranch,
  checkCommitish,
  parseImageRef
} from "./chunk-M3M4HARC.js";
import {
  GitopsError,
  InputError,
  __name
} from "./chunk-LSNGMJ2J.js";

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
async function revertTarget(git, sha) {
  const [self, ...parents] = (await git.run(["rev-list", "--parents", "-n", "1", sha])).split(" ");
  const [entry] = await logEntries(git, ["-n", "1", self ?? sha]);
  const subject = entry?.subject ?? sha;
  if (parents.length > 2) {
    throw new NotADeploymentError(
      sha,
      `is a merge of ${parents.length} parents (expected at most 2)`
    );
  }
  if (parents.length === 2) {
    const [mainline, promotion] = parents;
    const [merged] = await logEntries(git, ["-n", "1", promotion]);
    const trailers2 = parseTrailingTrailers(merged?.message ?? "");
    if (trailers2[TRAILER.action] !== "promote") {
      throw new NotADeploymentError(
        sha,
        `is a merge commit whose second parent ${promotion.slice(0, 12)} is not a gitops promotion (Gitops-Action: ${trailers2[TRAILER.action] ?? "none"}, expected promote)`
      );
    }
    const files2 = nonEmpty(await git.run(["diff", "--name-only", mainline, sha]));
    checkScope(sha, trailers2, files2);
    return {
      action: "promote",
      trailers: trailers2,
      subject,
      changeSubject: merged?.subject ?? "",
      files: files2,
      merge: { mainline, promotion }
    };
  }
  const own = parseTrailers(entry?.message ?? "");
  const trailers = own[TRAILER.action] === "bump" ? own : parseTrailingTrailers(entry?.message ?? "");
  const action = trailers[TRAILER.action];
  if (action !== "bump" && action !== "promote") {
    throw new NotADeploymentError(
      sha,
      `is not a gitops bump or promotion (Gitops-Action: ${action ?? "none"}; expected bump or promote)`
    );
  }
  const files = nonEmpty(await git.run(["diff-tree", "--no-commit-id", "--name-only", "-r", sha]));
  if (action === "promote") checkScope(sha, trailers, files);
  return { action, trailers, subject, changeSubject: subject, files };
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
  findRevertOf,
  revertDeployment
};
