// The `lint` action: ESLint, the TypeScript typecheck and the repository's manifest/workflow checks
// (lintRepository), each finding annotated at its file and line; fails when any is an error.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ActionInputs } from '../../../gitops/action/inputs.js';
import { coreRuntime, markdownTable, runAction } from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { GitopsError } from '../../../gitops/errors.js';
import { runProcess } from '../../../gitops/adapters/process.js';
import type { LintOptions, LintReport } from '../../../gitops/lint/index.js';
import { parseEslintJson, parseTscOutput, repoPath } from './tool-reports.js';
import type { LintProblem } from './tool-reports.js';

/** The validated inputs of the lint action. */
export interface LintInputs {
  workingDirectory: string;
  root: string;
  eslint: boolean;
  typecheck: boolean;
  manifests: boolean;
  failOnWarnings: boolean;
  maxAnnotations: number;
}

/** What a finished tool run left: exit code and its two streams. */
export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The side-effecting parts, injectable for tests. */
export interface LintDeps {
  runTool(command: string, args: string[], cwd: string): Promise<ToolRun>;
  lintRepository(root: string, opts: LintOptions): Promise<LintReport>;
}

/** Runs a tool without a shell and collects its output whatever its exit code. */
export async function execTool(command: string, args: string[], cwd: string): Promise<ToolRun> {
  try {
    return await runProcess(command, args, { cwd, maxOutputBytes: 256 * 1024 * 1024 });
  } catch (err) {
    throw new GitopsError(
      `could not run ${command} ${args.join(' ')}: ${(err as Error).message}`,
      'LINT_TOOL_FAILED',
    );
  }
}

/**
 * The command that runs a project tool: its node_modules/.bin entry nearest to cwd, else
 * `npx --no -- tool` (`--no` so npx never installs a same-named package from the registry, and `--`
 * so npm does not take the tool's flags as its own).
 */
export function toolCommand(
  tool: string,
  args: string[],
  cwd: string,
): { command: string; args: string[] } {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', tool);
    if (existsSync(bin)) return { command: bin, args };
    if (dirname(dir) === dir) break;
  }
  return { command: 'npx', args: ['--no', '--', tool, ...args] };
}

// The manifest checks (schemas, Kustomize, YAML) are most of the bundle: load them only when they run.
const realDeps: LintDeps = {
  runTool: execTool,
  lintRepository: async (root, opts) =>
    (await import('./repository-checks.chunk.js')).lintRepositoryReport(root, opts),
};

/** Reads and validates the inputs; throws InputError naming the first bad one. */
export function readInputs(rt: ActionRuntime): LintInputs {
  const inputs = new ActionInputs(rt.input, rt.env);
  const root = resolve(rt.env.GITHUB_WORKSPACE || process.cwd());
  return {
    root,
    workingDirectory: resolve(root, inputs.optional('working-directory') ?? '.'),
    eslint: inputs.boolean('eslint', true),
    typecheck: inputs.boolean('typecheck', true),
    manifests: inputs.boolean('manifests', true),
    failOnWarnings: inputs.boolean('fail-on-warnings', false),
    maxAnnotations: inputs.int('max-annotations', { default: 200, min: 0, max: 10000 }),
  };
}

// Runs a project tool (its node_modules/.bin entry) in the working directory.
function runProjectTool(
  tool: string,
  toolArgs: string[],
  inputs: LintInputs,
  deps: LintDeps,
): Promise<ToolRun> {
  const { command, args } = toolCommand(tool, toolArgs, inputs.workingDirectory);
  return deps.runTool(command, args, inputs.workingDirectory);
}

async function runEslint(inputs: LintInputs, deps: LintDeps): Promise<LintProblem[]> {
  const res = await runProjectTool('eslint', ['--format', 'json', '.'], inputs, deps);
  // eslint exits 1 when it found errors and 2 when it could not lint at all.
  if (res.code !== 0 && res.code !== 1) {
    throw new GitopsError(
      `eslint failed with exit code ${res.code}: ${(res.stderr || res.stdout).trim().slice(0, 2000)}`,
      'LINT_TOOL_FAILED',
    );
  }
  return parseEslintJson(res.stdout, inputs.workingDirectory, inputs.root);
}

async function runTypecheck(inputs: LintInputs, deps: LintDeps): Promise<LintProblem[]> {
  const res = await runProjectTool('tsc', ['--noEmit', '--pretty', 'false'], inputs, deps);
  const problems = parseTscOutput(res.stdout, inputs.workingDirectory, inputs.root);
  if (res.code !== 0 && problems.length === 0) {
    throw new GitopsError(
      `tsc failed with exit code ${res.code}: ${(res.stderr || res.stdout).trim().slice(0, 2000)}`,
      'LINT_TOOL_FAILED',
    );
  }
  return problems;
}

async function runManifests(
  inputs: LintInputs,
  deps: LintDeps,
  skipped: string[],
  log: (line: string) => void,
): Promise<LintProblem[]> {
  const report = await deps.lintRepository(inputs.workingDirectory, { log });
  skipped.push(...report.skipped);
  return report.findings.map((f) => ({
    source: 'manifests' as const,
    file: f.file ? repoPath(f.file, inputs.workingDirectory, inputs.root) : undefined,
    line: f.line,
    column: f.column,
    rule: f.rule,
    severity: f.severity,
    message: f.message,
  }));
}

function place(p: LintProblem): string {
  if (!p.file) return '';
  return p.line ? `${p.file}:${p.line}` : p.file;
}

/** The job summary: counts per check, then the findings. */
export function lintSummary(
  problems: LintProblem[],
  ran: LintProblem['source'][],
  skipped: string[] = [],
): string {
  const count = (source: string, severity: string) =>
    problems.filter((p) => p.source === source && p.severity === severity).length;
  const parts = ['## Lint', ''];
  parts.push(
    markdownTable(
      ['Check', 'Errors', 'Warnings'],
      ran.map((s) => [s, count(s, 'error'), count(s, 'warning')]),
    ),
  );
  if (problems.length) {
    const shown = problems.slice(0, 100);
    parts.push('', '### Findings', '');
    parts.push(
      markdownTable(
        ['Severity', 'Location', 'Rule', 'Message'],
        shown.map((p) => [
          p.severity === 'error' ? '❌ error' : '⚠️ warning',
          place(p),
          `${p.source}/${p.rule}`,
          p.message,
        ]),
      ),
    );
    if (problems.length > shown.length)
      parts.push('', `…and ${problems.length - shown.length} more.`);
  } else parts.push('', 'No findings. ✅');
  if (skipped.length) {
    parts.push('', '### Not checked', '', ...skipped.map((s) => `- ${s}`));
  }
  return `${parts.join('\n')}\n`;
}

/** The action body over a runtime and injectable tool runners. */
export async function lintAction(rt: ActionRuntime, deps: LintDeps = realDeps): Promise<void> {
  const inputs = readInputs(rt);
  const ran: LintProblem['source'][] = [];
  const problems: LintProblem[] = [];
  const skipped: string[] = [];
  if (inputs.eslint) {
    rt.info('lint: eslint');
    ran.push('eslint');
    problems.push(...(await runEslint(inputs, deps)));
  }
  if (inputs.typecheck) {
    rt.info('lint: tsc --noEmit');
    ran.push('typecheck');
    problems.push(...(await runTypecheck(inputs, deps)));
  }
  if (inputs.manifests) {
    rt.info('lint: manifests and workflows');
    ran.push('manifests');
    problems.push(
      ...(await runManifests(inputs, deps, skipped, (line) => rt.info(`lint: ${line}`))),
    );
  }
  for (const p of problems.slice(0, inputs.maxAnnotations)) {
    const annotation = {
      title: `${p.source}: ${p.rule}`,
      file: p.file,
      line: p.line,
      column: p.column,
    };
    if (p.severity === 'error') rt.error(p.message, annotation);
    else rt.warning(p.message, annotation);
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  rt.setOutput('errors', String(errors));
  rt.setOutput('warnings', String(warnings));
  rt.info(`lint: ${errors} error(s), ${warnings} warning(s) from ${ran.join(', ') || 'no checks'}`);
  await rt.writeSummary(lintSummary(problems, ran, skipped));
  if (errors > 0) rt.setFailed(`lint found ${errors} error(s) and ${warnings} warning(s)`);
  else if (warnings > 0 && inputs.failOnWarnings) {
    rt.setFailed(`lint found ${warnings} warning(s) and fail-on-warnings is true`);
  }
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => lintAction(r), rt);
}
