/** Runs an external command with captured output, a timeout, and secrets masked in what it returns. */
import { spawn } from 'node:child_process';
import { GitopsError, MissingToolError } from '../../gitops/errors.js';
import type { Redactor } from './redact.js';

/** How to run one command. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Masks secrets in the captured output and in errors. */
  redactor?: Redactor;
  /** Called with each complete output line (stdout and stderr), already masked. */
  onLine?: (line: string) => void;
  /** What to install when the command is missing (MissingToolError hint). */
  installHint?: string;
}

/** Exit code and masked output of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command exited non-zero, timed out or was killed; carries the masked tail of its output. */
export class CommandError extends GitopsError {
  constructor(
    readonly command: string,
    readonly result: RunResult,
    why: string,
  ) {
    const tail = lastLines(result.stderr.trim() || result.stdout.trim(), 8);
    super(`${command} ${why}${tail ? `:\n${tail}` : ''}`, 'COMMAND_FAILED');
  }
}

/** The last `n` non-empty lines of a text, indented for display under a message. */
export function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Runs `cmd args` and resolves with its result whatever the exit code; rejects only when it cannot start. */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const mask = (s: string): string => (opts.redactor ? opts.redactor.apply(s) : s);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    let timedOut = false;
    const feed = (chunk: string): void => {
      if (!opts.onLine) return;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') opts.onLine(mask(l));
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      feed(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      feed(c);
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, opts.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (err.code === 'ENOENT')
        reject(new MissingToolError(cmd, opts.installHint ?? `install ${cmd}`));
      else reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (partial.trim() !== '' && opts.onLine) opts.onLine(mask(partial));
      const result = { code: code ?? 128, stdout: mask(stdout), stderr: mask(stderr) };
      if (timedOut) result.stderr += `\n(killed after ${opts.timeoutMs} ms)`;
      else if (signal) result.stderr += `\n(killed by ${signal})`;
      resolve(result);
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs a command and returns its trimmed stdout; CommandError when it exits non-zero. */
export async function runChecked(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<string> {
  const res = await runCommand(cmd, args, opts);
  if (res.code !== 0)
    throw new CommandError(`${cmd} ${args[0] ?? ''}`.trim(), res, `exited with ${res.code}`);
  return res.stdout.trim();
}
