/**
 * Records a deploy on GitHub, once: a Deployment of the deployed revision to its environment, with statuses
 * (in_progress while verify runs, then success, failure, inactive when rolled back or superseded, or error),
 * each carrying the environment's URL and the run's log; the verification status on the revision (what a
 * promotion reads back) and the deploy status on the source commit. A job that names `environment:` already
 * has a Deployment GitHub Actions created for it: `adopt` adds the statuses to that one instead of creating a
 * second. Every write looks first, so a retried step neither duplicates a status nor a Deployment.
 */
import { InputError } from '../errors.js';
import { Git } from '../adapters/git.js';
import {
  createDeployment,
  latestCommitStatus,
  listDeployments,
  setCommitStatus,
  setDeploymentStatus,
} from '../adapters/github-deployments.js';
import type { Deployment } from '../adapters/github-deployments.js';
import { deployContext, verdictRecords, verifyContext } from '../rules/deploy-record.js';
import type { Verdict } from '../rules/deploy-record.js';
import { TRAILER, shortDigest, shortTag } from '../rules/trailers.js';
import type { Trailers } from '../rules/trailers.js';
import { validateDeployRecord } from './record-deploy-options.js';
import type { DeployRecordOptions } from './record-deploy-options.js';
import { deployedChange } from './revert.js';

export { validateDeployRecord } from './record-deploy-options.js';
export type { DeployRecordOptions } from './record-deploy-options.js';

/** What recording did. */
export interface DeployRecord {
  deploymentId: number;
  /** created: this run made the Deployment; adopted: GitHub Actions' own; reused: an earlier run's. */
  deployment: 'created' | 'adopted' | 'reused';
  /** Statuses written (Deployment and commit), not counting the ones already there. */
  written: number;
  sourceCommit?: string;
}

const PAYLOAD_KEY = 'gitops';

function ours(d: Deployment): boolean {
  return typeof d.payload[PAYLOAD_KEY] === 'object' && d.payload[PAYLOAD_KEY] !== null;
}

// The Deployment of this deploy: GitHub Actions' own for an environment job (adopt), else ours from an
// earlier attempt, else a new one.
async function deploymentFor(
  opts: DeployRecordOptions,
  id?: number,
): Promise<{ deployment: Deployment; how: DeployRecord['deployment'] }> {
  const log = opts.log ?? (() => undefined);
  const existing = await listDeployments(opts.github, {
    sha: opts.revision,
    environment: opts.environment,
  });
  if (id !== undefined) {
    const byId = existing.find((d) => d.id === id);
    if (!byId) {
      throw new InputError(
        'deployment-id',
        `${id} is no Deployment of ${opts.revision.slice(0, 12)} to ${opts.environment}`,
      );
    }
    return { deployment: byId, how: 'reused' };
  }
  if (opts.adopt) {
    const actions = existing.find((d) => !ours(d));
    if (actions) return { deployment: actions, how: 'adopted' };
    log(
      `no Deployment of ${opts.revision.slice(0, 12)} to ${opts.environment} by GitHub Actions (a job naming environment: ${opts.environment} gets one); creating it`,
    );
  } else {
    const earlier = existing.find(ours);
    if (earlier) return { deployment: earlier, how: 'reused' };
  }
  const t = opts.change ?? {};
  const payload = {
    [PAYLOAD_KEY]: {
      revision: opts.revision,
      ...(t[TRAILER.sourceCommit] ? { source_commit: t[TRAILER.sourceCommit] } : {}),
      ...(t[TRAILER.digest] ? { digest: t[TRAILER.digest] } : {}),
      ...(t[TRAILER.image] ? { image: t[TRAILER.image] } : {}),
    },
  };
  const digest = t[TRAILER.digest];
  const what = digest ? ` ${shortDigest(digest)}` : '';
  const deployment = await createDeployment(opts.github, {
    sha: opts.revision,
    environment: opts.environment,
    description: `${t[TRAILER.imageName] ?? 'release'}${what} at ${shortTag(opts.revision)}`,
    payload,
    productionEnvironment: false,
  });
  return { deployment, how: 'created' };
}

/** Marks the deploy started: its Deployment in_progress, the revision's verification pending (if unjudged). */
export async function startDeploy(opts: DeployRecordOptions): Promise<DeployRecord> {
  validateDeployRecord(opts);
  const { deployment, how } = await deploymentFor(opts);
  const description = `verifying ${shortTag(opts.revision)} on ${opts.environment}`;
  const status = { environmentUrl: opts.environmentUrl, logUrl: opts.logUrl, description };
  let written = 0;
  const inProgress = await setDeploymentStatus(opts.github, deployment.id, {
    state: 'in_progress',
    ...status,
  });
  if (inProgress.created) written += 1;
  // A verdict already there (a re-run of the job) stands until this run's: promotion keeps reading it.
  const context = verifyContext(opts.environment);
  if (!(await latestCommitStatus(opts.github, opts.revision, context))) {
    await setCommitStatus(opts.github, opts.revision, {
      state: 'pending',
      context,
      description,
      targetUrl: opts.logUrl,
    });
    written += 1;
  }
  opts.log?.(
    `deployment ${deployment.id} (${how}) of ${opts.revision.slice(0, 12)} to ${opts.environment}: in_progress`,
  );
  return {
    deploymentId: deployment.id,
    deployment: how,
    written,
    sourceCommit: opts.change?.[TRAILER.sourceCommit],
  };
}

/**
 * Records verify's verdict: the Deployment's final statuses, the verification status on the revision and the
 * deploy status on the source commit (a failure there when the release was rolled back).
 */
export async function finishDeploy(
  opts: DeployRecordOptions & { verdict: Verdict; deploymentId?: number },
): Promise<DeployRecord> {
  validateDeployRecord(opts);
  const { deployment, how } = await deploymentFor(opts, opts.deploymentId);
  const records = verdictRecords(opts.verdict);
  const urls = { environmentUrl: opts.environmentUrl, logUrl: opts.logUrl };
  let written = 0;
  for (const s of records.deployment) {
    const r = await setDeploymentStatus(opts.github, deployment.id, { ...s, ...urls });
    if (r.created) written += 1;
  }
  if (records.revision) {
    const r = await setCommitStatus(opts.github, opts.revision, {
      ...records.revision,
      context: verifyContext(opts.environment),
      targetUrl: opts.logUrl,
    });
    if (r.created) written += 1;
  }
  const sourceCommit = opts.change?.[TRAILER.sourceCommit];
  if (records.source && sourceCommit) {
    const r = await setCommitStatus(opts.github, sourceCommit, {
      ...records.source,
      context: deployContext(opts.environment),
      targetUrl: opts.logUrl,
    });
    if (r.created) written += 1;
  }
  opts.log?.(
    `deployment ${deployment.id} of ${opts.revision.slice(0, 12)} to ${opts.environment}: ${records.deployment.map((s) => s.state).join(' -> ')} (${written} status(es) written)`,
  );
  return { deploymentId: deployment.id, deployment: how, written, sourceCommit };
}

/**
 * The trailers of the deployment at `revision` in the working copy `repo` (fetched from origin when the
 * revision is not there yet); undefined, with the reason logged, for a commit that is no gitops deployment
 * (a hand edit of an overlay has no source commit to report on).
 */
export async function readDeployedChange(
  repo: string,
  revision: string,
  log: (line: string) => void = () => undefined,
): Promise<Trailers | undefined> {
  const git = new Git(repo);
  if (!(await git.resolve(revision))) await git.tryRun(['fetch', '--quiet', 'origin']);
  if (!(await git.resolve(revision))) {
    log(`${revision.slice(0, 12)} is not in ${repo}: no source commit to record`);
    return undefined;
  }
  const change = await deployedChange(git, revision);
  if (!change.action) {
    log(`${revision.slice(0, 12)} ${change.notDeployment}: no source commit to record`);
    return undefined;
  }
  return change.trailers;
}
