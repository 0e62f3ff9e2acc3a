import {
  latestCommitStatus
} from "./chunk-3AMNJBBB.js";
import {
  GITHUB_FLAGS,
  GITHUB_TOKEN_NOTE,
  MAX_PR_BODY,
  closePullRequest,
  createPullRequest,
  deleteBranch,
  findOpenPullRequest,
  githubTarget,
  isPromotionBranch,
  listPullRequests,
  promotionBranch,
  updatePullRequest,
  verifyContext
} from "./chunk-FCWK3BZS.js";
import {
  environmentOf,
  openOverlay,
  overlayPath
} from "./chunk-DEJBRMIL.js";
import {
  renderOverlay
} from "./chunk-XXU3MF47.js";
import {
  listImages,
  readImage,
  setImage
} from "./chunk-ISXFROZH.js";
import {
  TRAILER,
  checkRepo,
  findRevertOf,
  formatTrailers,
  logEntries,
  parseTrailers,
  pushCommit,
  remoteBranchTip,
  shortDigest,
  shortTag,
  withWorkspace
} from "./chunk-LJWC5AAD.js";
import {
  checkBranch,
  checkDigest,
  formatImageRef,
  isCommitSha
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

// gitops/flows/promote.ts
import { join } from "node:path";

// gitops/rules/manifest-diff.ts
import { createTwoFilesPatch, structuredPatch } from "diff";
function unifiedDiff(before, after, fromLabel = "before", toLabel = "after", opts = {}) {
  const context = opts.context ?? 3;
  if (structuredPatch(fromLabel, toLabel, before, after, void 0, void 0, { context }).hunks.length === 0)
    return "";
  return createTwoFilesPatch(fromLabel, toLabel, before, after, void 0, void 0, {
    context,
    headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true }
  });
}
__name(unifiedDiff, "unifiedDiff");
function truncateLines(text, maxChars) {
  if (text.length <= maxChars) return { text, truncated: false };
  const totalLines = text.split("\n").length;
  const note = /* @__PURE__ */ __name((kept2) => `... ${totalLines - kept2} more lines not shown ...
`, "note");
  let cut = text.lastIndexOf("\n", Math.max(0, maxChars - note(0).length - 16));
  if (cut < 0) cut = 0;
  const head = cut === 0 ? "" : text.slice(0, cut + 1);
  const kept = head === "" ? 0 : head.split("\n").length - 1;
  return { text: `${head}${note(kept)}`, truncated: true };
}
__name(truncateLines, "truncateLines");

// gitops/flows/pin-base.ts
import { posix } from "node:path";

// gitops/rules/kustomization-paths.ts
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
var PATH_LIST_FIELDS = [
  "resources",
  "bases",
  "components",
  "crds",
  "configurations",
  "generators",
  "transformers",
  "validators",
  "patchesStrategicMerge"
];
var PATH_ENTRY_FIELDS = ["patches", "patchesJson6902", "replacements"];
var GENERATOR_FIELDS = ["configMapGenerator", "secretGenerator"];
var REMOTE_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/i;
function isRemoteReference(path) {
  return REMOTE_RE.test(path);
}
__name(isRemoteReference, "isRemoteReference");
function parse(text, file) {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new InputError(file, `is not valid YAML: ${doc.errors[0]?.message.split("\n")[0]}`);
  }
  const root = doc.contents;
  if (root === null || isScalar(root) && root.value === null) return { doc, root: void 0 };
  if (!isMap(root)) throw new InputError(file, "must be a YAML mapping (a kustomization)");
  return { doc, root };
}
__name(parse, "parse");
function lineAt(text, node) {
  const at = node?.range?.[0] ?? 0;
  return text.slice(0, at).split("\n").length;
}
__name(lineAt, "lineAt");
function kustomizationReferences(text, file) {
  const { root } = parse(text, file);
  if (!root) return [];
  const out = [];
  const add = /* @__PURE__ */ __name((field, node) => {
    if (!isScalar(node) || typeof node.value !== "string" || node.value === "") return;
    const path = field.endsWith(".files") ? node.value.replace(/^[^=]*=/, "") : node.value;
    out.push({ field, path, line: lineAt(text, node), remote: isRemoteReference(path) });
  }, "add");
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const value = pair.value;
    if (PATH_LIST_FIELDS.includes(key) && isSeq(value)) {
      for (const item of value.items) add(key, item);
    } else if (PATH_ENTRY_FIELDS.includes(key) && isSeq(value)) {
      for (const item of value.items) if (isMap(item)) add(`${key}.path`, item.get("path", true));
    } else if (GENERATOR_FIELDS.includes(key) && isSeq(value)) {
      for (const item of value.items) {
        if (!isMap(item)) continue;
        for (const sub of ["files", "envs"]) {
          const list = item.get(sub, true);
          if (isSeq(list)) for (const f of list.items) add(`${key}.${sub}`, f);
        }
        add(`${key}.env`, item.get("env", true));
      }
    } else if (key === "openapi" && isMap(value)) {
      add("openapi.path", value.get("path", true));
    } else if (key === "helmGlobals" && isMap(value)) {
      add("helmGlobals.chartHome", value.get("chartHome", true));
    }
  }
  return out;
}
__name(kustomizationReferences, "kustomizationReferences");
function resourceDirectories(text, file) {
  return kustomizationReferences(text, file).filter((r) => r.field === "resources" && !r.remote && !/\.(?:ya?ml|json)$/i.test(r.path)).map((r) => r.path.replace(/\/+$/, ""));
}
__name(resourceDirectories, "resourceDirectories");
function replaceResource(text, from, to, file) {
  const { root } = parse(text, file);
  const list = root?.get("resources", true);
  const item = isSeq(list) ? list.items.find(
    (i) => isScalar(i) && typeof i.value === "string" && i.value.replace(/\/+$/, "") === from
  ) : void 0;
  const range = item?.range;
  if (!item || !range) throw new InputError(file, `has no resources entry '${from}'`);
  return `${text.slice(0, range[0])}${to}${text.slice(range[1])}`;
}
__name(replaceResource, "replaceResource");

// gitops/flows/pin-base.ts
var PINNED_BASE = "base";
function baseOf(overlay, text, file) {
  const dirs = resourceDirectories(text, file).map((d) => posix.normalize(posix.join(overlay, d)));
  if (dirs.length !== 1) {
    throw new GitopsError(
      `${file} names ${dirs.length} directories in its resources (${dirs.join(", ") || "none"}); a promotion copies exactly one base`,
      "PROMOTION_BASE",
      "list the base as the only directory in resources; keep the overlay’s own objects as files"
    );
  }
  return dirs[0];
}
__name(baseOf, "baseOf");
async function pinBase(opts) {
  const { git, to, revision } = opts;
  const fromText = await git.run(["show", `${revision}:${opts.fromFile}`]);
  let source = baseOf(opts.from, fromText, opts.fromFile);
  const pinned = posix.join(to, PINNED_BASE);
  if (source === pinned) {
    throw new GitopsError(`${opts.from} and ${to} would share ${pinned}`, "PROMOTION_BASE");
  }
  const targetBase = baseOf(to, opts.targetText, opts.toFile);
  let kustomization = opts.targetText;
  if (targetBase === source) {
    kustomization = replaceResource(
      opts.targetText,
      posix.relative(to, source),
      PINNED_BASE,
      opts.toFile
    );
  } else if (targetBase !== pinned) {
    throw new GitopsError(
      `${opts.toFile} renders ${targetBase}, neither its pinned base ${pinned} nor the base ${source} that ${opts.from} renders`,
      "PROMOTION_BASE",
      `name '${PINNED_BASE}' (or the live base, which the promotion replaces) in the resources of ${opts.toFile}`
    );
  }
  source = source.replace(/\/+$/, "");
  const object = (await git.tryRun(["rev-parse", "--verify", "--quiet", `${revision}:${source}`])).stdout.trim();
  const isTree = object !== "" && (await git.tryRun(["cat-file", "-t", object])).stdout.trim() === "tree";
  const tree = isTree ? object : "";
  if (!tree) {
    throw new GitopsError(`${source} does not exist at ${revision}`, "PROMOTION_BASE");
  }
  const before = await git.tryRun(["rev-parse", "--verify", "--quiet", `HEAD:${pinned}`]);
  await git.run(["rm", "-r", "-q", "--ignore-unmatch", "--", pinned]);
  await git.run(["read-tree", `--prefix=${pinned}/`, "-u", tree]);
  return {
    source,
    revision,
    kustomization,
    changed: before.code !== 0 || before.stdout.trim() !== tree
  };
}
__name(pinBase, "pinBase");

// gitops/flows/verified-release.ts
var RELEASE_HISTORY = 200;
var NotVerifiedError = class extends GitopsError {
  constructor(digest, detail) {
    super(
      `${digest} cannot be promoted: ${detail}`,
      "NOT_VERIFIED",
      "promote only a digest whose deploy verify judged healthy (commit status gitops/verify/<env> = success on that revision of the branch)"
    );
    this.digest = digest;
  }
  digest;
  static {
    __name(this, "NotVerifiedError");
  }
};
async function findRelease(opts) {
  const { git } = opts;
  const log = opts.log ?? (() => void 0);
  const entries = await logEntries(git, [
    "-n",
    String(RELEASE_HISTORY),
    "HEAD",
    "--",
    opts.overlay
  ]);
  const history = [];
  for (const e of entries) {
    const text = await git.tryRun(["show", `${e.sha}:${opts.file}`]);
    history.push({
      sha: e.sha,
      message: e.message,
      image: text.code === 0 ? readImageOrUndefined(text.stdout, opts.imageName) : void 0
    });
  }
  const digest = opts.digest ?? history[0]?.image?.digest;
  if (!digest) {
    throw new NotVerifiedError(
      "(none)",
      `${opts.file} pins no digest for '${opts.imageName}' on the branch`
    );
  }
  const pins = history.filter((h) => h.image?.digest === digest);
  if (pins.length === 0) {
    throw new NotVerifiedError(
      digest,
      `no revision in the last ${RELEASE_HISTORY} changes of ${opts.overlay} pinned it`
    );
  }
  await refuseRolledBack(git, digest, history);
  let chosen;
  let verified = "unchecked";
  if (!opts.github) {
    chosen = pins[0];
    log(
      `no GitHub API: not checking that ${shortDigest(digest)} was verified on ${opts.environment}`
    );
  } else {
    const context = verifyContext(opts.environment);
    for (const p of pins) {
      const status = await latestCommitStatus(opts.github, p.sha, context);
      if (!status || status.state === "pending") continue;
      if (status.state !== "success") {
        throw new NotVerifiedError(
          digest,
          `its newest verification on ${opts.environment} (${context} on ${p.sha.slice(0, 12)}) is ${status.state}: ${status.description}`
        );
      }
      chosen = p;
      verified = "status";
      log(`${shortDigest(digest)} verified on ${opts.environment} at ${p.sha.slice(0, 12)}`);
      break;
    }
    if (!chosen) {
      throw new NotVerifiedError(
        digest,
        `no revision pinning it has a successful ${context} status (checked ${pins.map((p) => p.sha.slice(0, 12)).join(", ")})`
      );
    }
  }
  const release = chosen;
  return {
    digest,
    revision: release.sha,
    image: release.image,
    sourceCommit: sourceCommitOf(history, digest, release.image),
    verified
  };
}
__name(findRelease, "findRelease");
function readImageOrUndefined(text, name) {
  try {
    return readImage(text, name);
  } catch {
    return void 0;
  }
}
__name(readImageOrUndefined, "readImageOrUndefined");
async function refuseRolledBack(git, digest, history) {
  const named = await logEntries(git, [
    "-F",
    `--grep=${TRAILER.rolledBackDigest}: ${digest}`,
    "HEAD"
  ]);
  const gitops = named.find((c) => parseTrailers(c.message)[TRAILER.rolledBackDigest] === digest);
  if (gitops) {
    throw new NotVerifiedError(
      digest,
      `it was rolled back by ${gitops.sha.slice(0, 12)} "${gitops.subject}"`
    );
  }
  for (const [i, h] of history.entries()) {
    const before = history[i + 1]?.image?.digest;
    if (h.image?.digest !== digest || before === digest) continue;
    const revert = await findRevertOf(git, h.sha);
    if (revert) {
      throw new NotVerifiedError(
        digest,
        `${h.sha.slice(0, 12)}, which deployed it, was reverted by ${revert.slice(0, 12)}`
      );
    }
  }
}
__name(refuseRolledBack, "refuseRolledBack");
function sourceCommitOf(history, digest, image) {
  for (const h of history) {
    const t = parseTrailers(h.message);
    if (t[TRAILER.digest] === digest && t[TRAILER.sourceCommit]) return t[TRAILER.sourceCommit];
  }
  return image.newTag && isCommitSha(image.newTag) ? image.newTag : void 0;
}
__name(sourceCommitOf, "sourceCommitOf");

// gitops/flows/promote-options.ts
function validatePromoteOptions(opts) {
  checkRepo(opts.repo);
  const from = overlayPath(".", opts.from, "from");
  const to = overlayPath(".", opts.to, "to");
  if (from === to) throw new InputError("to", `must differ from 'from' (both are '${from}')`);
  checkBranch(opts.branch ?? "main");
  environmentOf(to, opts.environment, "to");
  environmentOf(from, void 0, "from");
  if (opts.digest !== void 0) {
    checkDigest(opts.digest, "digest");
    if (!opts.github) {
      throw new InputError(
        "digest",
        "naming a digest needs the GitHub API (GITHUB_TOKEN, GITHUB_REPOSITORY) to check that a deploy verified it"
      );
    }
  }
  if (opts.openPr && !opts.github) {
    throw new InputError(
      "open-pr",
      "needs a GitHub repository and token (GITHUB_REPOSITORY, GITHUB_TOKEN)"
    );
  }
  if (opts.openPr && !opts.push)
    throw new InputError("open-pr", "needs push: the PR head must exist on the remote");
  if (opts.github && opts.github.token.trim() === "")
    throw new InputError("github-token", "is empty");
}
__name(validatePromoteOptions, "validatePromoteOptions");

// gitops/flows/promote.ts
async function promote(opts) {
  validatePromoteOptions(opts);
  const log = opts.log ?? (() => void 0);
  const from = overlayPath(".", opts.from, "from");
  const to = overlayPath(".", opts.to, "to");
  const base = opts.branch ?? "main";
  const environment = environmentOf(to, opts.environment, "to");
  const workspace = {
    repo: opts.repo,
    branch: base,
    sync: opts.push === true,
    mode: "scratch",
    log
  };
  return withWorkspace(workspace, async (ws) => {
    const git = ws.git;
    const baseCommit = await git.run(["rev-parse", "HEAD"]);
    const fromOverlay = openOverlay(ws.dir, from, "from");
    const target = openOverlay(ws.dir, to, "to");
    const toFile = target.file;
    const toText = await target.read();
    const name = pickSourceImage(await fromOverlay.read(), fromOverlay.file, opts.image);
    const release = await findRelease({
      git,
      overlay: from,
      file: fromOverlay.file,
      imageName: name,
      environment: environmentOf(from, void 0, "from"),
      digest: opts.digest,
      github: opts.github,
      log
    });
    const { digest } = release;
    const branch = promotionBranch(environment, digest);
    const current = readImage(toText, name, toFile);
    const wanted = { name, digest };
    const newName = current?.newName ?? release.image.newName;
    if (newName) wanted.newName = newName;
    if (release.image.newTag) wanted.newTag = release.image.newTag;
    const ref = formatImageRef({ repository: newName ?? name, tag: wanted.newTag, digest });
    const summary = {
      branch,
      sourceCommit: release.sourceCommit,
      digest,
      image: wanted,
      release: { revision: release.revision, verified: release.verified }
    };
    const before = await renderOverlay(join(ws.dir, to));
    const pinned = await pinBase({
      git,
      from,
      fromFile: fromOverlay.file,
      to,
      toFile,
      targetText: toText,
      revision: release.revision
    });
    const edit = setImage(pinned.kustomization, wanted, toFile);
    const baseInfo = { source: pinned.source, revision: pinned.revision, changed: pinned.changed };
    if (edit.text === toText && !pinned.changed) {
      log(`${to} already pins ${shortDigest(digest)} and its base; nothing to promote`);
      return { ...summary, changed: false, pushed: false, diff: "", base: baseInfo };
    }
    await target.write(edit.text);
    await git.run(["add", "--", toFile]);
    const after = await renderOverlay(join(ws.dir, to));
    const diff = unifiedDiff(
      before,
      after,
      `a/${to} (kustomize build)`,
      `b/${to} (kustomize build)`
    );
    const facts = {
      environment,
      image: name,
      tag: wanted.newTag,
      digest,
      ref,
      sourceCommit: release.sourceCommit,
      from,
      to,
      baseCommit,
      base,
      revision: release.revision,
      verified: release.verified,
      basePath: pinned.source,
      diff
    };
    let commit = await git.commit(promotionMessage(facts));
    const result = {
      ...summary,
      changed: true,
      commit,
      pushed: false,
      diff,
      base: baseInfo
    };
    const open = opts.github && (opts.push || opts.openPr) ? await findOpenPullRequest(opts.github, branch) : void 0;
    if (opts.push) {
      const remote = await remoteBranchTip(git, branch);
      if (remote && await samePromotion(git, branch, remote, commit, baseCommit)) {
        log(`${branch} already holds this promotion (${remote.slice(0, 12)}); not pushing`);
        commit = remote;
      } else if (remote && (open || !opts.github)) {
        log(
          `${branch} is ${open ? `under review in #${open.number}` : "on the remote"} at ${remote.slice(0, 12)}; not rewriting it`
        );
        commit = remote;
        result.underReview = true;
      } else {
        await pushCommit(git, branch, commit, { lease: remote ?? "" });
        result.pushed = true;
        log(`pushed ${commit.slice(0, 12)} to ${branch}`);
      }
      result.commit = commit;
    } else if (ws.kind !== "clone") {
      await keepLocalBranch(git, branch, commit, log);
    }
    if (opts.openPr && opts.github) {
      const title = promotionMessage(facts).split("\n")[0];
      const body = pullRequestBody(facts);
      let pr;
      if (!open) {
        pr = {
          ...await createPullRequest(opts.github, { title, body, head: branch, base }),
          created: true
        };
      } else if (!result.underReview) {
        pr = {
          ...await updatePullRequest(opts.github, open.number, { title, body }),
          created: false
        };
      } else {
        pr = { ...open, created: false };
      }
      const how = pr.created ? "opened" : result.underReview ? "kept" : "updated";
      log(`${how} pull request #${pr.number} ${pr.url}`);
      result.pullRequest = { number: pr.number, url: pr.url, created: pr.created };
      result.superseded = await closeOlderPromotions(opts.github, {
        environment,
        base,
        keep: pr.number,
        digest,
        log
      });
    }
    return result;
  });
}
__name(promote, "promote");
async function closeOlderPromotions(github, o) {
  const open = await listPullRequests(github, { base: o.base, state: "open" });
  const older = open.filter((p) => p.number < o.keep && isPromotionBranch(o.environment, p.head));
  const newer = open.filter((p) => p.number > o.keep && isPromotionBranch(o.environment, p.head));
  if (newer.length > 0) {
    o.log(
      `newer promotion pull request(s) to ${o.environment} are open (${newer.map((p) => `#${p.number}`).join(", ")}); left as they are`
    );
  }
  for (const p of older) {
    await closePullRequest(
      github,
      p.number,
      `Superseded by #${o.keep}, which promotes \`${o.digest}\` to ${o.environment}. Each promotion pull request covers exactly one verified digest, so this one is closed rather than updated.`
    );
    await deleteBranch(github, p.head);
    o.log(`closed #${p.number} (${p.head}): superseded by #${o.keep}`);
  }
  return older.map((p) => p.number);
}
__name(closeOlderPromotions, "closeOlderPromotions");
function pickSourceImage(text, file, name) {
  if (name) {
    if (!readImage(text, name, file))
      throw new InputError("image", `'${name}' is not in the images of ${file}`);
    return name;
  }
  const all = listImages(text, file);
  if (all.length !== 1) {
    throw new InputError(
      "image",
      `${file} lists ${all.length} images (${all.map((i) => i.name).join(", ") || "none"}); pass --image`
    );
  }
  return all[0].name;
}
__name(pickSourceImage, "pickSourceImage");
function promotionMessage(i) {
  const subject = `promote(${i.environment}): ${i.image ?? "image"}${i.tag ? ` ${shortTag(i.tag)}` : ""} (${shortDigest(i.digest)})`;
  const body = [
    `Pin ${i.image ?? "the image"} to ${i.ref} in ${i.to}, with ${i.basePath}/ as of ${i.revision.slice(0, 12)}`,
    `copied to ${i.to}/base: the release verified in ${i.from} at ${i.revision.slice(0, 12)}.`,
    `Reverting this commit (or its merge) rolls ${i.environment} back.`
  ].join("\n");
  return `${subject}

${body}

${promotionTrailers(i)}
`;
}
__name(promotionMessage, "promotionMessage");
function promotionTrailers(i) {
  const trailers = {};
  if (i.sourceCommit) trailers[TRAILER.sourceCommit] = i.sourceCommit;
  trailers[TRAILER.digest] = i.digest;
  trailers[TRAILER.image] = i.ref;
  if (i.image) trailers[TRAILER.imageName] = i.image;
  trailers[TRAILER.environment] = i.environment;
  trailers[TRAILER.overlay] = i.to;
  if (i.revision) trailers[TRAILER.verifiedRevision] = i.revision;
  if (i.basePath) trailers[TRAILER.basePath] = i.basePath;
  trailers[TRAILER.action] = "promote";
  return formatTrailers(trailers);
}
__name(promotionTrailers, "promotionTrailers");
function pullRequestBody(i) {
  const verification = i.verified === "status" ? `healthy on \`${i.from}\` at \`${i.revision}\` (commit status \`${verifyContext(environmentOf(i.from, void 0, "from"))}\`)` : `not checked (promoted without the GitHub API) — \`${i.from}\` at \`${i.revision}\``;
  const head = [
    `Promotes the release verified in \`${i.from}\` to **${i.environment}** (\`${i.to}\`).`,
    "",
    "| | |",
    "|---|---|",
    `| Image | \`${i.ref}\` |`,
    `| Digest | \`${i.digest}\` |`,
    `| Source commit | ${i.sourceCommit ? `\`${i.sourceCommit}\`` : "unknown (no Source-Commit trailer on the source bump)"} |`,
    `| Verified | ${verification} |`,
    `| Base | \`${i.basePath}/\` at \`${i.revision.slice(0, 12)}\`, copied to \`${i.to}/base/\` |`,
    `| On top of | \`${i.base}\` at \`${i.baseCommit}\` |`,
    "",
    "Merging deploys it; reverting the merge rolls it back. This branch is never rewritten: a newer verified digest opens its own pull request and closes this one.",
    "",
    `### Rendered manifests (\`kustomize build ${i.to}\`)`,
    ""
  ].join("\n");
  const longest = Math.max(0, ...(i.diff.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  const open = `${fence}diff
`;
  const close = `${fence}
`;
  const trailers = [
    "",
    "The trailers below mark the merged commit as a gitops promotion (gitops revert reads them); keep them last.",
    "",
    promotionTrailers(i),
    ""
  ].join("\n");
  const room = MAX_PR_BODY - head.length - open.length - close.length - trailers.length - 200;
  const { text, truncated } = truncateLines(
    i.diff || "(no change in the rendered manifests)\n",
    room
  );
  const tail = truncated ? `
The diff was cut to fit GitHub's ${MAX_PR_BODY}-character limit; run \`gitops promote\` locally for all of it.
` : "";
  return `${head}${open}${text.endsWith("\n") ? text : `${text}
`}${close}${tail}${trailers}`;
}
__name(pullRequestBody, "pullRequestBody");
async function samePromotion(git, branch, remote, commit, baseCommit) {
  await git.run(["fetch", "--quiet", "origin", `refs/heads/${branch}`]);
  const [remoteTree, remoteParent, tree] = await Promise.all([
    git.tryRun(["rev-parse", "--verify", "--quiet", `${remote}^{tree}`]),
    git.tryRun(["rev-parse", "--verify", "--quiet", `${remote}^`]),
    git.run(["rev-parse", `${commit}^{tree}`])
  ]);
  return remoteTree.code === 0 && remoteTree.stdout.trim() === tree && remoteParent.stdout.trim() === baseCommit;
}
__name(samePromotion, "samePromotion");
async function keepLocalBranch(git, branch, commit, log) {
  const checkedOut = await git.run(["worktree", "list", "--porcelain"]);
  if (checkedOut.split("\n").includes(`branch refs/heads/${branch}`)) {
    throw new GitopsError(
      `${branch} is checked out in a worktree; not moving it`,
      "BRANCH_CHECKED_OUT",
      `switch away from ${branch} or use --push`
    );
  }
  await git.run(["update-ref", `refs/heads/${branch}`, commit]);
  log(`${branch} now points at ${commit.slice(0, 12)} (not pushed)`);
}
__name(keepLocalBranch, "keepLocalBranch");

// gitops/cli/promote.ts
var usage = `Usage: gitops promote --from DIR --to DIR [options]

Promotes a release verified in overlay --from to overlay --to: pins its digest (and tag) in --to, keeping
--to's own registry path, and copies the base --from rendered at the verified revision into --to/base.
The commit goes on promote/<env>/sha256-<12 hex>, one branch and pull request per digest: a branch
under review is never rewritten, and a newer digest's pull request closes the older ones.

The digest must be one a deploy of --from verified (commit status gitops/verify/<env> = success on a
revision where --from pins it) and never rolled back; with GITHUB_TOKEN this is checked, and a digest
named with --digest is refused otherwise.

Options:
  --from DIR              Source overlay, relative to the repository root (e.g. overlays/minikube)
  --to DIR                Target overlay (e.g. overlays/gke)
  --image NAME            Image name in the kustomization (default: the only image of --from)
  --digest sha256:HEX     The verified digest to promote (default: what --from pins now)
  --repo PATH|URL         GitOps repository: a local clone or a remote (default: current directory)
  --branch NAME           Base branch (default main)
  --environment NAME      Environment name for branch and trailers (default: name of --to)
  --push                  Push the promotion branch (never rewriting one under review)
  --open-pr               Open the pull request, close older ones (needs --push and GITHUB_TOKEN)
${GITHUB_FLAGS}
  --json                  Print one JSON object: the promotion and the pull request
  -h, --help              Show this help

${GITHUB_TOKEN_NOTE}`;
var promoteCommand = {
  name: "promote",
  usage,
  options: flagOptions({
    string: "from to image digest repo branch environment github-repo github-api-url",
    boolean: "push open-pr json"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const from = requireFlag(values, "from");
    const to = requireFlag(values, "to");
    const openPr = boolFlag(values, "open-pr");
    const digest = stringFlag(values, "digest");
    let github;
    if (openPr || digest !== void 0) {
      github = githubTarget(values, io, openPr ? "with --open-pr" : "with --digest");
    } else if (io.env.GITHUB_TOKEN && (stringFlag(values, "github-repo") ?? io.env.GITHUB_REPOSITORY)) {
      github = githubTarget(values, io, "");
    }
    const names = {
      repo: "--repo",
      branch: "--branch",
      from: "--from",
      to: "--to",
      image: "--image",
      digest: "--digest",
      environment: "--environment",
      "open-pr": "--open-pr"
    };
    const res = await withInputNames(
      names,
      () => promote({
        repo: stringFlag(values, "repo") ?? io.cwd,
        branch: stringFlag(values, "branch"),
        from,
        to,
        image: stringFlag(values, "image"),
        digest,
        environment: stringFlag(values, "environment"),
        push: boolFlag(values, "push"),
        openPr,
        github,
        log: progressLogger(io, json)
      })
    );
    const lines = res.changed ? [
      `promoted ${res.image.name} ${res.digest} from ${from} to ${to} on ${res.branch} (${res.commit?.slice(0, 12)}${res.pushed ? ", pushed" : ""})`,
      `verified on ${from} at ${res.release.revision.slice(0, 12)} (${res.release.verified === "status" ? "commit status checked" : "not checked: no GitHub API"})`,
      ...res.pullRequest ? [
        `pull request #${res.pullRequest.number} ${res.pullRequest.created ? "opened" : res.underReview ? "kept (under review, not rewritten)" : "updated"}: ${res.pullRequest.url}`
      ] : [],
      ...res.superseded?.length ? [
        `closed older promotion pull request(s): ${res.superseded.map((n) => `#${n}`).join(", ")}`
      ] : [],
      "",
      res.diff.trimEnd()
    ] : [`${to} already pins ${res.digest}; nothing to promote`];
    printOutput(io, json, { json: { from, to, ...res }, lines });
    return 0;
  }
};
export {
  promoteCommand
};
