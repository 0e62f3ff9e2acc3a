/**
 * `npm run pipeline`: lint -> test -> build (tag = HEAD's SHA) -> push -> bump the overlay -> deploy check,
 * for the current commit, with the same library code the actions run. See docs/local-pipeline.md.
 * Exit codes: 0 deployed/unchanged, 1 a stage failed, 2 bad input or a missing tool, 3 rolled back.
 */
import { describeError } from '../../gitops/errors.js';
import { findToplevel } from '../../gitops/adapters/git.js';
import { HelpRequested, USAGE, resolveConfig } from './defaults.js';
import { isSetupError, runPipeline } from './pipeline.js';
import { redactorFromEnv } from '../../gitops/rules/redact.js';
import { formatResult } from './report.js';
import type { PipelineResult } from './report.js';

/** The process exit code for a result. */
export function exitCodeOf(r: PipelineResult): number {
  if (
    r.result === 'deployed' ||
    r.result === 'unchanged' ||
    r.result === 'stale' ||
    r.result === 'checked-dirty'
  )
    return 0;
  if (r.result === 'rolled-back') return 3;
  return r.errorCode === 'INVALID_INPUT' ||
    r.errorCode === 'MISSING_TOOL' ||
    r.errorCode === 'PREFLIGHT'
    ? 2
    : 1;
}

/** Parses argv, runs the pipeline, prints progress and the result; returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const redactor = redactorFromEnv(env);
  const json = argv.includes('--json');
  // With --json stdout carries only the result; progress goes to stderr.
  const progress = (line: string): void => {
    (json ? process.stderr : process.stdout).write(`${redactor.apply(line)}\n`);
  };
  let config;
  try {
    const root = (await findToplevel(process.cwd())) ?? process.cwd();
    config = resolveConfig(argv, env, root);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    process.stderr.write(`pipeline: ${redactor.apply(describeError(err))}\n`);
    return isSetupError(err) ? 2 : 1;
  }
  const result = await runPipeline(config, { progress, env, redactor });
  const code = exitCodeOf(result);
  if (config.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result.error) process.stderr.write(`pipeline: ${result.error}\n`);
  } else if (code === 2) {
    // Bad input or a missing tool: nothing ran, so no timeline; just the one line saying what to do.
    process.stderr.write(`pipeline: ${result.error ?? 'failed'}\n`);
  } else {
    process.stdout.write(`${formatResult(result)}\n`);
  }
  return code;
}

process.exitCode = await main(process.argv.slice(2));
