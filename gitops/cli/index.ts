import { parseArgs } from 'node:util';
import { describeError } from '../errors.js';
import type { CliCommand, CliIO } from './command.js';
import { bumpCommand } from './bump.js';
import { renderCommand } from './render.js';
import { promoteCommand } from './promote.js';
import { buildCommand } from './build.js';
import { verifyCommand } from './verify.js';
import { revertCommand } from './revert.js';

const commands: CliCommand[] = [
  bumpCommand,
  renderCommand,
  promoteCommand,
  buildCommand,
  verifyCommand,
  revertCommand,
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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`gitops: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
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
    return 1;
  }
}
