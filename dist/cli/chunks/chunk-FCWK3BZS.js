import {
  shortTag
} from "./chunk-LJWC5AAD.js";
import {
  retry
} from "./chunk-M3M4HARC.js";
import {
  stringFlag
} from "./chunk-YO2BF2HZ.js";
import {
  ApiCallError,
  InputError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/rules/deploy-record.ts
function verifyContext(environment) {
  return `gitops/verify/${environment}`;
}
__name(verifyContext, "verifyContext");
function deployContext(environment) {
  return `gitops/deploy/${environment}`;
}
__name(deployContext, "deployContext");
var OUTCOMES = [
  "healthy",
  "rolled-back",
  "failed",
  "suspended",
  "superseded",
  "error"
];
function parseOutcome(value, input = "result") {
  const v = value.trim();
  if (v === "") return "error";
  if (OUTCOMES.includes(v)) return v;
  throw new InputError(input, `expected one of ${OUTCOMES.join(", ")} (or empty), got '${value}'`);
}
__name(parseOutcome, "parseOutcome");
function verdictRecords(v) {
  const reason = v.reason?.trim() || "no reason given";
  const rev = shortTag(v.revision);
  switch (v.outcome) {
    case "healthy":
      return {
        deployment: [{ state: "success", description: `healthy on ${v.environment} at ${rev}` }],
        revision: { state: "success", description: `verified healthy on ${v.environment}` },
        source: { state: "success", description: `live on ${v.environment} (${rev})` }
      };
    case "rolled-back": {
      const by = v.revertCommit ? ` by ${shortTag(v.revertCommit)}` : "";
      return {
        deployment: [
          { state: "failure", description: reason },
          { state: "inactive", description: `rolled back${by}: ${reason}` }
        ],
        revision: { state: "failure", description: `rolled back on ${v.environment}: ${reason}` },
        source: { state: "failure", description: `rolled back on ${v.environment}: ${reason}` }
      };
    }
    case "failed":
      return {
        deployment: [{ state: "failure", description: reason }],
        revision: { state: "failure", description: `failed on ${v.environment}: ${reason}` },
        source: { state: "failure", description: `failed on ${v.environment}: ${reason}` }
      };
    case "suspended":
      return {
        deployment: [{ state: "error", description: `suspended (Deployment paused): ${reason}` }],
        revision: { state: "error", description: `not verified on ${v.environment}: paused` }
      };
    case "superseded":
      return {
        deployment: [
          { state: "inactive", description: `superseded by a newer release: ${reason}` }
        ]
      };
    case "error":
      return {
        deployment: [{ state: "error", description: `verification did not finish: ${reason}` }],
        revision: { state: "error", description: `verification did not finish: ${reason}` }
      };
  }
}
__name(verdictRecords, "verdictRecords");
function digestKey(digest) {
  return (digest.split(":")[1] ?? digest).slice(0, 12);
}
__name(digestKey, "digestKey");
function promotionBranch(environment, digest) {
  return `promote/${environment}/sha256-${digestKey(digest)}`;
}
__name(promotionBranch, "promotionBranch");
function isPromotionBranch(environment, branch) {
  return branch === `promote/${environment}` || branch.startsWith(`promote/${environment}/`);
}
__name(isPromotionBranch, "isPromotionBranch");
function sourceRevertBranch(environment, sourceCommit) {
  return `gitops/revert-source/${environment}/${sourceCommit.slice(0, 12)}`;
}
__name(sourceRevertBranch, "sourceRevertBranch");
function runUrl(env) {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  if (!server || !repo || !run) return void 0;
  const attempt = env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== "1" ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : "";
  return `${server.replace(/\/+$/, "")}/${repo}/actions/runs/${run}${attempt}`;
}
__name(runUrl, "runUrl");

// gitops/adapters/github.ts
import { getOctokit } from "@actions/github";
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
      status === 401 ? "check the token (GITHUB_TOKEN or the token input): GitHub did not accept it" : status === 403 || status === 404 ? "the token needs the permissions of this call on the repository (contents, pull-requests, issues, statuses, deployments: write as the step uses them)" : void 0,
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
var clients = /* @__PURE__ */ new WeakMap();
function octokitFor(target) {
  let client = clients.get(target);
  if (!client) {
    client = getOctokit(target.token, {
      baseUrl: (target.apiUrl ?? "https://api.github.com").replace(/\/+$/, ""),
      userAgent: "score-api-gitops",
      // Octokit logs deprecations and errors to the console by default; our callers report errors themselves.
      log: {
        debug: /* @__PURE__ */ __name(() => void 0, "debug"),
        info: /* @__PURE__ */ __name(() => void 0, "info"),
        warn: /* @__PURE__ */ __name(() => void 0, "warn"),
        error: /* @__PURE__ */ __name(() => void 0, "error")
      }
    });
    clients.set(target, client);
  }
  return client;
}
__name(octokitFor, "octokitFor");
function detailOf(err) {
  const data = err.response?.data;
  if (data && typeof data === "object") {
    const d = data;
    const errors = Array.isArray(d.errors) ? d.errors.map(
      (e) => typeof e === "string" ? e : e && typeof e === "object" ? String(
        e.message ?? [e.field, e.code].filter(Boolean).join(" ")
      ) : ""
    ) : [];
    const text = [typeof d.message === "string" ? d.message : "", ...errors].filter(Boolean).join(": ");
    if (text) return text;
  }
  if (typeof data === "string" && data.trim()) return data.trim().slice(0, 300);
  return err.message ?? "no detail";
}
__name(detailOf, "detailOf");
function toGithubApiError(operation, err) {
  if (err instanceof GithubApiError) return err;
  const e = err ?? {};
  const reached = e.response !== void 0;
  const status = reached && typeof e.status === "number" ? e.status : 0;
  return new GithubApiError(operation, status, detailOf(e), { cause: err });
}
__name(toGithubApiError, "toGithubApiError");
function transient(err) {
  return err instanceof GithubApiError && (err.status === 0 || err.status >= 500 || err.status === 429);
}
__name(transient, "transient");
async function call(operation, fn, opts = {}) {
  const once = /* @__PURE__ */ __name(async () => {
    try {
      return await fn();
    } catch (err) {
      throw toGithubApiError(operation, err);
    }
  }, "once");
  if (!opts.idempotent) return once();
  return retry(once, { maxAttempts: 3, baseDelayMs: 300, shouldRetry: transient });
}
__name(call, "call");
function repoOf(target) {
  return { owner: target.owner, repo: target.repo };
}
__name(repoOf, "repoOf");
function toPull(raw) {
  return {
    number: raw.number,
    url: raw.html_url,
    title: raw.title,
    body: raw.body ?? "",
    head: raw.head.ref,
    base: raw.base.ref,
    state: raw.state === "open" ? "open" : "closed",
    merged: Boolean(raw.merged ?? raw.merged_at)
  };
}
__name(toPull, "toPull");
async function listPullRequests(target, filter) {
  const state = filter.state ?? "open";
  const what = [filter.head, filter.base && `into ${filter.base}`].filter(Boolean).join(" ");
  const pulls = await call(
    `list ${state} pull requests${what ? ` ${what}` : ""}`,
    () => octokitFor(target).paginate(octokitFor(target).rest.pulls.list, {
      ...repoOf(target),
      state,
      per_page: 100,
      ...filter.head ? { head: `${target.owner}:${filter.head}` } : {},
      ...filter.base ? { base: filter.base } : {}
    }),
    { idempotent: true }
  );
  return pulls.map(toPull).filter((p) => filter.head === void 0 || p.head === filter.head);
}
__name(listPullRequests, "listPullRequests");
async function findOpenPullRequest(target, branch) {
  const [open] = await listPullRequests(target, { head: branch, state: "open" });
  return open;
}
__name(findOpenPullRequest, "findOpenPullRequest");
async function createPullRequest(target, pr) {
  const { data } = await call(
    `create pull request ${pr.head} -> ${pr.base}`,
    () => octokitFor(target).rest.pulls.create({ ...repoOf(target), ...pr })
  );
  return toPull(data);
}
__name(createPullRequest, "createPullRequest");
async function updatePullRequest(target, number, pr) {
  const { data } = await call(
    `update pull request #${number}`,
    () => octokitFor(target).rest.pulls.update({ ...repoOf(target), pull_number: number, ...pr })
  );
  return toPull(data);
}
__name(updatePullRequest, "updatePullRequest");
async function addComment(target, number, body) {
  await call(
    `comment on #${number}`,
    () => octokitFor(target).rest.issues.createComment({ ...repoOf(target), issue_number: number, body })
  );
}
__name(addComment, "addComment");
async function closePullRequest(target, number, comment) {
  await addComment(target, number, comment);
  await call(
    `close pull request #${number}`,
    () => octokitFor(target).rest.pulls.update({
      ...repoOf(target),
      pull_number: number,
      state: "closed"
    })
  );
}
__name(closePullRequest, "closePullRequest");
async function deleteBranch(target, branch) {
  try {
    await call(
      `delete branch ${branch}`,
      () => octokitFor(target).rest.git.deleteRef({ ...repoOf(target), ref: `heads/${branch}` })
    );
    return true;
  } catch (err) {
    if (err instanceof GithubApiError && (err.status === 422 || err.status === 404)) return false;
    throw err;
  }
}
__name(deleteBranch, "deleteBranch");
async function ensureLabel(target, label) {
  try {
    await call(
      `get label ${label.name}`,
      () => octokitFor(target).rest.issues.getLabel({ ...repoOf(target), name: label.name }),
      { idempotent: true }
    );
    return;
  } catch (err) {
    if (!(err instanceof GithubApiError) || err.status !== 404) throw err;
  }
  try {
    await call(
      `create label ${label.name}`,
      () => octokitFor(target).rest.issues.createLabel({ ...repoOf(target), ...label })
    );
  } catch (err) {
    if (!(err instanceof GithubApiError) || err.status !== 422) throw err;
  }
}
__name(ensureLabel, "ensureLabel");
async function findIssues(target, filter) {
  const items = await call(
    `list issues labelled ${filter.label}`,
    () => octokitFor(target).paginate(octokitFor(target).rest.issues.listForRepo, {
      ...repoOf(target),
      labels: filter.label,
      state: "all",
      per_page: 100
    }),
    { idempotent: true }
  );
  return items.filter((i) => !i.pull_request && (i.body ?? "").includes(filter.marker)).map(toIssue);
}
__name(findIssues, "findIssues");
async function createIssue(target, issue) {
  const { data } = await call(
    `create issue "${issue.title.slice(0, 60)}"`,
    () => octokitFor(target).rest.issues.create({ ...repoOf(target), ...issue })
  );
  return toIssue(data);
}
__name(createIssue, "createIssue");
function toIssue(raw) {
  return {
    number: raw.number,
    url: raw.html_url,
    title: raw.title,
    body: raw.body ?? "",
    state: raw.state === "open" ? "open" : "closed"
  };
}
__name(toIssue, "toIssue");
async function commitAuthorLogin(target, sha) {
  const { data } = await call(
    `get commit ${sha.slice(0, 12)}`,
    () => octokitFor(target).rest.repos.getCommit({ ...repoOf(target), ref: sha }),
    { idempotent: true }
  );
  return data.author?.login ?? void 0;
}
__name(commitAuthorLogin, "commitAuthorLogin");

// gitops/cli/github.ts
var GITHUB_FLAGS = `  --github-repo O/R       GitHub repository (default GITHUB_REPOSITORY)
  --github-api-url URL    GitHub API URL (default GITHUB_API_URL or https://api.github.com)`;
var GITHUB_TOKEN_NOTE = "The token is read from GITHUB_TOKEN only, never from a flag, and is never printed.";
function githubTarget(values, io, why) {
  const flag = stringFlag(values, "github-repo");
  const repoName = flag ?? io.env.GITHUB_REPOSITORY;
  if (!repoName)
    throw new InputError("--github-repo", `is required ${why} (or set GITHUB_REPOSITORY)`);
  const token = io.env.GITHUB_TOKEN;
  if (!token) throw new InputError("GITHUB_TOKEN", `must be set in the environment ${why}`);
  const apiUrl = stringFlag(values, "github-api-url") ?? io.env.GITHUB_API_URL;
  if (apiUrl !== void 0 && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
    throw new InputError("--github-api-url", `expected an http(s) URL, got '${apiUrl}'`);
  }
  return {
    token,
    ...parseRepository(repoName, flag ? "--github-repo" : "GITHUB_REPOSITORY"),
    apiUrl
  };
}
__name(githubTarget, "githubTarget");

export {
  MAX_PR_BODY,
  GithubApiError,
  octokitFor,
  call,
  repoOf,
  listPullRequests,
  findOpenPullRequest,
  createPullRequest,
  updatePullRequest,
  closePullRequest,
  deleteBranch,
  ensureLabel,
  findIssues,
  createIssue,
  commitAuthorLogin,
  verifyContext,
  deployContext,
  parseOutcome,
  verdictRecords,
  promotionBranch,
  isPromotionBranch,
  sourceRevertBranch,
  runUrl,
  GITHUB_FLAGS,
  GITHUB_TOKEN_NOTE,
  githubTarget
};
