/**
 * How a deploy is recorded on GitHub and read back (pure): the commit-status contexts, what each verify
 * outcome writes (Deployment statuses, the verification status on the deployed revision, the status on the
 * source commit), and the branch names of promotions and source reverts.
 */
import { InputError } from '../errors.js';
import type { CommitState, DeploymentState } from '../adapters/github-deployments.js';
import { shortTag } from './trailers.js';

/**
 * The commit status verify's outcome leaves on the deployed revision (the GitOps commit Argo CD synced). A
 * success here is the record promotion reads back: that revision, with the digest its overlay pins, was
 * verified healthy in `environment`.
 */
export function verifyContext(environment: string): string {
  return `gitops/verify/${environment}`;
}

/** The commit status on the source commit: is this change live in `environment`, or was it rolled back? */
export function deployContext(environment: string): string {
  return `gitops/deploy/${environment}`;
}

/** What a verification ended in: verify's results, plus `error` when the step gave none (it crashed). */
export const OUTCOMES = [
  'healthy',
  'rolled-back',
  'failed',
  'suspended',
  'superseded',
  'error',
] as const;
export type VerifyOutcome = (typeof OUTCOMES)[number];

/** `value` (verify's `result` output) as an outcome; '' is `error` (verify ended without a result). */
export function parseOutcome(value: string, input = 'result'): VerifyOutcome {
  const v = value.trim();
  if (v === '') return 'error';
  if ((OUTCOMES as readonly string[]).includes(v)) return v as VerifyOutcome;
  throw new InputError(input, `expected one of ${OUTCOMES.join(', ')} (or empty), got '${value}'`);
}

/** The facts a finished verification is described by. */
export interface Verdict {
  outcome: VerifyOutcome;
  environment: string;
  /** The deployed revision (GitOps commit). */
  revision: string;
  reason?: string;
  /** The commit that reverted the revision (rolled-back). */
  revertCommit?: string;
}

/** What to write on GitHub for a verdict. */
export interface VerdictRecords {
  /** Deployment statuses, in order (a rolled-back deploy first failed, then was taken down). */
  deployment: { state: DeploymentState; description: string }[];
  /** The verification status on the deployed revision. */
  revision?: { state: CommitState; description: string };
  /** The status on the source commit. */
  source?: { state: CommitState; description: string };
}

/** The records of a verdict; a superseded verification leaves no commit status (it judged nothing). */
export function verdictRecords(v: Verdict): VerdictRecords {
  const reason = v.reason?.trim() || 'no reason given';
  const rev = shortTag(v.revision);
  switch (v.outcome) {
    case 'healthy':
      return {
        deployment: [{ state: 'success', description: `healthy on ${v.environment} at ${rev}` }],
        revision: { state: 'success', description: `verified healthy on ${v.environment}` },
        source: { state: 'success', description: `live on ${v.environment} (${rev})` },
      };
    case 'rolled-back': {
      const by = v.revertCommit ? ` by ${shortTag(v.revertCommit)}` : '';
      return {
        deployment: [
          { state: 'failure', description: reason },
          { state: 'inactive', description: `rolled back${by}: ${reason}` },
        ],
        revision: { state: 'failure', description: `rolled back on ${v.environment}: ${reason}` },
        source: { state: 'failure', description: `rolled back on ${v.environment}: ${reason}` },
      };
    }
    case 'failed':
      return {
        deployment: [{ state: 'failure', description: reason }],
        revision: { state: 'failure', description: `failed on ${v.environment}: ${reason}` },
        source: { state: 'failure', description: `failed on ${v.environment}: ${reason}` },
      };
    case 'suspended':
      // Paused on purpose (an emergency stop): nothing was judged, so the source gets no status, and the
      // revision's `error` keeps its digest from being promoted as verified.
      return {
        deployment: [{ state: 'error', description: `suspended (Deployment paused): ${reason}` }],
        revision: { state: 'error', description: `not verified on ${v.environment}: paused` },
      };
    case 'superseded':
      return {
        deployment: [
          { state: 'inactive', description: `superseded by a newer release: ${reason}` },
        ],
      };
    case 'error':
      return {
        deployment: [{ state: 'error', description: `verification did not finish: ${reason}` }],
        revision: { state: 'error', description: `verification did not finish: ${reason}` },
      };
  }
}

/** The hex of a digest's first 12 characters, for branch names. */
function digestKey(digest: string): string {
  return (digest.split(':')[1] ?? digest).slice(0, 12);
}

/** The branch of the promotion of `digest` to `environment`: one per digest, never rewritten under review. */
export function promotionBranch(environment: string, digest: string): string {
  return `promote/${environment}/sha256-${digestKey(digest)}`;
}

/** True for a branch holding a promotion to `environment` (also the single `promote/<env>` of old). */
export function isPromotionBranch(environment: string, branch: string): boolean {
  return branch === `promote/${environment}` || branch.startsWith(`promote/${environment}/`);
}

/** The branch of the pull request that reverts the source rolled back from `environment`. */
export function sourceRevertBranch(environment: string, sourceCommit: string): string {
  return `gitops/revert-source/${environment}/${sourceCommit.slice(0, 12)}`;
}

/** The URL of the current workflow run (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID), if in one. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  if (!server || !repo || !run) return undefined;
  const attempt =
    env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1'
      ? `/attempts/${env.GITHUB_RUN_ATTEMPT}`
      : '';
  return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${run}${attempt}`;
}
