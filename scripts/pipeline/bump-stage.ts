/** Bump: pins the image in the overlay in a clone of the GitOps remote (bumpOverlay), with the rendered diff. */
import { join } from 'node:path';
import { bumpOverlay } from '../../gitops/flows/bump.js';
import type { BumpResult } from '../../gitops/flows/bump.js';
import { Git, logEntries } from '../../gitops/adapters/git.js';
import { parseImageRef } from '../../gitops/rules/image-ref.js';
import { checkCommitSha } from '../../gitops/rules/names.js';
import type { ImageOverride } from '../../gitops/rules/kustomization.js';
import { renderOverlay } from '../../gitops/adapters/kustomize.js';
import { TRAILER, parseTrailers } from '../../gitops/rules/trailers.js';
import { openWorkspace } from '../../gitops/flows/workspace.js';
import { overlayDiff } from './overlay-diff.js';
import { validateOverlay } from './stages.js';
import type { StageContext } from './stages.js';

/** The bump and what it changed in the rendered manifests. */
export interface BumpOutcome {
  bump: BumpResult;
  /** The bump commit deploying this SHA (the new one, or the earlier one when unchanged). */
  bumpCommit?: string;
  diff: string;
}

/** True when two registry hosts name the same loopback registry (localhost:5000 and 127.0.0.1:5000). */
export function sameLoopbackRegistry(a: string, b: string): boolean {
  const norm = (h: string): string =>
    h.replace(/^localhost(?=:|$)/, '127.0.0.1').replace(/^\[::1\](?=:|$)/, '127.0.0.1');
  return norm(a) === norm(b);
}

/**
 * The newName to pin: the repository pushed to, except when the overlay already names the same loopback
 * registry by another host name (minikube's node pulls localhost:5000, the pipeline pushes 127.0.0.1:5000).
 */
export function pinnedName(current: ImageOverride | undefined, pushedRepository: string): string {
  const pushed = parseImageRef(pushedRepository, 'image');
  if (current?.newName) {
    const cur = parseImageRef(current.newName, 'newName');
    if (
      cur.repository === pushed.repository &&
      cur.registry &&
      pushed.registry &&
      sameLoopbackRegistry(cur.registry, pushed.registry)
    ) {
      return current.newName;
    }
  }
  return pushedRepository;
}

/** Bump: pins repository:sha@digest in the overlay, in a clone of the GitOps remote, pushed back with retries. */
export async function bumpStage(
  ctx: StageContext,
  input: { sha: string; repository: string; digest: string },
): Promise<BumpOutcome> {
  const { config } = ctx;
  checkCommitSha(input.sha, 'sha');
  const clone = await openWorkspace({ repo: config.remote, branch: config.branch, sync: false });
  try {
    const current = await validateOverlay(clone.dir, config.overlay, config.imageName);
    const before = await renderOverlay(join(clone.dir, config.overlay));
    const bump = await bumpOverlay({
      repo: clone.dir,
      branch: config.branch,
      overlay: config.overlay,
      image: {
        name: config.imageName,
        newName: pinnedName(current, input.repository),
        newTag: input.sha,
        digest: input.digest,
      },
      sourceCommit: input.sha,
      push: true,
      force: config.force,
      log: ctx.log,
    });
    const after =
      bump.status === 'committed' ? await renderOverlay(join(clone.dir, config.overlay)) : before;
    const diff = await overlayDiff(before, after, config.overlay);
    const bumpCommit =
      bump.status === 'committed'
        ? bump.commit
        : bump.status === 'unchanged'
          ? await findBumpCommit(clone.dir, input.sha, config.overlay)
          : undefined;
    const outcome: BumpOutcome = { bump, diff };
    if (bumpCommit) outcome.bumpCommit = bumpCommit;
    return outcome;
  } finally {
    await clone.cleanup();
  }
}

/** The newest bump commit of the overlay for `sha` on the checked-out branch (found by its trailers). */
export async function findBumpCommit(
  dir: string,
  sha: string,
  overlay: string,
): Promise<string | undefined> {
  const hits = await logEntries(new Git(dir), [
    '-F',
    `--grep=${TRAILER.sourceCommit}: ${sha}`,
    'HEAD',
    '--',
    overlay,
  ]);
  for (const c of hits) {
    const t = parseTrailers(c.message);
    if (t[TRAILER.action] === 'bump' && t[TRAILER.sourceCommit] === sha) return c.sha;
  }
  return undefined;
}
