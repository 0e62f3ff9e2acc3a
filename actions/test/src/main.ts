// The `test` action: runs the test command, reads its jest JSON or JUnit results and the coverage
// summary, annotates failing tests at their file and line, and fails on failures or low coverage.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ActionInputs } from '../../../gitops/action/inputs.js';
import {
  codeBlock,
  coreRuntime,
  markdownTable,
  runAction,
} from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { GitopsError } from '../../../gitops/errors.js';
import { parseCoverageSummary, parseTestResults } from './test-report.js';
import type { CoverageSummary, TestReport } from './test-report.js';

/** The validated inputs of the test action. */
export interface TestInputs {
  command: string;
  resultsFile: string;
  format: 'auto' | 'jest' | 'junit';
  coverageSummary: string;
  coverageThreshold: number;
  workingDirectory: string;
  maxAnnotations: number;
}

/** Runs a shell command with the step's stdout/stderr; resolves to its exit code. */
export type CommandRunner = (
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
) => Promise<number>;

/** The default command: jest with JSON results and a json-summary coverage report. */
export function defaultCommand(resultsFile: string): string {
  return [
    'npm test --',
    '--ci',
    '--json',
    `--outputFile=${JSON.stringify(resultsFile)}`,
    '--coverage',
    '--coverageReporters=json-summary',
    '--coverageReporters=text-summary',
  ].join(' ');
}

/** Reads and validates the inputs; throws InputError naming the first bad one. */
export function readInputs(rt: ActionRuntime): TestInputs {
  const inputs = new ActionInputs(rt.input, rt.env);
  const workspace = rt.env.GITHUB_WORKSPACE || process.cwd();
  const workingDirectory = resolve(workspace, inputs.optional('working-directory') ?? '.');
  const tempDir = rt.env.RUNNER_TEMP || tmpdir();
  const resultsFile = resolve(
    workingDirectory,
    inputs.optional('results-file') ?? join(tempDir, `test-results-${process.pid}.json`),
  );
  const format = inputs.oneOf('format', ['auto', 'jest', 'junit'] as const, 'auto');
  const coverageSummary = resolve(
    workingDirectory,
    inputs.optional('coverage-summary') ?? 'coverage/coverage-summary.json',
  );
  const coverageThreshold = inputs.number('coverage-threshold', {
    default: 0,
    min: 0,
    max: 100,
    unit: 'percent',
  });
  const maxAnnotations = inputs.int('max-annotations', { default: 50, min: 0, max: 1000 });
  const command = inputs.optional('command') ?? defaultCommand(resultsFile);
  return {
    command,
    resultsFile,
    format,
    coverageSummary,
    coverageThreshold,
    workingDirectory,
    maxAnnotations,
  };
}

/** The real runner: `sh -c command`, output passed straight through to the step log. */
export const shellRunner: CommandRunner = (command, cwd, env) =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(command, {
      cwd,
      env,
      shell: true,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });

function mtimeMs(file: string): number | undefined {
  return existsSync(file) ? statSync(file).mtimeMs : undefined;
}

function pct(value: number): string {
  return `${Number(value.toFixed(2))}%`;
}

/** The job summary: counts, coverage, and the first failures. */
export function testSummary(
  report: TestReport,
  coverage: CoverageSummary | undefined,
  threshold: number,
): string {
  const parts = ['## Tests', ''];
  parts.push(
    markdownTable(
      ['Result', 'Count'],
      [
        ['✅ Passed', report.passed],
        ['❌ Failed', report.failed],
        ['⏭️ Skipped', report.skipped],
        ['Total', report.total],
        ...(report.failedSuites
          ? [['💥 Suites failed to run', report.failedSuites] as [string, number]]
          : []),
      ],
    ),
  );
  if (coverage) {
    parts.push(
      '',
      `### Coverage${threshold > 0 ? ` (threshold ${pct(threshold)} of lines)` : ''}`,
      '',
    );
    parts.push(
      markdownTable(
        ['Metric', 'Covered', 'Total', 'Percent'],
        (['lines', 'statements', 'functions', 'branches'] as const).map((k) => [
          k,
          coverage[k].covered,
          coverage[k].total,
          pct(coverage[k].pct),
        ]),
      ),
    );
  }
  if (report.failures.length) {
    parts.push('', '### Failures', '');
    for (const f of report.failures.slice(0, 20)) {
      const where = f.file ? ` — \`${f.file}${f.line ? `:${f.line}` : ''}\`` : '';
      parts.push(
        `<details><summary>${escapeHtml(f.name)}${where}</summary>`,
        '',
        codeBlock(truncate(f.message, 4000)),
        '',
        '</details>',
      );
    }
    if (report.failures.length > 20) parts.push('', `…and ${report.failures.length - 20} more.`);
  }
  return `${parts.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}\n…` : text;
}

/** The action body over a runtime and a command runner. */
export async function testAction(
  rt: ActionRuntime,
  runner: CommandRunner = shellRunner,
): Promise<void> {
  const inputs = readInputs(rt);
  const before = mtimeMs(inputs.resultsFile);
  rt.info(`test: running ${inputs.command}`);
  const exitCode = await runner(inputs.command, inputs.workingDirectory, {
    ...rt.env,
    TEST_RESULTS_FILE: inputs.resultsFile,
  });
  const after = mtimeMs(inputs.resultsFile);
  if (after === undefined || after === before) {
    const why =
      after === undefined
        ? 'did not write'
        : 'did not rewrite (stale results from an earlier run?)';
    throw new GitopsError(
      `test command exited with code ${exitCode} and ${why} ${inputs.resultsFile}`,
      'TEST_RESULTS_MISSING',
      'make the command write jest --json --outputFile or JUnit XML to results-file',
    );
  }
  const root = rt.env.GITHUB_WORKSPACE || inputs.workingDirectory;
  const report = parseTestResults(readFileSync(inputs.resultsFile, 'utf8'), inputs.format, {
    root,
    file: inputs.resultsFile,
  });
  let coverage: CoverageSummary | undefined;
  if (existsSync(inputs.coverageSummary)) {
    coverage = parseCoverageSummary(
      readFileSync(inputs.coverageSummary, 'utf8'),
      inputs.coverageSummary,
    );
  }

  for (const failure of report.failures.slice(0, inputs.maxAnnotations)) {
    rt.error(truncate(failure.message, 2000), {
      title: `Test failed: ${failure.name}`,
      file: failure.file && !isAbsolute(failure.file) ? failure.file : undefined,
      line: failure.line,
      column: failure.column,
    });
  }
  rt.setOutput('passed', String(report.passed));
  rt.setOutput('failed', String(report.failed));
  rt.setOutput('skipped', String(report.skipped));
  rt.setOutput('total', String(report.total));
  rt.setOutput('coverage', coverage ? String(Number(coverage.lines.pct.toFixed(2))) : '');
  rt.info(
    `test: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped` +
      (coverage ? `, ${pct(coverage.lines.pct)} of lines covered` : ''),
  );
  await rt.writeSummary(testSummary(report, coverage, inputs.coverageThreshold));

  const problems: string[] = [];
  if (report.failed) problems.push(`${report.failed} test(s) failed`);
  if (report.failedSuites) problems.push(`${report.failedSuites} test suite(s) failed to run`);
  if (inputs.coverageThreshold > 0) {
    if (!coverage) {
      problems.push(
        `coverage-threshold is ${inputs.coverageThreshold}% but no coverage summary was found at ${inputs.coverageSummary}`,
      );
    } else if (coverage.lines.pct < inputs.coverageThreshold) {
      problems.push(
        `line coverage ${pct(coverage.lines.pct)} is below coverage-threshold ${pct(inputs.coverageThreshold)}`,
      );
    }
  }
  if (!problems.length && exitCode !== 0)
    problems.push(`test command exited with code ${exitCode}`);
  if (problems.length) rt.setFailed(problems.join('; '));
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => testAction(r), rt);
}
