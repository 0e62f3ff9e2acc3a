/**
 * The one way the library runs another program (git, docker, kustomize, actionlint, npm tools): no shell,
 * output captured (and masked) with a bound, an optional timeout, and a typed error when the program is
 * missing. Every adapter builds on this, so those rules hold for all of them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { GitopsError, MissingToolError } from '../errors.js';

/** How to run one command. */
export interface ProcessOptions {
  cwd?: string;
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is closed afterwards (closed at once when absent). */
  input?: string;
  timeoutMs?: number;
  /** Masks secrets in the captured output and in every line passed to onLine. */
  mask?: (text: string) => string;
  /** Called with each complete non-empty output line (stdout and stderr), already masked. */
  onLine?: (line: string) => void;
  /** What to install when the program is missing (the MissingToolError hint). */
  installHint?: string;
  /** Bytes of stdout (and of stderr) kept; the child is killed past it. Default 64 MiB. */
  maxOutputBytes?: number;
}

/** Exit code and masked output of a finished command. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command exited non-zero, timed out or was killed; carries the masked tail of its output. */
export class CommandError extends GitopsError {
  constructor(
    readonly command: string,
    readonly result: ProcessResult,
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

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Runs `cmd args` and resolves with its result whatever the exit code. Rejects with MissingToolError when
 * the program is not installed; a missing working directory is reported as exit 128 instead (spawn says
 * ENOENT for both).
 */
export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: ProcessOptions = {},
): Promise<ProcessResult> {
  const mask = opts.mask ?? ((s: string) => s);
  const limit = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    let partial = '';
    let why: string | undefined;
    const feed = (chunk: string): void => {
      if (!opts.onLine) return;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') opts.onLine(mask(l));
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8').on('data', (chunk: string) => {
        if (out[stream].length + chunk.length > limit) {
          why ??= `(killed: more than ${limit} bytes of ${stream})`;
          child.kill('SIGKILL');
          return;
        }
        out[stream] += chunk;
        feed(chunk);
      });
    }
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            why ??= `(killed after ${opts.timeoutMs} ms)`;
            child.kill('SIGTERM');
          }, opts.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (err.code !== 'ENOENT') reject(err);
      else if (opts.cwd !== undefined && !existsSync(opts.cwd))
        resolve({ code: 128, stdout: '', stderr: `directory ${opts.cwd} does not exist` });
      else reject(new MissingToolError(cmd, opts.installHint ?? `install ${cmd}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (partial.trim() !== '' && opts.onLine) opts.onLine(mask(partial));
      const result = { code: code ?? 128, stdout: mask(out.stdout), stderr: mask(out.stderr) };
      if (why) result.stderr += `\n${why}`;
      else if (signal) result.stderr += `\n(killed by ${signal})`;
      resolve(result);
    });
    // The child may exit before reading its input (EPIPE): its exit code reports the real failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a command and returns its trimmed stdout; CommandError when it exits non-zero. */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  opts: ProcessOptions = {},
): Promise<string> {
  const res = await runProcess(cmd, args, opts);
  if (res.code !== 0)
    throw new CommandError(`${cmd} ${args[0] ?? ''}`.trim(), res, `exited with ${res.code}`);
  return res.stdout.trim();
}
