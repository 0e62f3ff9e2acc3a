import {
  GITHUB_FLAGS,
  GITHUB_TOKEN_NOTE,
  GithubApiError,
  commitAuthorLogin,
  createIssue,
  createPullRequest,
  ensureLabel,
  findIssues,
  githubTarget,
  listPullRequests,
  runUrl,
  sourceRevertBranch
} from "./chunk-FCWK3BZS.js";
import {
  TRAILER,
  checkRepo,
  deployedChange,
  ensureFullHistory,
  findRevertOf,
  gitopsAction,
  isGitUrl,
  logEntries,
  parseTrailers,
  pushCommit,
  remoteBranchTip,
  shortTag,
  withWorkspace
} from "./chunk-LJWC5AAD.js";
import {
  checkBranch,
  checkCommitSha,
  checkEnvironment
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
  InputError,
  __name,
  withInputNames
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/revert-source.ts
import { resolve } from "node:path";

// gitops/flows/revert-source.ts
var ROLLBACK_LABEL = {
  name: "gitops-rollback",
  color: "b60205",
  description: "A release was rolled back: its source needs reverting or fixing"
};
var MAX_REVERTED_COMMITS = 20;
function validateRevertSource(opts) {
  checkRepo(opts.repo);
  checkBranch(opts.branch ?? "main");
  checkEnvironment(opts.environment, "environment");
  checkCommitSha(opts.revision, "revision");
  if (opts.revertCommit !== void 0) checkCommitSha(opts.revertCommit, "revert-commit");
  if (typeof opts.reason !== "string" || opts.reason.trim() === "")
    throw new InputError("reason", "is required: the verdict the pull request reports");
  if (opts.github.token.trim() === "") throw new InputError("token", "is empty");
}
__name(validateRevertSource, "validateRevertSource");
function revertMarker(environment, sourceCommit) {
  return `<!-- gitops:revert-source environment=${environment} source=${sourceCommit} -->`;
}
__name(revertMarker, "revertMarker");
async function revertSource(opts) {
  validateRevertSource(opts);
  const log = opts.log ?? (() => void 0);
  const branch = opts.branch ?? "main";
  const workspace = { repo: opts.repo, branch, sync: opts.push, mode: "scratch", log };
  return withWorkspace(workspace, async (ws) => {
    await ensureFullHistory(ws, log);
    const git = ws.git;
    const change = await deployedChange(git, opts.revision);
    const nothing = /* @__PURE__ */ __name((detail, facts = {}) => {
      log(`nothing to revert: ${detail}`);
      return { ...facts, status: "nothing-to-revert", detail, commits: [], created: false };
    }, "nothing");
    if (!change.action) return nothing(`${opts.revision.slice(0, 12)} ${change.notDeployment}`);
    const bad = change.trailers[TRAILER.sourceCommit];
    if (!bad || !await git.resolve(bad)) {
      return nothing(
        `${opts.revision.slice(0, 12)} names no source commit of this repository (Source-Commit: ${bad ?? "none"})`
      );
    }
    const overlay = change.trailers[TRAILER.overlay] ?? "";
    const good = overlay ? await lastHealthySource(git, overlay, opts.revision) : void 0;
    const result = { sourceCommit: bad, ...good ? { lastHealthySource: good } : {} };
    if (good && await git.isAncestor(bad, good)) {
      return nothing(
        `${shortTag(bad)} is already part of the last healthy release ${shortTag(good)} on ${opts.environment}`,
        result
      );
    }
    const commits = await sourceCommitsToRevert(git, good, bad);
    if (commits.length === 0) {
      return nothing(
        `every source commit since ${good ? shortTag(good) : "the start"} is reverted already`,
        result
      );
    }
    const withAuthors = await Promise.all(commits.map((c) => authorOf(git, opts.github, c)));
    const marker = revertMarker(opts.environment, bad);
    const headBranch = sourceRevertBranch(opts.environment, bad);
    const [pull] = await listPullRequests(opts.github, { head: headBranch, state: "all" });
    const [issue] = pull ? [] : await findIssues(opts.github, { label: ROLLBACK_LABEL.name, marker });
    const earlier = pull ?? issue;
    if (earlier) {
      const detail = `#${earlier.number} (${pull ? "pull request" : "issue"}, ${earlier.state}) already handles ${shortTag(bad)}`;
      log(detail);
      return {
        ...result,
        status: "exists",
        detail,
        commits: withAuthors,
        number: earlier.number,
        url: earlier.url,
        created: false,
        branch: pull ? headBranch : void 0
      };
    }
    const text = { ...opts, bad, good, commits: withAuthors, marker };
    if (withAuthors.length > MAX_REVERTED_COMMITS) {
      return openIssue(
        opts,
        text,
        result,
        `${withAuthors.length} commits are more than one revert should take (${MAX_REVERTED_COMMITS})`
      );
    }
    const conflict = await revertCommits(git, withAuthors);
    if (conflict) return openIssue(opts, text, result, conflict);
    if (!opts.push) {
      const detail = `would open a pull request reverting ${withAuthors.length} commit(s) on ${headBranch}`;
      log(detail);
      return {
        ...result,
        status: "planned",
        detail,
        commits: withAuthors,
        created: false,
        branch: headBranch
      };
    }
    const commit = await git.run(["rev-parse", "HEAD"]);
    const remote = await remoteBranchTip(git, headBranch);
    if (remote)
      log(
        `${headBranch} exists already (${remote.slice(0, 12)}, an earlier attempt): opening its pull request`
      );
    else await pushCommit(git, headBranch, commit, { lease: "" });
    const pr = await createPullRequest(opts.github, {
      title: `Revert ${withAuthors.length === 1 ? `"${withAuthors[0].subject.slice(0, 60)}"` : `${withAuthors.length} commits`}: rolled back on ${opts.environment}`,
      body: pullRequestBody(text),
      head: headBranch,
      base: branch
    });
    log(`opened pull request #${pr.number} ${pr.url}`);
    return {
      ...result,
      status: "pull-request",
      detail: `pull request #${pr.number} reverts ${withAuthors.length} commit(s)`,
      commits: withAuthors,
      number: pr.number,
      url: pr.url,
      created: true,
      branch: headBranch
    };
  });
}
__name(revertSource, "revertSource");
async function lastHealthySource(git, overlay, revision) {
  const entries = await logEntries(git, [
    "--first-parent",
    "-n",
    "200",
    `${revision}^`,
    "--",
    overlay
  ]);
  const reverted = /* @__PURE__ */ new Set();
  for (const e of entries) {
    const t = parseTrailers(e.message);
    const plain = [...e.message.matchAll(/This reverts commit ([0-9a-f]{40})/g)].map((m) => m[1]);
    if (t[TRAILER.action] === "revert" || plain.length > 0) {
      for (const sha of [t[TRAILER.reverts], ...plain]) if (sha) reverted.add(sha);
      continue;
    }
    if (reverted.has(e.sha)) continue;
    const change = await deployedChange(git, e.sha);
    const source = change.action ? change.trailers[TRAILER.sourceCommit] : void 0;
    if (source) return source;
  }
  return void 0;
}
__name(lastHealthySource, "lastHealthySource");
async function sourceCommitsToRevert(git, good, bad) {
  const range = good && await git.isAncestor(good, bad) ? [`${good}..${bad}`] : ["-n", "1", bad];
  const shas = (await git.run(["rev-list", "--first-parent", ...range])).split("\n").filter(Boolean);
  const out = [];
  for (const sha of shas) {
    const message = await git.run(["log", "-1", "--format=%B", sha]);
    if (gitopsAction(message)) continue;
    const files = (await git.run(["diff", "--name-only", `${sha}^1`, sha]).catch(() => git.run(["show", "--name-only", "--format=", sha]))).split("\n").filter(Boolean);
    if (files.length > 0 && files.every((f) => f.startsWith("overlays/"))) continue;
    if (await findRevertOf(git, sha)) continue;
    out.push(sha);
  }
  return out;
}
__name(sourceCommitsToRevert, "sourceCommitsToRevert");
async function authorOf(git, github, sha) {
  const [author = "", subject = ""] = (await git.run(["log", "-1", "--format=%an%x00%s", sha])).split("\0");
  let login;
  try {
    login = await commitAuthorLogin(github, sha);
  } catch (err) {
    if (!(err instanceof GithubApiError) || err.status !== 404 && err.status !== 422) throw err;
  }
  return { sha, subject, author, ...login ? { login } : {} };
}
__name(authorOf, "authorOf");
async function revertCommits(git, commits) {
  const identity = await git.commitIdentity();
  for (const c of commits) {
    const parents = (await git.run(["rev-list", "--parents", "-n", "1", c.sha])).split(" ").length - 1;
    const res = await git.tryRun([
      ...identity,
      "revert",
      "--no-edit",
      ...parents > 1 ? ["-m", "1"] : [],
      c.sha
    ]);
    if (res.code !== 0) {
      const conflicted = (await git.tryRun(["diff", "--name-only", "--diff-filter=U"])).stdout.split("\n").filter(Boolean);
      await git.tryRun(["revert", "--abort"]);
      return `the revert of ${c.sha.slice(0, 12)} ("${c.subject}") does not apply cleanly${conflicted.length ? ` (conflicts in ${conflicted.join(", ")})` : ""}`;
    }
  }
  return void 0;
}
__name(revertCommits, "revertCommits");
function mentions(commits) {
  const names = [...new Set(commits.map((c) => c.login ? `@${c.login}` : c.author))];
  return names.join(", ");
}
__name(mentions, "mentions");
function verdictTable(t) {
  const rows = [
    ["Verdict", `rolled back: ${t.reason.replace(/\s+/g, " ").trim()}`],
    ["Environment", t.environment],
    ["Rolled-back source", `\`${t.bad}\``],
    ["Last healthy release", t.good ? `\`${t.good}\`` : "none found before it"],
    [
      "Deployed revision",
      `\`${t.revision}\`${t.revertCommit ? `, reverted by \`${t.revertCommit}\`` : ""}`
    ],
    ...t.logUrl ? [["Run", t.logUrl]] : []
  ];
  return [
    "| | |",
    "|---|---|",
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, "\\|")} |`)
  ].join("\n");
}
__name(verdictTable, "verdictTable");
function commitList(commits) {
  return commits.map(
    (c) => `- \`${c.sha.slice(0, 12)}\` ${c.subject.replace(/[<>]/g, "")} — ${c.login ? `@${c.login}` : c.author}`
  ).join("\n");
}
__name(commitList, "commitList");
function pullRequestBody(t) {
  return [
    t.marker,
    `${mentions(t.commits)}: the release built from these commits was rolled back on **${t.environment}**, and they are still on \`${t.branch ?? "main"}\`: the next push would deploy them again. This pull request reverts them, newest first. Merge it to keep the branch deployable, or close it and fix forward.`,
    "",
    verdictTable(t),
    "",
    "### Commits reverted",
    "",
    commitList(t.commits),
    ""
  ].join("\n");
}
__name(pullRequestBody, "pullRequestBody");
async function openIssue(opts, t, result, why) {
  const log = opts.log ?? (() => void 0);
  if (!opts.push) {
    log(`would open an issue: ${why}`);
    return {
      ...result,
      status: "planned",
      detail: `would open an issue: ${why}`,
      commits: t.commits,
      created: false
    };
  }
  await ensureLabel(opts.github, ROLLBACK_LABEL);
  const body = [
    t.marker,
    `${mentions(t.commits)}: the release built from these commits was rolled back on **${t.environment}**, and they are still on \`${t.branch ?? "main"}\`: the next push would deploy them again. They could not be reverted automatically: ${why}. Please revert or fix them by hand.`,
    "",
    verdictTable(t),
    "",
    "### Commits since the last healthy release",
    "",
    commitList(t.commits),
    ""
  ].join("\n");
  const issue = await createIssue(opts.github, {
    title: `Rolled back on ${t.environment}: ${shortTag(t.bad)} is still on ${t.branch ?? "main"}`,
    body,
    labels: [ROLLBACK_LABEL.name]
  });
  log(`opened issue #${issue.number} ${issue.url}: ${why}`);
  return {
    ...result,
    status: "issue",
    detail: why,
    commits: t.commits,
    number: issue.number,
    url: issue.url,
    created: true
  };
}
__name(openIssue, "openIssue");

// gitops/cli/revert-source.ts
var usage = `Usage: gitops revert-source --environment NAME --revision SHA --reason TEXT [options]

After a rollback of --revision (a bump, a promotion or its merge) in --environment, opens the pull request
that reverts the source commits since the last healthy release (newest first), with the verdict, addressed
to their authors; or an issue when the reverts do not apply cleanly. Once per rolled-back source commit: a
re-run finds the pull request or issue opened before, in any state, and opens nothing.

Options:
  --environment NAME      Environment the release was rolled back in
  --revision SHA          The rolled-back deployed revision (full SHA)
  --reason TEXT           Verify's verdict
  --revert-commit SHA     The commit that rolled it back
  --log-url URL           The run that judged it (default: this workflow run, if in one)
  --repo PATH|URL         GitOps repository: a local clone or a remote (default: current directory)
  --branch NAME           Branch (default main)
  --push                  Push the revert branch and open the pull request or issue (else only plan)
${GITHUB_FLAGS}
  --json                  Print one JSON object: what was opened, and the commits
  -h, --help              Show this help

${GITHUB_TOKEN_NOTE}`;
var revertSourceCommand = {
  name: "revert-source",
  usage,
  options: flagOptions({
    string: "environment revision reason revert-commit log-url repo branch github-repo github-api-url",
    boolean: "push json"
  }),
  async run(values, io) {
    const json = boolFlag(values, "json");
    const repoFlag = stringFlag(values, "repo");
    const names = {
      repo: "--repo",
      branch: "--branch",
      environment: "--environment",
      revision: "--revision",
      reason: "--reason",
      "revert-commit": "--revert-commit"
    };
    const res = await withInputNames(
      names,
      () => revertSource({
        repo: repoFlag && isGitUrl(repoFlag) ? repoFlag : resolve(io.cwd, repoFlag ?? "."),
        branch: stringFlag(values, "branch"),
        environment: requireFlag(values, "environment"),
        revision: requireFlag(values, "revision"),
        reason: requireFlag(values, "reason"),
        revertCommit: stringFlag(values, "revert-commit"),
        logUrl: stringFlag(values, "log-url") ?? runUrl(io.env),
        github: githubTarget(values, io, "to open the pull request or issue"),
        push: boolFlag(values, "push"),
        log: progressLogger(io, json)
      })
    );
    printOutput(io, json, {
      json: { ...res },
      lines: [
        `${res.status}: ${res.detail}${res.url ? ` (${res.url})` : ""}`,
        ...res.commits.map(
          (c) => `  ${c.sha.slice(0, 12)} ${c.subject} (${c.login ? `@${c.login}` : c.author})`
        )
      ]
    });
    return 0;
  }
};
export {
  revertSourceCommand
};
