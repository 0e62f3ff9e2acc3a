/**
 * Promotes a verified release of one environment to another through a pull request. The release is a digest
 * the source overlay pinned at a revision whose deploy verify judged healthy (flows/verified-release.ts); the
 * promotion commit pins that digest (and tag) in the target overlay, under the target's own registry path,
 * and copies the base the source rendered at that revision into the target (flows/pin-base.ts), so the
 * target changes only through promotions.
 *
 * One branch and pull request per digest (`promote/<env>/sha256-<12 hex>`): an approval covers exactly the
 * digest that merges, because a branch under review is never rewritten, and a newer verified digest gets a
 * pull request of its own (closing the older ones) instead of moving the one being reviewed, so a busy branch
 * never starves promotion.
 */
import { join } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { pushCommit, remoteBranchTip } from '../adapters/git.js';
import {
  MAX_PR_BODY,
  closePullRequest,
  createPullRequest,
  deleteBranch,
  findOpenPullRequest,
  listPullRequests,
  updatePullRequest,
} from '../adapters/github.js';
import type { GithubTarget, PullRequest } from '../adapters/github.js';
import { renderOverlay } from '../adapters/kustomize.js';
import { environmentOf, openOverlay, overlayPath } from '../adapters/repo-files.js';
import { isPromotionBranch, promotionBranch, verifyContext } from '../rules/deploy-record.js';
import { formatImageRef } from '../rules/image-ref.js';
import { listImages, readImage, setImage } from '../rules/kustomization.js';
import type { ImageOverride } from '../rules/kustomization.js';
import { truncateLines, unifiedDiff } from '../rules/manifest-diff.js';
import { TRAILER, formatTrailers, shortDigest, shortTag } from '../rules/trailers.js';
import { pinBase } from './pin-base.js';
import { findRelease } from './verified-release.js';
import type { Release } from './verified-release.js';
import { validatePromoteOptions } from './promote-options.js';
import type { PromoteOptions } from './promote-options.js';
import { withWorkspace } from './workspace.js';

export { validatePromoteOptions } from './promote-options.js';
export type { PromoteOptions } from './promote-options.js';

export interface PromoteResult {
  changed: boolean;
  branch: string;
  commit?: string;
  pushed: boolean;
  diff: string;
  sourceCommit?: string;
  digest: string;
  /** The image entry written into the target overlay. */
  image: ImageOverride;
  /** The verified release promoted: the source revision and how its verification was checked. */
  release: Pick<Release, 'revision' | 'verified'>;
  /** The base copied into the target (source directory at the release's revision), and whether it changed. */
  base?: { source: string; revision: string; changed: boolean };
  pullRequest?: { number: number; url: string; created: boolean };
  /** True when the branch was already under review with another commit, which was left as it is. */
  underReview?: boolean;
  /** Older promotion pull requests this one closed. */
  superseded?: number[];
}

/** Promotes the verified release: commit on its branch, push, open its pull request, close older ones. */
export async function promote(opts: PromoteOptions): Promise<PromoteResult> {
  validatePromoteOptions(opts);
  const log = opts.log ?? (() => undefined);
  const from = overlayPath('.', opts.from, 'from');
  const to = overlayPath('.', opts.to, 'to');
  const base = opts.branch ?? 'main';
  const environment = environmentOf(to, opts.environment, 'to');
  const workspace = {
    repo: opts.repo,
    branch: base,
    sync: opts.push === true,
    mode: 'scratch',
    log,
  } as const;
  return withWorkspace(workspace, async (ws) => {
    const git = ws.git;
    const baseCommit = await git.run(['rev-parse', 'HEAD']);
    const fromOverlay = openOverlay(ws.dir, from, 'from');
    const target = openOverlay(ws.dir, to, 'to');
    const toFile = target.file;
    const toText = await target.read();
    const name = pickSourceImage(await fromOverlay.read(), fromOverlay.file, opts.image);

    const release = await findRelease({
      git,
      overlay: from,
      file: fromOverlay.file,
      imageName: name,
      environment: environmentOf(from, undefined, 'from'),
      digest: opts.digest,
      github: opts.github,
      log,
    });
    const { digest } = release;
    const branch = promotionBranch(environment, digest);
    const current = readImage(toText, name, toFile);
    // The digest is the identity; the registry path stays the target's own (e.g. Artifact Registry for gke).
    const wanted: ImageOverride = { name, digest };
    const newName = current?.newName ?? release.image.newName;
    if (newName) wanted.newName = newName;
    if (release.image.newTag) wanted.newTag = release.image.newTag;
    const ref = formatImageRef({ repository: newName ?? name, tag: wanted.newTag, digest });
    const summary = {
      branch,
      sourceCommit: release.sourceCommit,
      digest,
      image: wanted,
      release: { revision: release.revision, verified: release.verified },
    };

    const before = await renderOverlay(join(ws.dir, to));
    const pinned = await pinBase({
      git,
      from,
      fromFile: fromOverlay.file,
      to,
      toFile,
      targetText: toText,
      revision: release.revision,
    });
    const edit = setImage(pinned.kustomization, wanted, toFile);
    const baseInfo = { source: pinned.source, revision: pinned.revision, changed: pinned.changed };
    if (edit.text === toText && !pinned.changed) {
      log(`${to} already pins ${shortDigest(digest)} and its base; nothing to promote`);
      return { ...summary, changed: false, pushed: false, diff: '', base: baseInfo };
    }
    await target.write(edit.text);
    await git.run(['add', '--', toFile]);
    const after = await renderOverlay(join(ws.dir, to));
    const diff = unifiedDiff(
      before,
      after,
      `a/${to} (kustomize build)`,
      `b/${to} (kustomize build)`,
    );
    const facts: PromotionFacts = {
      environment,
      image: name,
      tag: wanted.newTag,
      digest,
      ref,
      sourceCommit: release.sourceCommit,
      from,
      to,
      baseCommit,
      base,
      revision: release.revision,
      verified: release.verified,
      basePath: pinned.source,
      diff,
    };
    let commit = await git.commit(promotionMessage(facts));
    const result: PromoteResult = {
      ...summary,
      changed: true,
      commit,
      pushed: false,
      diff,
      base: baseInfo,
    };

    // Whether the branch is under review decides if it may move, also when this run opens no PR.
    const open =
      opts.github && (opts.push || opts.openPr)
        ? await findOpenPullRequest(opts.github, branch)
        : undefined;
    if (opts.push) {
      const remote = await remoteBranchTip(git, branch);
      if (remote && (await samePromotion(git, branch, remote, commit, baseCommit))) {
        log(`${branch} already holds this promotion (${remote.slice(0, 12)}); not pushing`);
        commit = remote;
      } else if (remote && (open || !opts.github)) {
        // Under review (or nobody can tell): the reviewed commit stays what merges.
        log(
          `${branch} is ${open ? `under review in #${open.number}` : 'on the remote'} at ${remote.slice(0, 12)}; not rewriting it`,
        );
        commit = remote;
        result.underReview = true;
      } else {
        // A new branch, or the left-over branch of a closed pull request: nobody reviews it.
        await pushCommit(git, branch, commit, { lease: remote ?? '' });
        result.pushed = true;
        log(`pushed ${commit.slice(0, 12)} to ${branch}`);
      }
      result.commit = commit;
    } else if (ws.kind !== 'clone') {
      await keepLocalBranch(git, branch, commit, log);
    }

    if (opts.openPr && opts.github) {
      const title = promotionMessage(facts).split('\n')[0] as string;
      const body = pullRequestBody(facts);
      let pr: PullRequest & { created: boolean };
      if (!open) {
        pr = {
          ...(await createPullRequest(opts.github, { title, body, head: branch, base })),
          created: true,
        };
      } else if (!result.underReview) {
        pr = {
          ...(await updatePullRequest(opts.github, open.number, { title, body })),
          created: false,
        };
      } else {
        pr = { ...open, created: false };
      }
      const how = pr.created ? 'opened' : result.underReview ? 'kept' : 'updated';
      log(`${how} pull request #${pr.number} ${pr.url}`);
      result.pullRequest = { number: pr.number, url: pr.url, created: pr.created };
      result.superseded = await closeOlderPromotions(opts.github, {
        environment,
        base,
        keep: pr.number,
        digest,
        log,
      });
    }
    return result;
  });
}

/**
 * Closes the open promotion pull requests to `environment` older than `keep` (a lower number), saying which
 * one supersedes them, and deletes their branches. A newer one is never closed: a re-run of an old promotion
 * must not undo a later one.
 */
async function closeOlderPromotions(
  github: GithubTarget,
  o: {
    environment: string;
    base: string;
    keep: number;
    digest: string;
    log: (line: string) => void;
  },
): Promise<number[]> {
  const open = await listPullRequests(github, { base: o.base, state: 'open' });
  const older = open.filter((p) => p.number < o.keep && isPromotionBranch(o.environment, p.head));
  const newer = open.filter((p) => p.number > o.keep && isPromotionBranch(o.environment, p.head));
  if (newer.length > 0) {
    o.log(
      `newer promotion pull request(s) to ${o.environment} are open (${newer.map((p) => `#${p.number}`).join(', ')}); left as they are`,
    );
  }
  for (const p of older) {
    await closePullRequest(
      github,
      p.number,
      `Superseded by #${o.keep}, which promotes \`${o.digest}\` to ${o.environment}. ` +
        'Each promotion pull request covers exactly one verified digest, so this one is closed rather than updated.',
    );
    await deleteBranch(github, p.head);
    o.log(`closed #${p.number} (${p.head}): superseded by #${o.keep}`);
  }
  return older.map((p) => p.number);
}

function pickSourceImage(text: string, file: string, name: string | undefined): string {
  if (name) {
    if (!readImage(text, name, file))
      throw new InputError('image', `'${name}' is not in the images of ${file}`);
    return name;
  }
  const all = listImages(text, file);
  if (all.length !== 1) {
    throw new InputError(
      'image',
      `${file} lists ${all.length} images (${all.map((i) => i.name).join(', ') || 'none'}); pass --image`,
    );
  }
  return (all[0] as ImageOverride).name;
}

/** Everything a promotion's commit message and pull request say. */
export interface PromotionFacts {
  environment: string;
  image?: string;
  tag?: string;
  digest: string;
  ref: string;
  sourceCommit?: string;
  from: string;
  to: string;
  /** The tip of `base` the promotion commit sits on. */
  baseCommit: string;
  /** The branch the pull request targets. */
  base: string;
  /** The verified revision of `from` promoted (its base copied into `to`). */
  revision: string;
  verified: Release['verified'];
  /** The base directory copied into the target. */
  basePath: string;
  diff: string;
}

function promotionMessage(i: PromotionFacts): string {
  const subject = `promote(${i.environment}): ${i.image ?? 'image'}${i.tag ? ` ${shortTag(i.tag)}` : ''} (${shortDigest(i.digest)})`;
  const body = [
    `Pin ${i.image ?? 'the image'} to ${i.ref} in ${i.to}, with ${i.basePath}/ as of ${i.revision.slice(0, 12)}`,
    `copied to ${i.to}/base: the release verified in ${i.from} at ${i.revision.slice(0, 12)}.`,
    `Reverting this commit (or its merge) rolls ${i.environment} back.`,
  ].join('\n');
  return `${subject}\n\n${body}\n\n${promotionTrailers(i)}\n`;
}

/** The trailers that identify a promotion (`Gitops-Action: promote` last), as `Key: value` lines. */
export function promotionTrailers(i: {
  environment: string;
  image?: string;
  digest: string;
  ref: string;
  sourceCommit?: string;
  to: string;
  revision?: string;
  basePath?: string;
}): string {
  const trailers: Record<string, string> = {};
  if (i.sourceCommit) trailers[TRAILER.sourceCommit] = i.sourceCommit;
  trailers[TRAILER.digest] = i.digest;
  trailers[TRAILER.image] = i.ref;
  if (i.image) trailers[TRAILER.imageName] = i.image;
  trailers[TRAILER.environment] = i.environment;
  trailers[TRAILER.overlay] = i.to;
  if (i.revision) trailers[TRAILER.verifiedRevision] = i.revision;
  if (i.basePath) trailers[TRAILER.basePath] = i.basePath;
  trailers[TRAILER.action] = 'promote';
  return formatTrailers(trailers);
}

/** The PR description: what is promoted, its verification, and the rendered diff, under GitHub's body limit. */
export function pullRequestBody(i: PromotionFacts): string {
  const verification =
    i.verified === 'status'
      ? `healthy on \`${i.from}\` at \`${i.revision}\` (commit status \`${verifyContext(environmentOf(i.from, undefined, 'from'))}\`)`
      : `not checked (promoted without the GitHub API) — \`${i.from}\` at \`${i.revision}\``;
  const head = [
    `Promotes the release verified in \`${i.from}\` to **${i.environment}** (\`${i.to}\`).`,
    '',
    '| | |',
    '|---|---|',
    `| Image | \`${i.ref}\` |`,
    `| Digest | \`${i.digest}\` |`,
    `| Source commit | ${i.sourceCommit ? `\`${i.sourceCommit}\`` : 'unknown (no Source-Commit trailer on the source bump)'} |`,
    `| Verified | ${verification} |`,
    `| Base | \`${i.basePath}/\` at \`${i.revision.slice(0, 12)}\`, copied to \`${i.to}/base/\` |`,
    `| On top of | \`${i.base}\` at \`${i.baseCommit}\` |`,
    '',
    'Merging deploys it; reverting the merge rolls it back. This branch is never rewritten: a newer verified ' +
      'digest opens its own pull request and closes this one.',
    '',
    `### Rendered manifests (\`kustomize build ${i.to}\`)`,
    '',
  ].join('\n');
  // A fence longer than any backtick run inside the diff, so manifest content cannot close it.
  const longest = Math.max(0, ...(i.diff.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const open = `${fence}diff\n`;
  const close = `${fence}\n`;
  // A squash merge with "Pull request title and description" as its message keeps only this body, so the
  // promotion's trailers end it: they let `gitops revert` recognise the squash commit as a promotion.
  const trailers = [
    '',
    'The trailers below mark the merged commit as a gitops promotion (gitops revert reads them); keep them last.',
    '',
    promotionTrailers(i),
    '',
  ].join('\n');
  const room = MAX_PR_BODY - head.length - open.length - close.length - trailers.length - 200;
  const { text, truncated } = truncateLines(
    i.diff || '(no change in the rendered manifests)\n',
    room,
  );
  const tail = truncated
    ? `\nThe diff was cut to fit GitHub's ${MAX_PR_BODY}-character limit; run \`gitops promote\` locally for all of it.\n`
    : '';
  return `${head}${open}${text.endsWith('\n') ? text : `${text}\n`}${close}${tail}${trailers}`;
}

// Same parent and same tree: the remote branch already is this promotion, so a re-run pushes nothing.
async function samePromotion(
  git: Git,
  branch: string,
  remote: string,
  commit: string,
  baseCommit: string,
): Promise<boolean> {
  await git.run(['fetch', '--quiet', 'origin', `refs/heads/${branch}`]);
  const [remoteTree, remoteParent, tree] = await Promise.all([
    git.tryRun(['rev-parse', '--verify', '--quiet', `${remote}^{tree}`]),
    git.tryRun(['rev-parse', '--verify', '--quiet', `${remote}^`]),
    git.run(['rev-parse', `${commit}^{tree}`]),
  ]);
  return (
    remoteTree.code === 0 &&
    remoteTree.stdout.trim() === tree &&
    remoteParent.stdout.trim() === baseCommit
  );
}

async function keepLocalBranch(
  git: Git,
  branch: string,
  commit: string,
  log: (line: string) => void,
): Promise<void> {
  const checkedOut = await git.run(['worktree', 'list', '--porcelain']);
  if (checkedOut.split('\n').includes(`branch refs/heads/${branch}`)) {
    throw new GitopsError(
      `${branch} is checked out in a worktree; not moving it`,
      'BRANCH_CHECKED_OUT',
      `switch away from ${branch} or use --push`,
    );
  }
  await git.run(['update-ref', `refs/heads/${branch}`, commit]);
  log(`${branch} now points at ${commit.slice(0, 12)} (not pushed)`);
}
