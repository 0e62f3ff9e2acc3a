/**
 * The `gitops` command line: finds the command, parses its flags strictly, runs it, and maps errors to
 * exit codes. Each command's module (and what it pulls in: yaml, the Kubernetes client) is loaded only
 * when that command runs, so `gitops --help` starts in about the time node itself takes.
 */
import { parseArgs } from 'node:util';
import { GitopsError, InputError, describeError } from '../errors.js';
import type { CliCommand, CliIO } from './command.js';

/** A command as the overview lists it; `load` imports its module. */
interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<CliCommand>;
}

const commands: CommandEntry[] = [
  {
    name: 'bump',
    summary: 'pin an image (tag + digest) in an overlay and commit/push it',
    load: async () => (await import('./bump.js')).bumpCommand,
  },
  {
    name: 'render',
    summary: 'render an overlay with Kustomize',
    load: async () => (await import('./render.js')).renderCommand,
  },
  {
    name: 'promote',
    summary: 'promote the digest of one overlay to another through a pull request',
    load: async () => (await import('./promote.js')).promoteCommand,
  },
  {
    name: 'build',
    summary: 'build (and push) the image tagged with the commit SHA',
    load: async () => (await import('./build.js')).buildCommand,
  },
  {
    name: 'verify',
    summary: 'wait for a GitOps revision to be live in Argo CD and roll out; roll back on failure',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    name: 'revert',
    summary: 'revert a bump or promotion (roll back), once',
    load: async () => (await import('./revert.js')).revertCommand,
  },
];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: gitops <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'gitops <command> --help' for a command's options.",
  ].join('\n');
}

function errorJson(err: unknown): Record<string, string> {
  if (!(err instanceof GitopsError)) return { code: 'INTERNAL', message: describeError(err) };
  return {
    code: err.code,
    message: err.message,
    ...(err.hint ? { hint: err.hint } : {}),
    ...(err instanceof InputError ? { input: err.input } : {}),
  };
}

const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
  env: process.env,
};

/** Runs `gitops` with the given arguments and returns the exit code: 0 success, 1 failure, 2 usage error. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`gitops: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  const command = await entry.load();
  let values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`gitops ${name}: ${describeError(err)}\n\n${command.usage}`);
    return 2;
  }
  if (values.help) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(values, io);
  } catch (err) {
    io.err(`gitops ${name}: ${describeError(err)}`);
    // With --json, stdout still holds exactly one object: the error, with its stable code.
    if (values.json === true) io.out(JSON.stringify({ error: errorJson(err) }));
    return 1;
  }
}
