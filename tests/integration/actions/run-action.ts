// Runs a bundled action (actions/<name>/dist/index.cjs) as a child process the way the GitHub runner
// does, on the Node 24 that `runs.using: node24` names (not the machine's Node): inputs as
// INPUT_<NAME> variables, outputs and the job summary through GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
// files, annotations as `::error file=...,line=...::` lines on stdout.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24 } from '../../helpers/node24.js';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The runner's environment name for an input: uppercased, spaces to '_', hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** A workflow command the action printed, e.g. an annotation. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

/** What one action run left behind. */
export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
}

/** Options for one run; `env` is added to a minimal runner-like environment. */
export interface RunActionOptions {
  workspace: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Path of the bundle; default actions/<name>/dist/index.cjs. */
  bundle?: string;
}

/** Parses the GITHUB_OUTPUT file: `name<<DELIM\nvalue\nDELIM` blocks (and plain `name=value` lines). */
export function parseOutputsFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter!, i + 1);
      if (end < 0)
        throw new Error(`GITHUB_OUTPUT: delimiter ${delimiter} for ${name} is never closed`);
      outputs[name!] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`GITHUB_OUTPUT: cannot parse line '${line}'`);
    outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** Parses `::command key=value,...::message` lines from stdout. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: m[1]!, properties, message: unescapeData(m[3]!) });
  }
  return commands;
}

// Workflow commands GitHub deprecated in favour of environment files (GITHUB_OUTPUT, GITHUB_STATE, ...):
// an action printing one relies on behaviour the runner warns about and may drop.
const DEPRECATED_COMMANDS = ['set-output', 'save-state', 'set-env', 'add-path'];

/** The deprecated workflow commands in a run's stdout (none is the only right answer). */
export function deprecatedCommands(stdout: string): string[] {
  return parseWorkflowCommands(stdout)
    .filter((c) => DEPRECATED_COMMANDS.includes(c.command))
    .map((c) => `::${c.command} ${JSON.stringify(c.properties)}`);
}

/**
 * Runs actions/<name>/dist/index.cjs with the given inputs and returns its exit code, outputs and
 * summary; throws when the action printed a deprecated workflow command. An `env` value of undefined
 * removes that variable (e.g. GITHUB_OUTPUT, to run outside a runner).
 */
export async function runAction(
  name: string,
  inputs: Record<string, string>,
  opts: RunActionOptions,
): Promise<ActionRun> {
  const bundle = opts.bundle ?? join(repoRoot, 'actions', name, 'dist', 'index.cjs');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run bundle first`);
  const runnerDir = mkdtempSync(join(tmpdir(), `runner-${name}-`));
  const outputFile = join(runnerDir, 'output');
  const summaryFile = join(runnerDir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerDir,
    ...opts.env,
  };
  for (const [key, value] of Object.entries(inputs)) env[inputVariable(key)] = value;
  try {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolvePromise, reject) => {
      const child = spawn(node24(), [bundle], {
        cwd: opts.workspace,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolvePromise({ code: exitCode, stdout, stderr });
      });
    });
    const deprecated = deprecatedCommands(stdout);
    if (deprecated.length) {
      throw new Error(`${name} printed deprecated workflow command(s): ${deprecated.join(', ')}`);
    }
    return {
      code,
      stdout,
      stderr,
      outputs: env.GITHUB_OUTPUT ? parseOutputsFile(readFileSync(outputFile, 'utf8')) : {},
      summary: env.GITHUB_STEP_SUMMARY ? readFileSync(summaryFile, 'utf8') : '',
      commands: parseWorkflowCommands(stdout),
    };
  } finally {
    rmSync(runnerDir, { recursive: true, force: true });
  }
}

/** The `::error::` annotations of a run. */
export function errors(run: ActionRun): WorkflowCommand[] {
  return run.commands.filter((c) => c.command === 'error');
}
