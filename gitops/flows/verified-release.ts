/**
 * Which release of an environment may be promoted: a digest its overlay pinned at a revision of the branch
 * whose verification succeeded, and that was never rolled back.
 *
 * The record read back is the commit status verify's outcome leaves on the revision it verified
 * (`gitops/verify/<env>`, rules/deploy-record.ts): a revision of protected main binds the digest (its overlay
 * pins it), the status says the deploy of exactly that revision was healthy, and GitHub answers it at once
 * and consistently. A trailer would need verify to push a commit for every healthy deploy; a Deployment
 * status turns inactive as soon as a newer release succeeds.
 */
import { GitopsError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { logEntries } from '../adapters/git.js';
import type { GithubTarget } from '../adapters/github.js';
import { latestCommitStatus } from '../adapters/github-deployments.js';
import { verifyContext } from '../rules/deploy-record.js';
import { readImage } from '../rules/kustomization.js';
import type { ImageOverride } from '../rules/kustomization.js';
import { isCommitSha } from '../rules/names.js';
import { TRAILER, parseTrailers, shortDigest } from '../rules/trailers.js';
import { findRevertOf } from './revert.js';

/** How far back the overlay's history is searched for the digest. */
export const RELEASE_HISTORY = 200;

/** The digest is not one a successful deploy of the source environment verified. */
export class NotVerifiedError extends GitopsError {
  constructor(
    readonly digest: string,
    detail: string,
  ) {
    super(
      `${digest} cannot be promoted: ${detail}`,
      'NOT_VERIFIED',
      'promote only a digest whose deploy verify judged healthy (commit status gitops/verify/<env> = success on that revision of the branch)',
    );
  }
}

/** A release of the source environment. */
export interface Release {
  digest: string;
  /** The revision of the branch whose deploy was verified (where the overlay pins the digest). */
  revision: string;
  /** The source overlay's image entry at that revision. */
  image: ImageOverride;
  sourceCommit?: string;
  /** 'status' when GitHub's verification status was read; 'unchecked' without GitHub (a local run). */
  verified: 'status' | 'unchecked';
}

interface Pinned {
  sha: string;
  message: string;
  image?: ImageOverride;
}

/**
 * Finds the release of `digest` (default: the digest the overlay pins at HEAD) in the overlay's history and
 * checks it; NotVerifiedError when it was rolled back, never verified, or its newest verification failed.
 */
export async function findRelease(opts: {
  git: Git;
  /** The source overlay directory and kustomization file (repository-relative). */
  overlay: string;
  file: string;
  imageName: string;
  environment: string;
  digest?: string;
  github?: GithubTarget;
  log?: (line: string) => void;
}): Promise<Release> {
  const { git } = opts;
  const log = opts.log ?? (() => undefined);
  const entries = await logEntries(git, [
    '-n',
    String(RELEASE_HISTORY),
    'HEAD',
    '--',
    opts.overlay,
  ]);
  const history: Pinned[] = [];
  for (const e of entries) {
    const text = await git.tryRun(['show', `${e.sha}:${opts.file}`]);
    history.push({
      sha: e.sha,
      message: e.message,
      image: text.code === 0 ? readImageOrUndefined(text.stdout, opts.imageName) : undefined,
    });
  }
  const digest = opts.digest ?? history[0]?.image?.digest;
  if (!digest) {
    throw new NotVerifiedError(
      '(none)',
      `${opts.file} pins no digest for '${opts.imageName}' on the branch`,
    );
  }
  const pins = history.filter((h) => h.image?.digest === digest);
  if (pins.length === 0) {
    throw new NotVerifiedError(
      digest,
      `no revision in the last ${RELEASE_HISTORY} changes of ${opts.overlay} pinned it`,
    );
  }
  await refuseRolledBack(git, digest, history);

  let chosen: Pinned | undefined;
  let verified: Release['verified'] = 'unchecked';
  if (!opts.github) {
    chosen = pins[0];
    log(
      `no GitHub API: not checking that ${shortDigest(digest)} was verified on ${opts.environment}`,
    );
  } else {
    const context = verifyContext(opts.environment);
    for (const p of pins) {
      const status = await latestCommitStatus(opts.github, p.sha, context);
      if (!status || status.state === 'pending') continue;
      if (status.state !== 'success') {
        throw new NotVerifiedError(
          digest,
          `its newest verification on ${opts.environment} (${context} on ${p.sha.slice(0, 12)}) is ${status.state}: ${status.description}`,
        );
      }
      chosen = p;
      verified = 'status';
      log(`${shortDigest(digest)} verified on ${opts.environment} at ${p.sha.slice(0, 12)}`);
      break;
    }
    if (!chosen) {
      throw new NotVerifiedError(
        digest,
        `no revision pinning it has a successful ${context} status (checked ${pins.map((p) => p.sha.slice(0, 12)).join(', ')})`,
      );
    }
  }
  const release = chosen as Pinned;
  return {
    digest,
    revision: release.sha,
    image: release.image as ImageOverride,
    sourceCommit: sourceCommitOf(history, digest, release.image as ImageOverride),
    verified,
  };
}

function readImageOrUndefined(text: string, name: string): ImageOverride | undefined {
  try {
    return readImage(text, name);
  } catch {
    // A revision whose kustomization did not parse pinned nothing promotable.
    return undefined;
  }
}

// A digest that was rolled back is never promoted: a gitops revert names it (Rolled-Back-Digest), and a
// revert by hand reverted a commit that brought the digest in.
async function refuseRolledBack(git: Git, digest: string, history: Pinned[]): Promise<void> {
  const named = await logEntries(git, [
    '-F',
    `--grep=${TRAILER.rolledBackDigest}: ${digest}`,
    'HEAD',
  ]);
  const gitops = named.find((c) => parseTrailers(c.message)[TRAILER.rolledBackDigest] === digest);
  if (gitops) {
    throw new NotVerifiedError(
      digest,
      `it was rolled back by ${gitops.sha.slice(0, 12)} "${gitops.subject}"`,
    );
  }
  for (const [i, h] of history.entries()) {
    const before = history[i + 1]?.image?.digest;
    if (h.image?.digest !== digest || before === digest) continue;
    const revert = await findRevertOf(git, h.sha);
    if (revert) {
      throw new NotVerifiedError(
        digest,
        `${h.sha.slice(0, 12)}, which deployed it, was reverted by ${revert.slice(0, 12)}`,
      );
    }
  }
}

// The app commit the image was built from: the Source-Commit of the bump that pinned the digest, else a
// commit SHA tag.
function sourceCommitOf(
  history: Pinned[],
  digest: string,
  image: ImageOverride,
): string | undefined {
  for (const h of history) {
    const t = parseTrailers(h.message);
    if (t[TRAILER.digest] === digest && t[TRAILER.sourceCommit]) return t[TRAILER.sourceCommit];
  }
  return image.newTag && isCommitSha(image.newTag) ? image.newTag : undefined;
}
