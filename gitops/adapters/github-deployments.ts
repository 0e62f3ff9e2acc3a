/**
 * What GitHub records about a deploy: commit statuses (the check marks on a commit) and Deployments with their
 * statuses (the repository's Environments page). Each write first reads what is there, so a retried step
 * never adds the same status twice and never creates a second Deployment for the same deploy.
 */
import type { GithubTarget } from './github.js';
import { call, octokitFor, repoOf } from './github.js';

/** GitHub's limit on a status description, in characters. */
export const MAX_STATUS_DESCRIPTION = 140;

/** A commit status state. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** A Deployment status state. */
export type DeploymentState =
  'queued' | 'pending' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** One commit status, newest first in lists. */
export interface CommitStatus {
  state: CommitState;
  context: string;
  description: string;
  targetUrl: string;
  creator?: string;
}

/** The fields of a Deployment the flows use. */
export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  task: string;
  payload: Record<string, unknown>;
  creator?: string;
  description: string;
}

/** One Deployment status, newest first in lists. */
export interface DeploymentStatus {
  state: DeploymentState;
  description: string;
  environmentUrl: string;
  logUrl: string;
}

/** `text` cut to GitHub's status description limit, on one line. */
export function statusDescription(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_STATUS_DESCRIPTION
    ? `${line.slice(0, MAX_STATUS_DESCRIPTION - 1)}…`
    : line;
}

/** The statuses of commit `sha`, newest first (all pages). */
export async function listCommitStatuses(
  target: GithubTarget,
  sha: string,
): Promise<CommitStatus[]> {
  const octokit = octokitFor(target);
  const raw = await call(
    `list statuses of ${sha.slice(0, 12)}`,
    () =>
      octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
        ...repoOf(target),
        ref: sha,
        per_page: 100,
      }),
    { idempotent: true },
  );
  return raw.map((s) => ({
    state: s.state as CommitState,
    context: s.context,
    description: s.description ?? '',
    targetUrl: s.target_url ?? '',
    creator: s.creator?.login,
  }));
}

/** The newest status of `context` on `sha`, if any. */
export async function latestCommitStatus(
  target: GithubTarget,
  sha: string,
  context: string,
): Promise<CommitStatus | undefined> {
  return (await listCommitStatuses(target, sha)).find((s) => s.context === context);
}

/**
 * Sets status `context` on `sha`, unless its newest status already says the same (state, description and
 * link): then nothing is written and `created` is false.
 */
export async function setCommitStatus(
  target: GithubTarget,
  sha: string,
  status: { state: CommitState; context: string; description: string; targetUrl: string },
): Promise<{ created: boolean }> {
  const description = statusDescription(status.description);
  const latest = await latestCommitStatus(target, sha, status.context);
  if (
    latest &&
    latest.state === status.state &&
    latest.description === description &&
    latest.targetUrl === status.targetUrl
  ) {
    return { created: false };
  }
  await call(`set status ${status.context}=${status.state} on ${sha.slice(0, 12)}`, () =>
    octokitFor(target).rest.repos.createCommitStatus({
      ...repoOf(target),
      sha,
      state: status.state,
      context: status.context,
      description,
      target_url: status.targetUrl,
    }),
  );
  return { created: true };
}

interface RawDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  task: string;
  payload: unknown;
  description?: string | null;
  creator?: { login: string } | null;
}

function toDeployment(raw: RawDeployment): Deployment {
  let payload: unknown = raw.payload;
  // GitHub returns the payload as given: an object, or a string when it was created with a string.
  if (typeof payload === 'string') {
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
    payload: payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {},
    creator: raw.creator?.login,
    description: raw.description ?? '',
  };
}

/** The Deployments of commit `sha` to `environment`, newest first. */
export async function listDeployments(
  target: GithubTarget,
  filter: { sha: string; environment: string },
): Promise<Deployment[]> {
  const octokit = octokitFor(target);
  const raw = await call(
    `list deployments of ${filter.sha.slice(0, 12)} to ${filter.environment}`,
    () =>
      octokit.paginate(octokit.rest.repos.listDeployments, {
        ...repoOf(target),
        sha: filter.sha,
        environment: filter.environment,
        per_page: 100,
      }),
    { idempotent: true },
  );
  return (raw as RawDeployment[]).map(toDeployment).sort((a, b) => b.id - a.id);
}

/** Creates a Deployment of commit `sha` (no auto-merge, no required contexts: the commit is already on main). */
export async function createDeployment(
  target: GithubTarget,
  d: {
    sha: string;
    environment: string;
    description: string;
    payload: Record<string, unknown>;
    productionEnvironment: boolean;
  },
): Promise<Deployment> {
  const { data } = await call(
    `create deployment of ${d.sha.slice(0, 12)} to ${d.environment}`,
    () =>
      octokitFor(target).rest.repos.createDeployment({
        ...repoOf(target),
        ref: d.sha,
        environment: d.environment,
        description: statusDescription(d.description),
        payload: d.payload,
        task: 'deploy',
        auto_merge: false,
        required_contexts: [],
        production_environment: d.productionEnvironment,
        transient_environment: false,
      }),
  );
  // 202 is GitHub's answer for an auto-merge, which auto_merge: false rules out.
  return toDeployment(data as RawDeployment);
}

/** The statuses of Deployment `id`, newest first. */
export async function listDeploymentStatuses(
  target: GithubTarget,
  id: number,
): Promise<DeploymentStatus[]> {
  const octokit = octokitFor(target);
  const raw = await call(
    `list statuses of deployment ${id}`,
    () =>
      octokit.paginate(octokit.rest.repos.listDeploymentStatuses, {
        ...repoOf(target),
        deployment_id: id,
        per_page: 100,
      }),
    { idempotent: true },
  );
  return raw.map((s) => ({
    state: s.state as DeploymentState,
    description: s.description ?? '',
    environmentUrl: s.environment_url ?? '',
    logUrl: s.log_url ?? s.target_url ?? '',
  }));
}

/**
 * Adds a status to Deployment `id`, unless it already has one saying the same (a retried step then neither
 * repeats a status nor moves a finished Deployment back to in_progress); `created` tells which.
 * `autoInactive` (GitHub's default) marks the environment's earlier successful Deployments inactive.
 */
export async function setDeploymentStatus(
  target: GithubTarget,
  id: number,
  status: {
    state: DeploymentState;
    description: string;
    environmentUrl: string;
    logUrl: string;
    autoInactive?: boolean;
  },
): Promise<{ created: boolean }> {
  const description = statusDescription(status.description);
  const existing = await listDeploymentStatuses(target, id);
  const same = existing.some(
    (s) =>
      s.state === status.state &&
      s.description === description &&
      s.environmentUrl === status.environmentUrl &&
      s.logUrl === status.logUrl,
  );
  if (same) return { created: false };
  await call(`set deployment ${id} ${status.state}`, () =>
    octokitFor(target).rest.repos.createDeploymentStatus({
      ...repoOf(target),
      deployment_id: id,
      state: status.state,
      description,
      environment_url: status.environmentUrl,
      log_url: status.logUrl,
      auto_inactive: status.autoInactive ?? true,
    }),
  );
  return { created: true };
}
