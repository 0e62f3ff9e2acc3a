/**
 * What every stage shares (context, typed failure, overlay validation) and the check stages: lint (the lint
 * action's lintRepository + ESLint + tsc) and test (jest). Build, bump and deploy live in *-stage.ts.
 */
import { join } from 'node:path';
import { openOverlay } from '../../gitops/adapters/repo-files.js';
import { GitopsError, InputError } from '../../gitops/errors.js';
import type { ImageOverride } from '../../gitops/rules/kustomization.js';
import { readImage } from '../../gitops/rules/kustomization.js';
import type { PipelineConfig } from './defaults.js';
import { lastLines, runProcess } from '../../gitops/adapters/process.js';
import type { Redactor } from '../../gitops/rules/redact.js';

/** What every stage gets: settings, the environment for child processes, a masked log. */
export interface StageContext {
  config: PipelineConfig;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  redactor: Redactor;
}

/** A stage's check failed (lint findings, failing tests, an unhealthy release); the message says what. */
export class StageFailedError extends GitopsError {
  constructor(
    readonly stage: string,
    message: string,
    hint?: string,
  ) {
    super(message, 'STAGE_FAILED', hint);
  }
}

/**
 * Validates the overlay in a checkout before any side effect: it exists, its kustomization parses and
 * has an `images:` entry for the image. InputError naming the overlay or the file otherwise.
 */
export async function validateOverlay(
  root: string,
  overlay: string,
  imageName: string,
): Promise<ImageOverride> {
  const target = openOverlay(root, overlay);
  const file = target.file;
  const entry = readImage(await target.read(), imageName, file);
  if (!entry)
    throw new InputError(
      file,
      `has no images: entry named '${imageName}'`,
      `add one, e.g. '- name: ${imageName}'`,
    );
  return entry;
}

/** Lint: the lint action's lintRepository, ESLint and the type check, concurrently; all must pass. */
export async function lintStage(ctx: StageContext): Promise<string> {
  const { repoRoot, cacheDir } = ctx.config;
  const bin = (name: string): string => join(repoRoot, 'node_modules', '.bin', name);
  const opts = { cwd: repoRoot, env: ctx.env, mask: ctx.redactor.mask, timeoutMs: 300_000 };
  // Loaded here, not at start: the schemas behind it are large and --skip-lint runs never need them.
  const { lintRepository } = await import('../../gitops/lint/index.js');
  // Caches in .cache/ keep a warm run to the files that changed; the verdict is the same as a cold run.
  const [findings, eslint, tsc] = await Promise.all([
    lintRepository(repoRoot),
    runProcess(
      bin('eslint'),
      ['--cache', '--cache-location', join(cacheDir, 'eslint/'), '.'],
      opts,
    ),
    runProcess(
      bin('tsc'),
      ['--noEmit', '--incremental', '--tsBuildInfoFile', join(cacheDir, 'tsc.tsbuildinfo')],
      opts,
    ),
  ]);
  const problems: string[] = [];
  const errors = findings.filter((f) => f.severity === 'error');
  for (const f of errors.slice(0, 20))
    problems.push(`  ${f.file}:${f.line}${f.column ? `:${f.column}` : ''} ${f.rule}: ${f.message}`);
  if (errors.length > 20)
    problems.push(`  ... and ${errors.length - 20} more manifest/workflow findings`);
  if (eslint.code !== 0)
    problems.push(
      `  eslint exited with ${eslint.code}:\n${lastLines(eslint.stdout + eslint.stderr, 15)}`,
    );
  if (tsc.code !== 0)
    problems.push(
      `  tsc --noEmit exited with ${tsc.code}:\n${lastLines(tsc.stdout + tsc.stderr, 15)}`,
    );
  if (problems.length > 0)
    throw new StageFailedError('lint', `lint failed:\n${problems.join('\n')}`);
  const warnings = findings.length - errors.length;
  return `manifests/workflows, eslint, tsc clean${warnings ? ` (${warnings} warning(s))` : ''}`;
}

/** Test: the unit tests (`npm run test:unit`), or the whole suite (`npm test`) with --full-tests. */
export async function testStage(ctx: StageContext): Promise<string> {
  const script = ctx.config.fullTests ? 'test' : 'test:unit';
  const res = await runProcess('npm', ['run', '--silent', script], {
    cwd: ctx.config.repoRoot,
    env: { ...ctx.env, CI: 'true', FORCE_COLOR: '0' },
    mask: ctx.redactor.mask,
    timeoutMs: 1_800_000,
  });
  const out = `${res.stdout}\n${res.stderr}`;
  const summary = /^Tests:\s+(.*)$/m.exec(out)?.[1]?.trim();
  if (res.code !== 0) {
    throw new StageFailedError(
      'test',
      `npm run ${script} failed (exit ${res.code}):\n${lastLines(out, 20)}`,
    );
  }
  return summary ? `npm run ${script}: ${summary}` : `npm run ${script} passed`;
}
