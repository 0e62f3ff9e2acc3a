import type { CliIO } from './command.js';
import { InputError } from '../errors.js';

/** One command's result, printed either as exactly one JSON object (`--json`) or as human lines. */
export interface CommandOutput {
  /** The machine-readable result; printed as one JSON object with --json. */
  json: Record<string, unknown>;
  /** Lines for humans, printed one by one without --json. */
  lines: string[];
}

/** Prints `output` as one JSON object when `json` is true, else its human lines; both to io.out. */
export function printOutput(io: CliIO, json: boolean, output: CommandOutput): void {
  if (json) {
    io.out(JSON.stringify(output.json));
    return;
  }
  for (const line of output.lines) io.out(line);
}

/** A log function for library progress lines: silent under --json (stdout must hold one object), stderr otherwise. */
export function progressLogger(io: CliIO, json: boolean): (line: string) => void {
  return json ? () => undefined : (line) => io.err(line);
}

/** Reads a string flag; undefined when absent. */
export function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag; false when absent. */
export function boolFlag(values: Record<string, unknown>, name: string): boolean {
  return values[name] === true;
}

/** Reads a repeatable string flag (declared with multiple: true); [] when absent. */
export function listFlag(values: Record<string, unknown>, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** Reads a required string flag; InputError naming `--name` when absent or empty. */
export function requireFlag(values: Record<string, unknown>, name: string): string {
  const v = stringFlag(values, name);
  if (v === undefined || v.trim() === '') throw new InputError(`--${name}`, 'is required');
  return v;
}
