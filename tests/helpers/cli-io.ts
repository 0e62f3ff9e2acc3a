// Runs the gitops CLI in-process (main with a captured io) or as the shipped child process (bin/gitops.js).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { CliIO } from '../../gitops/cli/command.js';

/** A CliIO that keeps what a command prints. */
export interface CapturedIO extends CliIO {
  stdout: string[];
  stderr: string[];
}

export function captureIO(cwd: string, env: NodeJS.ProcessEnv = process.env): CapturedIO {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    cwd,
    env,
  };
}

/** Runs `node bin/gitops.js args` in `cwd`; resolves with the exit code and output whatever the code. */
export function runBin(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve('bin/gitops.js'), ...args],
      { cwd, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
