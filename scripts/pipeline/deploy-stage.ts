/** The container deploy check, and the revert of the bump commit when it fails. */
import { revertDeployment } from '../../gitops/flows/revert.js';
import { runContainerCheck } from './container-check.js';
import type { ContainerCheckResult } from './container-check.js';
import { lastLines } from '../../gitops/adapters/process.js';
import type { StageContext } from './stages.js';

/** The deploy check's verdict, and the rollback when it failed. */
export interface DeployOutcome {
  mode: 'container' | 'cluster';
  ok: boolean;
  reason?: string;
  label?: string;
  steps?: ContainerCheckResult['steps'];
  revert?: { status: string; commit: string };
}

/**
 * Container deploy check, and on failure a revert of the bump commit (revertDeployment: idempotent, so a second
 * check of the same bad release finds the earlier revert instead of adding one).
 */
export async function containerDeployStage(
  ctx: StageContext,
  input: { image: string; sha: string; bumpCommit?: string },
): Promise<DeployOutcome> {
  const check = await runContainerCheck({
    image: input.image,
    sha: input.sha,
    env: ctx.env,
    readyTimeoutMs: ctx.config.checkTimeoutMs,
    log: ctx.log,
    redactor: ctx.redactor,
  });
  const out: DeployOutcome = { mode: 'container', ok: check.ok, steps: check.steps };
  if (check.label) out.label = check.label;
  if (check.ok) return out;
  out.reason = check.reason ?? 'the container check failed';
  if (check.logs) ctx.log(`container output:\n${lastLines(check.logs, 10)}`);
  if (input.bumpCommit) {
    const revert = await revertDeployment({
      repo: ctx.config.remote,
      branch: ctx.config.branch,
      commit: input.bumpCommit,
      reason: `pipeline container check: ${out.reason}`,
      push: true,
      log: ctx.log,
    });
    out.revert = { status: revert.status, commit: revert.commit };
  }
  return out;
}
