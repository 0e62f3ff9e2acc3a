import {
  call,
  octokitFor,
  repoOf
} from "./chunk-FCWK3BZS.js";
import {
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/adapters/github-deployments.ts
var MAX_STATUS_DESCRIPTION = 140;
function statusDescription(text) {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_STATUS_DESCRIPTION ? `${line.slice(0, MAX_STATUS_DESCRIPTION - 1)}…` : line;
}
__name(statusDescription, "statusDescription");
async function listCommitStatuses(target, sha) {
  const octokit = octokitFor(target);
  const raw = await call(
    `list statuses of ${sha.slice(0, 12)}`,
    () => octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
      ...repoOf(target),
      ref: sha,
      per_page: 100
    }),
    { idempotent: true }
  );
  return raw.map((s) => ({
    state: s.state,
    context: s.context,
    description: s.description ?? "",
    targetUrl: s.target_url ?? "",
    creator: s.creator?.login
  }));
}
__name(listCommitStatuses, "listCommitStatuses");
async function latestCommitStatus(target, sha, context) {
  return (await listCommitStatuses(target, sha)).find((s) => s.context === context);
}
__name(latestCommitStatus, "latestCommitStatus");
async function setCommitStatus(target, sha, status) {
  const description = statusDescription(status.description);
  const latest = await latestCommitStatus(target, sha, status.context);
  if (latest && latest.state === status.state && latest.description === description && latest.targetUrl === status.targetUrl) {
    return { created: false };
  }
  await call(
    `set status ${status.context}=${status.state} on ${sha.slice(0, 12)}`,
    () => octokitFor(target).rest.repos.createCommitStatus({
      ...repoOf(target),
      sha,
      state: status.state,
      context: status.context,
      description,
      target_url: status.targetUrl
    })
  );
  return { created: true };
}
__name(setCommitStatus, "setCommitStatus");
function toDeployment(raw) {
  let payload = raw.payload;
  if (typeof payload === "string") {
    try {
      payload = JSON.parse(payload);
    } catch {
      payload = {};
    }
  }
  return {
    id: raw.id,
    sha: raw.sha,
    ref: raw.ref,
    environment: raw.environment,
    task: raw.task,
    payload: payload && typeof payload === "object" ? payload : {},
    creator: raw.creator?.login,
    description: raw.description ?? ""
  };
}
__name(toDeployment, "toDeployment");
async function listDeployments(target, filter) {
  const octokit = octokitFor(target);
  const raw = await call(
    `list deployments of ${filter.sha.slice(0, 12)} to ${filter.environment}`,
    () => octokit.paginate(octokit.rest.repos.listDeployments, {
      ...repoOf(target),
      sha: filter.sha,
      environment: filter.environment,
      per_page: 100
    }),
    { idempotent: true }
  );
  return raw.map(toDeployment).sort((a, b) => b.id - a.id);
}
__name(listDeployments, "listDeployments");
async function createDeployment(target, d) {
  const { data } = await call(
    `create deployment of ${d.sha.slice(0, 12)} to ${d.environment}`,
    () => octokitFor(target).rest.repos.createDeployment({
      ...repoOf(target),
      ref: d.sha,
      environment: d.environment,
      description: statusDescription(d.description),
      payload: d.payload,
      task: "deploy",
      auto_merge: false,
      required_contexts: [],
      production_environment: d.productionEnvironment,
      transient_environment: false
    })
  );
  return toDeployment(data);
}
__name(createDeployment, "createDeployment");
async function listDeploymentStatuses(target, id) {
  const octokit = octokitFor(target);
  const raw = await call(
    `list statuses of deployment ${id}`,
    () => octokit.paginate(octokit.rest.repos.listDeploymentStatuses, {
      ...repoOf(target),
      deployment_id: id,
      per_page: 100
    }),
    { idempotent: true }
  );
  return raw.map((s) => ({
    state: s.state,
    description: s.description ?? "",
    environmentUrl: s.environment_url ?? "",
    logUrl: s.log_url ?? s.target_url ?? ""
  }));
}
__name(listDeploymentStatuses, "listDeploymentStatuses");
async function setDeploymentStatus(target, id, status) {
  const description = statusDescription(status.description);
  const existing = await listDeploymentStatuses(target, id);
  const same = existing.some(
    (s) => s.state === status.state && s.description === description && s.environmentUrl === status.environmentUrl && s.logUrl === status.logUrl
  );
  if (same) return { created: false };
  await call(
    `set deployment ${id} ${status.state}`,
    () => octokitFor(target).rest.repos.createDeploymentStatus({
      ...repoOf(target),
      deployment_id: id,
      state: status.state,
      description,
      environment_url: status.environmentUrl,
      log_url: status.logUrl,
      auto_inactive: status.autoInactive ?? true
    })
  );
  return { created: true };
}
__name(setDeploymentStatus, "setDeploymentStatus");

export {
  latestCommitStatus,
  setCommitStatus,
  listDeployments,
  createDeployment,
  setDeploymentStatus
};
