// The bundled lint action as a child process: real Kustomize rendering and policy checks on a copy of
// the repository's deploy/ and overlays/, and the real ESLint and tsc on a small project.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors, repoRoot, runAction } from './run-action.js';

const SLOW = 240_000;

let ws: string;
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'lint-action-'));
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

/** Removes the readinessProbe block of the first container; returns the container's `- name:` line (1-based). */
function removeReadinessProbe(file: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === 'readinessProbe:');
  if (start < 0) throw new Error(`${file} has no readinessProbe to remove`);
  const indent = lines[start]!.search(/\S/);
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || lines[end]!.search(/\S/) > indent))
    end += 1;
  lines.splice(start, end - start);
  writeFileSync(file, lines.join('\n'));
  const containers = lines.findIndex((l) => l.trim() === 'containers:');
  return lines.findIndex((l, i) => i > containers && /^\s*- name: /.test(l)) + 1;
}

const manifestsOnly = { eslint: 'false', typecheck: 'false' };

test(
  'a missing readiness probe is an error annotation at the container in deploy/deployment.yaml',
  async () => {
    cpSync(join(repoRoot, 'deploy'), join(ws, 'deploy'), { recursive: true });
    cpSync(join(repoRoot, 'overlays'), join(ws, 'overlays'), { recursive: true });

    const clean = await runAction('lint', manifestsOnly, { workspace: ws, timeoutMs: 200_000 });
    expect(errors(clean)).toEqual([]);
    expect(clean.code).toBe(0);
    expect(clean.outputs.errors).toBe('0');

    const line = removeReadinessProbe(join(ws, 'deploy', 'deployment.yaml'));
    const run = await runAction('lint', manifestsOnly, { workspace: ws, timeoutMs: 200_000 });
    expect(run.code).toBe(1);
    const probe = errors(run).find((e) => e.properties.file === 'deploy/deployment.yaml');
    expect(probe?.properties.line).toBe(String(line));
    expect(probe?.message).toMatch(/readinessProbe/);
    expect(run.stdout).toMatch(
      new RegExp(
        `^::error title=manifests%3A [^,]+,file=deploy/deployment\\.yaml,line=${line},`,
        'm',
      ),
    );
    expect(run.outputs.errors).toBe('1');
    expect(run.summary).toContain(`deploy/deployment.yaml:${line}`);
    expect(errors(run).at(-1)?.message).toMatch(/^lint found 1 error/);
  },
  SLOW,
);

test(
  'ESLint and tsc findings are annotated at their file and line',
  async () => {
    // A tiny project using the repository's own eslint and typescript through a node_modules link.
    symlinkSync(join(repoRoot, 'node_modules'), join(ws, 'node_modules'), 'dir');
    writeFileSync(join(ws, 'package.json'), '{"type":"module"}\n');
    writeFileSync(
      join(ws, 'eslint.config.js'),
      "export default [{ files: ['**/*.js'], rules: { 'no-unused-vars': 'error', 'prefer-const': 'warn' } }];\n",
    );
    writeFileSync(
      join(ws, 'app.js'),
      'export const a = 1;\nconst unused = 2;\nlet b = 3;\nexport { b };\n',
    );
    writeFileSync(
      join(ws, 'tsconfig.json'),
      '{"compilerOptions":{"strict":true,"noEmit":true,"types":[]},"files":["typed.ts"]}\n',
    );
    writeFileSync(join(ws, 'typed.ts'), "export const n = 1;\nexport const s: number = 'text';\n");

    const run = await runAction(
      'lint',
      { manifests: 'false' },
      { workspace: ws, timeoutMs: 200_000 },
    );
    expect(run.code).toBe(1);
    const byFile = (file: string) => errors(run).filter((e) => e.properties.file === file);
    expect(byFile('app.js')).toEqual([
      expect.objectContaining({
        properties: expect.objectContaining({
          line: '2',
          col: '7',
          title: 'eslint: no-unused-vars',
        }),
      }),
    ]);
    expect(run.commands.filter((c) => c.command === 'warning')).toEqual([
      expect.objectContaining({
        properties: expect.objectContaining({
          file: 'app.js',
          line: '3',
          title: 'eslint: prefer-const',
        }),
      }),
    ]);
    expect(byFile('typed.ts')).toEqual([
      expect.objectContaining({
        properties: expect.objectContaining({ line: '2', col: '14', title: 'typecheck: TS2322' }),
      }),
    ]);
    expect(run.outputs).toEqual({ errors: '2', warnings: '1' });
  },
  SLOW,
);

test(
  'outside a runner (no GITHUB_OUTPUT) the outputs are logged, never the deprecated ::set-output',
  async () => {
    cpSync(join(repoRoot, 'deploy'), join(ws, 'deploy'), { recursive: true });
    cpSync(join(repoRoot, 'overlays'), join(ws, 'overlays'), { recursive: true });
    // runAction itself rejects a run that printed ::set-output; the assertions say what is printed instead.
    const run = await runAction('lint', manifestsOnly, {
      workspace: ws,
      env: { GITHUB_OUTPUT: undefined },
      timeoutMs: 200_000,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('set-output');
    expect(run.stdout).toContain('output errors=0 (GITHUB_OUTPUT is not set, so no step output)');
    expect(run.summary).toContain('## Lint');
  },
  SLOW,
);

test('bad input: exit code 1 naming it, no tool run', async () => {
  const run = await runAction('lint', { typecheck: 'sometimes' }, { workspace: ws });
  expect(run.code).toBe(1);
  expect(errors(run).map((e) => e.message)).toEqual([
    "typecheck: expected true or false, got 'sometimes'",
  ]);
  expect(run.stdout).not.toContain('lint: eslint');
});
