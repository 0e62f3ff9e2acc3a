// The `record-deploy` action: a deploy's Deployment and statuses on GitHub (start before verify, finish after
// it), and after a rollback the pull request or issue that takes the rolled-back source off the branch.
import { ActionInputs } from '../../../gitops/action/inputs.js';
import {
  coreRuntime,
  markdownTable,
  maskSecrets,
  runAction,
} from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { InputError } from '../../../gitops/errors.js';
import { validateDeployRecord } from '../../../gitops/flows/record-deploy-options.js';
import type { DeployRecordOptions } from '../../../gitops/flows/record-deploy-options.js';
import type { DeployRecord } from '../../../gitops/flows/record-deploy.js';
import type { RevertSourceResult } from '../../../gitops/flows/revert-source.js';
import { parseOutcome, runUrl } from '../../../gitops/rules/deploy-record.js';
import type { Verdict } from '../../../gitops/rules/deploy-record.js';

/** The validated inputs. */
export interface RecordInputs {
  phase: 'start' | 'finish';
  record: Omit<DeployRecordOptions, 'change' | 'log'>;
  repo: string;
  branch: string;
  finish?: { verdict: Verdict; deploymentId?: number; revertSource: boolean };
}

/** Reads and validates the inputs; InputError naming the first bad one, before any call. */
export function readInputs(rt: ActionRuntime): RecordInputs {
  const token = rt.input('token').trim() || rt.env.GITHUB_TOKEN?.trim() || '';
  maskSecrets(rt, token);
  const inputs = new ActionInputs(rt.input, rt.env);
  if (!rt.input('phase').trim())
    throw new InputError('phase', 'is required: expected start or finish');
  const phase = inputs.oneOf('phase', ['start', 'finish'] as const, 'start');
  const environment = inputs.required('environment', {}, 'an environment name');
  const revision = inputs.sha('revision');
  const environmentUrl = inputs.url('environment-url');
  const defaultLog = runUrl(rt.env);
  const logUrl = inputs.url('log-url', defaultLog ? { default: defaultLog } : {});
  const adopt = inputs.boolean('adopt', false);
  if (!token) throw new InputError('token', 'is required (and GITHUB_TOKEN is not set)');
  const { owner, repo: name } = inputs.repository('repository', { env: 'GITHUB_REPOSITORY' });
  const apiUrl = inputs.url('api-url', {
    env: 'GITHUB_API_URL',
    default: 'https://api.github.com',
  });
  const record = {
    github: { token, owner, repo: name, apiUrl },
    environment,
    revision,
    environmentUrl,
    logUrl,
    adopt,
  };
  validateDeployRecord(record);
  const repo = inputs.workingCopy('holding the revision');
  const branch = inputs.branch();
  if (phase === 'start') return { phase, record, repo, branch };
  const id = inputs.optional('deployment-id');
  if (id !== undefined && !/^[1-9]\d*$/.test(id))
    throw new InputError('deployment-id', `expected a Deployment id (a number), got '${id}'`);
  const revertCommit = inputs.optional('revert-commit');
  if (revertCommit !== undefined) inputs.sha('revert-commit');
  return {
    phase,
    record,
    repo,
    branch,
    finish: {
      verdict: {
        outcome: parseOutcome(rt.input('result')),
        environment,
        revision,
        reason: inputs.optional('reason'),
        revertCommit,
      },
      deploymentId: id === undefined ? undefined : Number(id),
      revertSource: inputs.boolean('revert-source', true),
    },
  };
}

/** The job summary of one record. */
export function recordSummary(
  i: RecordInputs,
  rec: DeployRecord,
  reverted?: RevertSourceResult,
): string {
  const rows: [string, string][] = [
    ['Environment', i.record.environment],
    ['Revision', `\`${i.record.revision}\``],
    ['Deployment', `${rec.deploymentId} (${rec.deployment})`],
    ['State', i.finish ? i.finish.verdict.outcome : 'in_progress'],
    ['Source commit', rec.sourceCommit ? `\`${rec.sourceCommit}\`` : '—'],
    ['Statuses written', String(rec.written)],
  ];
  if (reverted)
    rows.push([
      'Source revert',
      `${reverted.status}: ${reverted.detail}${reverted.url ? ` (${reverted.url})` : ''}`,
    ]);
  return `## Deploy record (${i.phase})\n\n${markdownTable(['', ''], rows)}\n`;
}

/** The action body over a runtime. */
export async function recordDeployAction(rt: ActionRuntime): Promise<void> {
  const i = readInputs(rt);
  // The flows (and Octokit with them) load only now: a bad input fails in the time node takes to start.
  const { finishDeploy, readDeployedChange, revertSource, startDeploy } =
    await import('./github.chunk.js');
  const log = (line: string): void => rt.info(line);
  const change = await readDeployedChange(i.repo, i.record.revision, log);
  const opts = { ...i.record, change, log };
  const rec = i.finish
    ? await finishDeploy({
        ...opts,
        verdict: i.finish.verdict,
        deploymentId: i.finish.deploymentId,
      })
    : await startDeploy(opts);
  rt.setOutput('deployment-id', String(rec.deploymentId));
  rt.setOutput('source-commit', rec.sourceCommit ?? '');
  let reverted: RevertSourceResult | undefined;
  if (i.finish?.revertSource && i.finish.verdict.outcome === 'rolled-back') {
    reverted = await revertSource({
      repo: i.repo,
      branch: i.branch,
      environment: i.record.environment,
      revision: i.record.revision,
      reason: i.finish.verdict.reason ?? 'the rollout failed',
      revertCommit: i.finish.verdict.revertCommit,
      logUrl: i.record.logUrl,
      github: i.record.github,
      push: true,
      log,
    });
    rt.info(`record-deploy: source revert ${reverted.status}: ${reverted.detail}`);
  }
  rt.setOutput('revert-source', reverted?.status ?? '');
  rt.setOutput('revert-url', reverted?.url ?? '');
  await rt.writeSummary(recordSummary(i, rec, reverted));
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => recordDeployAction(r), rt);
}
