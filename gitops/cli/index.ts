/**
 * The `gitops` command line: finds the command, parses its flags strictly, runs it, and maps errors to
 * exit codes. Each command's module (and what it pulls in: yaml, the Kubernetes client) is loaded only
 * when that command runs, so `gitops --help` starts in about the time node itself takes.
 */
import { parseArgs } from 'node:util';
import { GitopsError, InputError, describeError } from '../errors.js';
import type { CliCommand, CliIO } from './command.js';

/** What `gitops --help` lists, in its order. */
const summaries: Record<string, string> = {
  bump: 'pin an image (tag + digest) in an overlay and commit/push it',
  render: 'render an overlay with Kustomize',
  promote: 'promote the digest of one overlay to another through a pull request',
  build: 'build (and push) the image tagged with the commit SHA',
  verify: 'wait for a GitOps revision to be live in Argo CD and roll out; roll back on failure',
  revert: 'revert a bump or promotion (roll back), once',
};

/** Each command's module, imported only when that command runs. */
const loaders: Record<string, () => Promise<CliCommand>> = {
  bump: async () => (await import('./bump.js')).bumpCommand,
  render: async () => (await import('./render.js')).renderCommand,
  promote: async () => (await import('./promote.js')).promoteCommand,
  build: async () => (await import('./build.js')).buildCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  revert: async () => (await import('./revert.js')).revertCommand,
};

function overview(): string {
  const names = Object.keys(summaries);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: gitops <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${summaries[n]}`),
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
  const load = Object.hasOwn(loaders, name) ? loaders[name] : undefined;
  if (!load) {
    io.err(`gitops: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  const command = await load();
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
