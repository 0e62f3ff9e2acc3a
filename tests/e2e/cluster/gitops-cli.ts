// Runs the project's own `gitops` CLI (gitops/cli, what `npx gitops` and the actions run) in this
// process with captured output, so the e2e flows exercise exactly the code paths a user runs.
import { main } from '../../../gitops/cli/index.js';
import type { CliIO } from '../../../gitops/cli/command.js';
import { REPO_ROOT } from './harness.js';

/** What one `gitops ...` run printed, and its exit code. */
export interface GitopsRun {
  argv: string[];
  code: number;
  stdout: string[];
  stderr: string[];
}

/** A `gitops` run ended with an exit code the caller did not expect; carries what it printed. */
export class GitopsCliError extends Error {
  constructor(readonly run: GitopsRun) {
    super(
      `gitops ${run.argv.join(' ')} exited with ${run.code}\n` +
        `stdout:\n${run.stdout.join('\n')}\nstderr:\n${run.stderr.join('\n')}`,
    );
    this.name = 'GitopsCliError';
  }
}

/** Runs `gitops <argv>` in-process; `env` extends process.env (e.g. GITHUB_TOKEN for promote). */
export async function gitops(
  argv: string[],
  opts: { env?: Record<string, string>; expectCodes?: number[] } = {},
): Promise<GitopsRun> {
  const run: GitopsRun = { argv, code: -1, stdout: [], stderr: [] };
  const io: CliIO = {
    out: (line) => void run.stdout.push(line),
    err: (line) => void run.stderr.push(line),
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
  };
  run.code = await main(argv, io);
  if (!(opts.expectCodes ?? [0]).includes(run.code)) throw new GitopsCliError(run);
  return run;
}

/** Runs a `gitops ... --json` command and parses the one JSON object it prints on stdout. */
export async function gitopsJson<T>(
  argv: string[],
  opts: { env?: Record<string, string>; expectCodes?: number[] } = {},
): Promise<{ run: GitopsRun; json: T }> {
  const run = await gitops([...argv, '--json'], opts);
  const text = run.stdout.join('\n').trim();
  try {
    return { run, json: JSON.parse(text) as T };
  } catch (err) {
    throw new GitopsCliError({
      ...run,
      stderr: [...run.stderr, `unparsable JSON: ${String(err)}`],
    });
  }
}
