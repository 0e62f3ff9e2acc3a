// Runs actionlint over .github/workflows and turns its JSON report into findings, plus the
// workflow policy and access rules. actionlint comes from scripts/install-actionlint.sh (built from
// its Go module into .cache/bin); without it the check is skipped with a reason, never passed silently.
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GitopsError } from '../errors.js';
import { runProcess } from '../adapters/process.js';
import { readRepoFile } from '../adapters/repo-files.js';
import type { Finding } from './finding.js';
import { checkWorkflowAccess, workflowFacts } from './workflow-access.js';
import { checkWorkflowPolicy } from './workflow-policy.js';

/** What running actionlint gave: findings, or why it did not run. */
export interface ActionlintResult {
  findings: Finding[];
  binary?: string;
  skipped?: string;
}

interface ActionlintError {
  message?: string;
  filepath?: string;
  line?: number;
  column?: number;
  kind?: string;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/** Finds actionlint: $ACTIONLINT, <root>/.cache/bin/actionlint, then PATH. */
export async function findActionlint(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const candidates = [env.ACTIONLINT, join(root, '.cache', 'bin', 'actionlint')];
  for (const dir of (env.PATH ?? '').split(delimiter))
    if (dir) candidates.push(join(dir, 'actionlint'));
  for (const c of candidates) if (c && (await isExecutable(c))) return c;
  return undefined;
}

/** The workflow files of a repository, repository-relative ('.github/workflows/x.yml'). */
export async function listWorkflowFiles(root: string): Promise<string[]> {
  try {
    const names = await readdir(join(root, '.github', 'workflows'));
    return names
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => `.github/workflows/${n}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Parses `actionlint -format '{{json .}}'` output into findings. */
export function parseActionlintJson(text: string): Finding[] {
  let data: unknown;
  try {
    data = JSON.parse(text.trim() || '[]');
  } catch (err) {
    throw new GitopsError(
      `actionlint printed something that is not JSON: ${text.slice(0, 300)}`,
      'LINT_TOOL_FAILED',
      undefined,
      {
        cause: err,
      },
    );
  }
  if (data === null) return [];
  if (!Array.isArray(data))
    throw new GitopsError('actionlint JSON output is not an array', 'LINT_TOOL_FAILED');
  return (data as ActionlintError[]).map((e) => ({
    file: (e.filepath ?? '').replace(/^\.\//, ''),
    line: typeof e.line === 'number' && e.line > 0 ? e.line : 1,
    ...(typeof e.column === 'number' && e.column > 0 ? { column: e.column } : {}),
    rule: `actionlint/${e.kind ?? 'unknown'}`,
    severity: 'error' as const,
    message: e.message ?? 'actionlint reported a problem',
  }));
}

async function exec(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return await runProcess(cmd, args, { cwd });
  } catch (err) {
    throw new GitopsError(`could not run ${cmd}: ${(err as Error).message}`, 'LINT_TOOL_FAILED');
  }
}

/** Runs actionlint on the repository's workflows (with .github/actionlint.yaml when present). */
export async function runActionlint(
  root: string,
  opts: { binary?: string } = {},
): Promise<ActionlintResult> {
  const files = await listWorkflowFiles(root);
  if (files.length === 0) return { findings: [] };
  const binary = opts.binary ?? (await findActionlint(root));
  if (!binary) {
    return {
      findings: [],
      skipped:
        'actionlint not found (run `bash scripts/install-actionlint.sh`, which builds it with Go into .cache/bin)',
    };
  }
  const args = ['-format', '{{json .}}', '-no-color'];
  for (const cfg of ['.github/actionlint.yaml', '.github/actionlint.yml']) {
    if (await isExecutableOrReadable(join(root, cfg))) {
      args.push('-config-file', cfg);
      break;
    }
  }
  const res = await exec(binary, [...args, ...files], root);
  // 0: clean, 1: problems found; anything else is actionlint failing to run.
  if (res.code !== 0 && res.code !== 1) {
    throw new GitopsError(
      `actionlint exited ${res.code}: ${(res.stderr || res.stdout).trim().slice(0, 2000)}`,
      'LINT_TOOL_FAILED',
    );
  }
  return { findings: parseActionlintJson(res.stdout), binary };
}

async function isExecutableOrReadable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The workflow policy and access rules over every workflow file. */
export async function checkWorkflows(root: string): Promise<Finding[]> {
  const files = await listWorkflowFiles(root);
  const texts = new Map<string, string>();
  for (const file of files) texts.set(file, await readRepoFile(root, file));
  // A job calling a local reusable workflow is judged by what the called file does.
  const facts = new Map([...texts].map(([file, text]) => [file, workflowFacts(text)] as const));
  const out: Finding[] = [];
  for (const [file, text] of texts)
    out.push(...checkWorkflowPolicy(file, text), ...checkWorkflowAccess(file, text, facts));
  return out;
}
