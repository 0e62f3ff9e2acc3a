// git with a fixed identity, for the e2e flows' developer clone and the bare GitOps remote.
import { execFileSync } from 'node:child_process';

/** Runs git in `cwd`; returns trimmed stdout (throws with git's stderr on failure). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=e2e developer', '-c', 'user.email=dev@example.invalid', ...args],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}
