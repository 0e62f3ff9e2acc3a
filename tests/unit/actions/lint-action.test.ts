import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintAction, toolCommand } from '../../../actions/lint/src/main.js';
import type { LintDeps, ToolRun } from '../../../actions/lint/src/main.js';
import type { LintReport } from '../../../gitops/lint/index.js';
import { recordingRuntime } from './recording-runtime.js';

const ws = '/ws';
const eslintJson = JSON.stringify([
  {
    filePath: '/ws/src/a.ts',
    messages: [
      { ruleId: 'no-console', severity: 1, message: 'Unexpected console', line: 4, column: 3 },
    ],
  },
]);

function deps(tools: Record<string, ToolRun>, report: LintReport): LintDeps & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    runTool: async (command, args) => {
      const tool = command.endsWith('eslint') || args.includes('eslint') ? 'eslint' : 'tsc';
      ran.push(tool);
      return tools[tool]!;
    },
    lintRepository: async (root) => {
      ran.push(`manifests:${root}`);
      return report;
    },
  };
}

test('every finding becomes an annotation at its file and line; errors fail the step', async () => {
  const d = deps(
    {
      eslint: { code: 0, stdout: eslintJson, stderr: '' },
      tsc: {
        code: 2,
        stdout: "src/b.ts(7,9): error TS2345: Argument of type 'string' is not assignable.\n",
        stderr: '',
      },
    },
    {
      findings: [
        {
          file: 'deploy/deployment.yaml',
          line: 83,
          column: 11,
          rule: 'probes/readiness',
          severity: 'error',
          message: 'no readinessProbe',
        },
      ],
      skipped: ['actionlint: not installed'],
      rendered: ['overlays/minikube'],
    },
  );
  const { rt, rec } = recordingRuntime({}, { GITHUB_WORKSPACE: ws });
  await lintAction(rt, d);
  expect(d.ran).toEqual(['eslint', 'tsc', `manifests:${ws}`]);
  expect(rec.annotations).toEqual([
    {
      level: 'warning',
      message: 'Unexpected console',
      title: 'eslint: no-console',
      file: 'src/a.ts',
      line: 4,
      column: 3,
    },
    {
      level: 'error',
      message: "Argument of type 'string' is not assignable.",
      title: 'typecheck: TS2345',
      file: 'src/b.ts',
      line: 7,
      column: 9,
    },
    {
      level: 'error',
      message: 'no readinessProbe',
      title: 'manifests: probes/readiness',
      file: 'deploy/deployment.yaml',
      line: 83,
      column: 11,
    },
  ]);
  expect(rec.outputs).toEqual({ errors: '2', warnings: '1' });
  expect(rec.failed).toBe('lint found 2 error(s) and 1 warning(s)');
  expect(rec.summary).toContain('| manifests | 1 | 0 |');
  expect(rec.summary).toContain('- actionlint: not installed');
});

test('warnings alone pass unless fail-on-warnings; disabled checks do not run', async () => {
  const d = deps(
    { eslint: { code: 0, stdout: eslintJson, stderr: '' } },
    { findings: [], skipped: [], rendered: [] },
  );
  const pass = recordingRuntime(
    { typecheck: 'false', manifests: 'false' },
    { GITHUB_WORKSPACE: ws },
  );
  await lintAction(pass.rt, d);
  expect(d.ran).toEqual(['eslint']);
  expect(pass.rec.failed).toBeUndefined();
  const strict = recordingRuntime(
    { typecheck: 'false', manifests: 'false', 'fail-on-warnings': 'true' },
    { GITHUB_WORKSPACE: ws },
  );
  await lintAction(strict.rt, d);
  expect(strict.rec.failed).toBe('lint found 1 warning(s) and fail-on-warnings is true');
});

test('a tool that could not run fails loudly instead of reporting zero findings', async () => {
  const crashed = deps(
    { eslint: { code: 2, stdout: '', stderr: "ESLint couldn't find an eslint.config.* file." } },
    { findings: [], skipped: [], rendered: [] },
  );
  const { rt } = recordingRuntime(
    { typecheck: 'false', manifests: 'false' },
    { GITHUB_WORKSPACE: ws },
  );
  await expect(lintAction(rt, crashed)).rejects.toThrow(
    /eslint failed with exit code 2: ESLint couldn't find/,
  );
  const tsc = deps(
    { tsc: { code: 1, stdout: '', stderr: 'npx canceled due to missing packages' } },
    { findings: [], skipped: [], rendered: [] },
  );
  const t = recordingRuntime({ eslint: 'false', manifests: 'false' }, { GITHUB_WORKSPACE: ws });
  await expect(lintAction(t.rt, tsc)).rejects.toThrow(/tsc failed with exit code 1: npx canceled/);
});

test('tools resolve to the nearest node_modules/.bin, else npx --no --', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tool-command-'));
  try {
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(dir, 'pkg', 'src'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', '.bin', 'eslint'), '');
    expect(toolCommand('eslint', ['.'], join(dir, 'pkg', 'src'))).toEqual({
      command: join(dir, 'node_modules', '.bin', 'eslint'),
      args: ['.'],
    });
    expect(toolCommand('no-such-tool-xyz', ['--x'], join(dir, 'pkg'))).toEqual({
      command: 'npx',
      args: ['--no', '--', 'no-such-tool-xyz', '--x'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
