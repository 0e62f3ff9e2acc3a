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
  formatTrailers,
  parseTrailers,
  pushCommit,
  remoteBranchTip,
  shortDigest,
  shortTag,
  withWorkspace
} from "./chunk-2BYNYJJ3.js";
import {
  checkBranch,
  formatImageRef,
  isCommitSha,
  isDigest
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
  ApiCallError,
  GitopsError,
  InputError,
  __name,
  withInputNames
} from "./chunk-LSNGMJ2J.js";

// gitops/adapters/github.ts
var MAX_PR_BODY = 65536;
var GithubApiError = class extends ApiCallError {
  static {
    __name(this, "GithubApiError");
  }
  constructor(operation, status, detail, options) {
    super(
      `GitHub ${operation}`,
      status,
      detail,
      "GITHUB_API_FAILED",
      status === 401 ? "check GITHUB_TOKEN" : status === 403 || status === 404 ? "the token needs contents: write and pull-requests: write on the repository" : void 0,
      options
    );
  }
};
function parseRepository(value, input = "github-repo") {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(value.trim());
  if (!m) throw new InputError(input, `expected owner/repo, got "${value}"`);
  return { owner: m[1], repo: m[2] };
}
__name(parseRepository, "parseRepository");
function toPull(raw) {
  return {
    number: raw.number,
    url: raw.html_url,
    title: raw.title,
    body: raw.body ?? "",
    head: raw.head.ref,
    base: raw.base.ref
  };
}
__name(toPull, "toPull");
async function request(target, operation, method, path, body) {
  const base = (target.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  let res;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "score-api-gitops",
        ...body === void 0 ? {} : { "content-type": "application/json" }
      },
      body: body === void 0 ? void 0 : JSON.stringify(body)
    });
  } catch (err) {
    throw new GithubApiError(operation, 0, err instanceof Error ? err.message : String(err), {
      cause: err
    });
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text);
      detail = [parsed.message, ...(parsed.errors ?? []).map((e) => e.message)].filter(Boolean).join(": ") || detail;
    } catch {
    }
    throw new GithubApiError(operation, res.status, detail);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GithubApiError(operation, res.status, `response is not JSON: ${text.slice(0, 100)}`, {
      cause: err
    });
  }
}
__name(request, "request");
var repoPath = /* @__PURE__ */ __name((t) => `/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`, "repoPath");
async function findOpenPullRequest(target, branch) {
  const query = new URLSearchParams({
    head: `${target.owner}:${branch}`,
    state: "open",
    per_page: "10"
  });
  const pulls = await request(
    target,
    `list pull requests for ${branch}`,
    "GET",
    `${repoPath(target)}/pulls?${query}`
  );
  const match = pulls.find((p) => p.head.ref === branch);
  return match ? toPull(match) : void 0;
}
__name(findOpenPullRequest, "findOpenPullRequest");
async function createPullRequest(target, pr) {
  return toPull(
    await request(
      target,
      `create pull request ${pr.head} -> ${pr.base}`,
      "POST",
      `${repoPath(target)}/pulls`,
      pr
    )
  );
}
__name(createPullRequest, "createPullRequest");
async function updatePullRequest(target, number, pr) {
  return toPull(
    await request(
      target,
      `update pull request #${number}`,
      "PATCH",
      `${repoPath(target)}/pulls/${number}`,
      pr
    )
  );
}
__name(updatePullRequest, "updatePullRequest");
async function upsertPullRequest(target, pr) {
  const existing = await findOpenPullRequest(target, pr.head);
  if (existing) {
    return {
      ...await updatePullRequest(target, existing.number, { title: pr.title, body: pr.body }),
      created: false
    };
  }
  return { ...await createPullRequest(target, pr), created: true };
}
__name(upsertPullRequest, "upsertPullRequest");

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

// gitops/flows/promote.ts
function validatePromoteOptions(opts) {
  checkRepo(opts.repo);
  const from = overlayPath(".", opts.from, "from");
  const to = overlayPath(".", opts.to, "to");
  if (from === to) throw new InputError("to", `must differ from 'from' (both are '${from}')`);
  checkBranch(opts.branch ?? "main");
  environmentOf(to, opts.environment, "to");
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
async function promote(opts) {
  validatePromoteOptions(opts);
  const log = opts.log ?? (() => void 0);
  const from = overlayPath(".", opts.from, "from");
  const to = overlayPath(".", opts.to, "to");
  const base = opts.branch ?? "main";
  const environment = environmentOf(to, opts.environment, "to");
  const branch = `promote/${environment}`;
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
    const fromFile = fromOverlay.file;
    const toFile = target.file;
    const fromText = await fromOverlay.read();
    const toText = await target.read();
    const source = pickSourceImage(fromText, fromFile, opts.image);
    if (!source.digest || !isDigest(source.digest)) {
      throw new InputError(
        "from",
        `${fromFile} pins no digest for image '${source.name}'; promote copies a verified digest`
      );
    }
    const digest = source.digest;
    const current = readImage(toText, source.name, toFile);
    const wanted = { name: source.name, digest };
    const newName = current?.newName ?? source.newName;
    if (newName) wanted.newName = newName;
    if (source.newTag) wanted.newTag = source.newTag;
    const edit = setImage(toText, wanted, toFile);
    const sourceCommit = await findSourceCommit(git, fromFile, source);
    const ref = formatImageRef({ repository: newName ?? source.name, tag: source.newTag, digest });
    if (!edit.changed) {
      log(`${toFile} already pins ${shortDigest(digest)}; nothing to promote`);
      return {
        changed: false,
        branch,
        pushed: false,
        diff: "",
        sourceCommit,
        digest,
        image: wanted
      };
    }
    const before = await renderOverlay(join(ws.dir, to));
    await target.write(edit.text);
    const after = await renderOverlay(join(ws.dir, to));
    const diff = unifiedDiff(
      before,
      after,
      `a/${to} (kustomize build)`,
      `b/${to} (kustomize build)`
    );
    await git.run(["add", "--", toFile]);
    const message = promotionMessage({
      environment,
      image: source.name,
      tag: source.newTag,
      digest,
      ref,
      sourceCommit,
      from,
      to,
      baseCommit
    });
    let commit = await git.commit(message);
    let pushed = false;
    if (opts.push) {
      const remote = await remoteBranchTip(git, branch);
      if (remote && await samePromotion(git, branch, remote, commit, baseCommit)) {
        log(`${branch} already holds this promotion (${remote.slice(0, 12)}); not pushing`);
        commit = remote;
      } else {
        await pushCommit(git, branch, commit, { lease: remote ?? "" });
        pushed = true;
        log(`pushed ${commit.slice(0, 12)} to ${branch}`);
      }
    } else if (ws.kind !== "clone") {
      await keepLocalBranch(git, branch, commit, log);
    }
    const result = {
      changed: true,
      branch,
      commit,
      pushed,
      diff,
      sourceCommit,
      digest,
      image: wanted
    };
    if (opts.openPr && opts.github) {
      const title = message.split("\n")[0];
      const body = pullRequestBody({
        environment,
        image: source.name,
        ref,
        digest,
        sourceCommit,
        from,
        to,
        baseCommit,
        base,
        diff
      });
      const pr = await upsertPullRequest(opts.github, { title, body, head: branch, base });
      log(`${pr.created ? "opened" : "updated"} pull request #${pr.number} ${pr.url}`);
      result.pullRequest = { number: pr.number, url: pr.url, created: pr.created };
    }
    return result;
  });
}
__name(promote, "promote");
function pickSourceImage(text, file, name) {
  if (name) {
    const found = readImage(text, name, file);
    if (!found) throw new InputError("image", `'${name}' is not in the images of ${file}`);
    return found;
  }
  const all = listImages(text, file);
  if (all.length !== 1) {
    throw new InputError(
      "image",
      `${file} lists ${all.length} images (${all.map((i) => i.name).join(", ") || "none"}); pass --image`
    );
  }
  return all[0];
}
__name(pickSourceImage, "pickSourceImage");
async function findSourceCommit(git, fromFile, source) {
  const out = await git.run(["log", "-n", "20", "--format=%B%x00", "--", fromFile]);
  for (const message of out.split("\0")) {
    const t = parseTrailers(message.trim());
    if (t[TRAILER.digest] === source.digest && t[TRAILER.sourceCommit])
      return t[TRAILER.sourceCommit];
  }
  return source.newTag && isCommitSha(source.newTag) ? source.newTag : void 0;
}
__name(findSourceCommit, "findSourceCommit");
function promotionMessage(i) {
  const subject = `promote(${i.environment}): ${i.image}${i.tag ? ` ${shortTag(i.tag)}` : ""} (${shortDigest(i.digest)})`;
  const body = `Pin ${i.image} to ${i.ref} in ${i.to}: the digest running in ${i.from} at ${i.baseCommit.slice(0, 12)}.
Reverting this commit (or its merge) rolls ${i.environment} back.`;
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
  trailers[TRAILER.action] = "promote";
  return formatTrailers(trailers);
}
__name(promotionTrailers, "promotionTrailers");
function pullRequestBody(i) {
  const head = [
    `Promotes the image verified in \`${i.from}\` to **${i.environment}** (\`${i.to}\`).`,
    "",
    "| | |",
    "|---|---|",
    `| Image | \`${i.ref}\` |`,
    `| Digest | \`${i.digest}\` |`,
    `| Source commit | ${i.sourceCommit ? `\`${i.sourceCommit}\`` : "unknown (no Source-Commit trailer on the source bump)"} |`,
    `| Promoted from | \`${i.from}\` at \`${i.baseCommit}\` on \`${i.base}\` |`,
    "",
    "Merging deploys it; reverting the merge rolls it back. Re-running the promotion updates this PR.",
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

Pins the image digest (and tag) of overlay --from in overlay --to, keeping --to's own registry path,
commits it on promote/<env>, and with --push --open-pr opens or updates the pull request.

Options:
  --from DIR              Source overlay, relative to the repository root (e.g. overlays/minikube)
  --to DIR                Target overlay (e.g. overlays/gke)
  --image NAME            Image name in the kustomization (default: the only image of --from)
  --repo PATH|URL         GitOps repository: a local clone or a remote (default: current directory)
  --branch NAME           Base branch (default main)
  --environment NAME      Environment name for branch and trailers (default: name of --to)
  --push                  Push promote/<env> (force-updated; a re-run replaces it)
  --open-pr               Open or update the pull request (needs --push and GITHUB_TOKEN)
  --github-repo O/R       GitHub repository (default GITHUB_REPOSITORY)
  --github-api-url URL    GitHub API URL (default GITHUB_API_URL or https://api.github.com)
  --json                  Print one JSON object: the promotion and the pull request
  -h, --help              Show this help

The token is read from GITHUB_TOKEN only, never from a flag, and is never printed.`;
var promoteCommand = {
  name: "promote",
  usage,
  options: flagOptions({
    string: "from to image repo branch environment github-repo github-api-url",
    boolean: "push open-pr json"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const from = requireFlag(values, "from");
    const to = requireFlag(values, "to");
    const openPr = boolFlag(values, "open-pr");
    let github;
    if (openPr) {
      const repoName = stringFlag(values, "github-repo") ?? io.env.GITHUB_REPOSITORY;
      if (!repoName)
        throw new InputError(
          "--github-repo",
          "is required with --open-pr (or set GITHUB_REPOSITORY)"
        );
      const token = io.env.GITHUB_TOKEN;
      if (!token)
        throw new InputError("GITHUB_TOKEN", "must be set in the environment for --open-pr");
      const apiUrl = stringFlag(values, "github-api-url") ?? io.env.GITHUB_API_URL;
      if (apiUrl !== void 0 && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
        throw new InputError("--github-api-url", `expected an http(s) URL, got '${apiUrl}'`);
      }
      github = {
        token,
        ...parseRepository(
          repoName,
          stringFlag(values, "github-repo") ? "--github-repo" : "GITHUB_REPOSITORY"
        ),
        apiUrl
      };
    }
    const names = {
      repo: "--repo",
      branch: "--branch",
      from: "--from",
      to: "--to",
      image: "--image",
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
        environment: stringFlag(values, "environment"),
        push: boolFlag(values, "push"),
        openPr,
        github,
        log: progressLogger(io, json)
      })
    );
    const lines = res.changed ? [
      `promoted ${res.image.name} ${res.digest} from ${from} to ${to} on ${res.branch} (${res.commit?.slice(0, 12)}${res.pushed ? ", pushed" : ""})`,
      ...res.pullRequest ? [
        `pull request #${res.pullRequest.number} ${res.pullRequest.created ? "opened" : "updated"}: ${res.pullRequest.url}`
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
