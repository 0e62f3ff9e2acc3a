import type { ParseArgsConfig } from 'node:util';

/** Where a command writes: injected so tests can capture output without spawning a process. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** One `gitops <name>` sub-command: its flags, its help text, and what it does with the parsed flags. */
export interface CliCommand {
  name: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; returns the process exit code. Throws GitopsError for failures the user can act on. */
  run(
    values: Record<string, string | boolean | string[] | boolean[] | undefined>,
    io: CliIO,
  ): Promise<number>;
}

/** parseArgs options from space-separated flag names: string, boolean and repeatable string flags. */
export function flagOptions(spec: {
  string?: string;
  boolean?: string;
  repeatable?: string;
}): CliCommand['options'] {
  const names = (list = ''): string[] => list.split(/\s+/).filter(Boolean);
  return Object.fromEntries([
    ...names(spec.string).map((name) => [name, { type: 'string' as const }]),
    ...names(spec.boolean).map((name) => [name, { type: 'boolean' as const }]),
    ...names(spec.repeatable).map((name) => [name, { type: 'string' as const, multiple: true }]),
  ]);
}
