/**
 * The embedded GitOps remote: a bare clone of the source repository in a cache folder. Each run pushes
 * the current commit into it (never touching the user's own branches or remotes) so the bump lands
 * on top of the code it deploys, exactly as CI bumps the overlay on top of a push to main.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitopsError } from '../../gitops/errors.js';
import { Git, pushCommit } from '../../gitops/adapters/git.js';
import { withWorkspace } from '../../gitops/flows/workspace.js';

/** How the embedded remote's branch was brought up to the source commit. */
export type RemoteSync = 'created' | 'fast-forward' | 'merged' | 'up-to-date';

/** The embedded remote could not take the source commit (its bumps conflict with the source's edits). */
export class RemoteDivergedError extends GitopsError {
  constructor(remote: string, detail: string) {
    super(
      `the local GitOps remote ${remote} cannot take the current commit: ${detail}`,
      'REMOTE_DIVERGED',
      `delete ${remote} to start it afresh from the current commit`,
    );
  }
}

/** Where the embedded remote lives and what to put in it. */
export interface LocalRemoteOptions {
  repoRoot: string;
  sha: string;
  remote: string;
  branch: string;
  log?: (line: string) => void;
}

// The ref the source commit is pushed to: outside refs/heads so nobody mistakes it for a branch to deploy.
const SOURCE_REF = 'refs/pipeline/source';

/** Creates the bare remote on first use and brings `branch` up to `sha` (fast-forward, or a merge over earlier bumps). */
export async function syncLocalRemote(opts: LocalRemoteOptions): Promise<RemoteSync> {
  const log = opts.log ?? (() => undefined);
  const bare = new Git(opts.remote);
  let created = false;
  if (!existsSync(join(opts.remote, 'HEAD'))) {
    mkdirSync(dirname(opts.remote), { recursive: true });
    await new Git(dirname(opts.remote)).run([
      'init',
      '--bare',
      '--quiet',
      `--initial-branch=${opts.branch}`,
      opts.remote,
    ]);
    created = true;
    log(`created the local GitOps remote ${opts.remote}`);
  }
  // Push from the source repository: a push to a path creates no remote-tracking refs or config there.
  await new Git(opts.repoRoot).run([
    'push',
    '--quiet',
    '--force',
    '--no-verify',
    opts.remote,
    `${opts.sha}:${SOURCE_REF}`,
  ]);
  const branchRef = `refs/heads/${opts.branch}`;
  const tip = await bare.resolve(branchRef);
  if (!tip) {
    await bare.run(['update-ref', branchRef, opts.sha, '']);
    await bare.run(['symbolic-ref', 'HEAD', branchRef]);
    return 'created';
  }
  if (created) return 'created';
  if (tip === opts.sha || (await bare.isAncestor(opts.sha, tip))) return 'up-to-date';
  if (await bare.isAncestor(tip, opts.sha)) {
    // Compare-and-swap on the old tip: a concurrent run that moved the branch makes this fail, not vanish.
    await bare.run(['update-ref', branchRef, opts.sha, tip]);
    return 'fast-forward';
  }
  await mergeSource(opts, log);
  return 'merged';
}

/** Merges the source commit into the branch (which carries earlier bump commits) in a temporary clone. */
async function mergeSource(opts: LocalRemoteOptions, log: (line: string) => void): Promise<void> {
  await withWorkspace({ repo: opts.remote, branch: opts.branch, sync: false }, async (ws) => {
    const git = ws.git;
    await git.run(['fetch', '--quiet', 'origin', SOURCE_REF]);
    const identity = await git.commitIdentity();
    const merge = await git.tryRun([
      ...identity,
      'merge',
      '--no-edit',
      '--no-verify',
      '-m',
      `pipeline: merge source ${opts.sha.slice(0, 12)} into ${opts.branch}`,
      'FETCH_HEAD',
    ]);
    if (merge.code !== 0) {
      const conflicts = (await git.tryRun(['diff', '--name-only', '--diff-filter=U'])).stdout
        .trim()
        .split('\n')
        .filter(Boolean);
      throw new RemoteDivergedError(
        opts.remote,
        conflicts.length
          ? `merge conflict in ${conflicts.join(', ')}`
          : (merge.stderr.trim().split('\n').pop() ?? 'merge failed'),
      );
    }
    await pushCommit(git, opts.branch, await git.run(['rev-parse', 'HEAD']));
    log(
      `merged ${opts.sha.slice(0, 12)} into ${opts.branch} of the local GitOps remote (it carries earlier bumps)`,
    );
  });
}
