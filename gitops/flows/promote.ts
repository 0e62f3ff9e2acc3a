/**
 * Promotes the image verified in one overlay to another: the same digest (the image's identity) and tag, under
 * the target overlay's own registry path when it has one. The change is a single commit on `promote/<env>`,
 * force-updated so a re-run replaces it, and a pull request that is opened once and updated afterwards.
 */
import { join } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import type { Git } from '../adapters/git.js';
import { pushCommit, remoteBranchTip } from '../adapters/git.js';
import { MAX_PR_BODY, upsertPullRequest } from '../adapters/github.js';
import type { GithubTarget } from '../adapters/github.js';
import { renderOverlay } from '../adapters/kustomize.js';
import { environmentOf, openOverlay, overlayPath } from '../adapters/repo-files.js';
import { formatImageRef, isDigest } from '../rules/image-ref.js';
import { listImages, readImage, setImage } from '../rules/kustomization.js';
import type { ImageOverride } from '../rules/kustomization.js';
import { truncateLines, unifiedDiff } from '../rules/manifest-diff.js';
import { checkBranch, isCommitSha } from '../rules/names.js';
import {
  TRAILER,
  formatTrailers,
  parseTrailers,
  shortDigest,
  shortTag,
} from '../rules/trailers.js';
import { checkRepo, withWorkspace } from './workspace.js';

export interface PromoteOptions {
  /** A local working clone (a throwaway worktree of it is used; pushes go to its origin) or a remote URL/path. */
  repo: string;
  /** The base branch the promotion starts from and the PR targets. Default 'main'. */
  branch?: string;
  /** Source overlay directory, relative to the repository root (e.g. overlays/minikube). */
  from: string;
  /** Target overlay directory (e.g. overlays/gke). */
  to: string;
  /** The kustomization image name; default: the only image of the source overlay. */
  image?: string;
  /** Environment name for the branch and trailers; default: the target directory's name. */
  environment?: string;
  push?: boolean;
  openPr?: boolean;
  github?: GithubTarget;
  log?: (line: string) => void;
}

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
  pullRequest?: { number: number; url: string; created: boolean };
}

/** Checks the promotion inputs that need no repository; InputError naming the first bad one. */
export function validatePromoteOptions(opts: PromoteOptions): void {
  checkRepo(opts.repo);
  const from = overlayPath('.', opts.from, 'from');
  const to = overlayPath('.', opts.to, 'to');
  if (from === to) throw new InputError('to', `must differ from 'from' (both are '${from}')`);
  checkBranch(opts.branch ?? 'main');
  environmentOf(to, opts.environment, 'to');
  if (opts.openPr && !opts.github) {
    throw new InputError(
      'open-pr',
      'needs a GitHub repository and token (GITHUB_REPOSITORY, GITHUB_TOKEN)',
    );
  }
  if (opts.openPr && !opts.push)
    throw new InputError('open-pr', 'needs push: the PR head must exist on the remote');
  if (opts.github && opts.github.token.trim() === '')
    throw new InputError('github-token', 'is empty');
}

/** Pins the source overlay's image digest in the target overlay, commits on promote/<env>, pushes and opens/updates the PR. */
export async function promote(opts: PromoteOptions): Promise<PromoteResult> {
  validatePromoteOptions(opts);
  const log = opts.log ?? (() => undefined);
  const from = overlayPath('.', opts.from, 'from');
  const to = overlayPath('.', opts.to, 'to');
  const base = opts.branch ?? 'main';
  const environment = environmentOf(to, opts.environment, 'to');
  const branch = `promote/${environment}`;
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
    const fromFile = fromOverlay.file;
    const toFile = target.file;
    const fromText = await fromOverlay.read();
    const toText = await target.read();

    const source = pickSourceImage(fromText, fromFile, opts.image);
    if (!source.digest || !isDigest(source.digest)) {
      throw new InputError(
        'from',
        `${fromFile} pins no digest for image '${source.name}'; promote copies a verified digest`,
      );
    }
    const digest = source.digest;
    const current = readImage(toText, source.name, toFile);
    // The digest is the identity; the registry path stays the target's own (e.g. Artifact Registry for gke).
    const wanted: ImageOverride = { name: source.name, digest };
    const newName = current?.newName ?? source.newName;
    if (newName) wanted.newName = newName;
    if (source.newTag) wanted.newTag = source.newTag;
    const edit = setImage(toText, wanted, toFile);
    const sourceCommit = await findSourceCommit(git, fromFile, source);
    const ref = formatImageRef({ repository: newName ?? source.name, tag: source.newTag, digest });

    if (!edit.changed) {
      log(`${toFile} already pins ${shortDigest(digest)}; nothing to promote`);
      return {
        changed: false,
        branch,
        pushed: false,
        diff: '',
        sourceCommit,
        digest,
        image: wanted,
      };
    }

    const before = await renderOverlay(join(ws.dir, to));
    await target.write(edit.text);
    const after = await renderOverlay(join(ws.dir, to));
    const diff = unifiedDiff(
      before,
      after,
      `a/${to} (kustomize build)`,
      `b/${to} (kustomize build)`,
    );

    await git.run(['add', '--', toFile]);
    const message = promotionMessage({
      environment,
      image: source.name,
      tag: source.newTag,
      digest,
      ref,
      sourceCommit,
      from,
      to,
      baseCommit,
    });
    let commit = await git.commit(message);
    let pushed = false;

    if (opts.push) {
      const remote = await remoteBranchTip(git, branch);
      if (remote && (await samePromotion(git, branch, remote, commit, baseCommit))) {
        log(`${branch} already holds this promotion (${remote.slice(0, 12)}); not pushing`);
        commit = remote;
      } else {
        // The branch belongs to the bot: replace it, but only if nobody moved it since we looked.
        await pushCommit(git, branch, commit, { lease: remote ?? '' });
        pushed = true;
        log(`pushed ${commit.slice(0, 12)} to ${branch}`);
      }
    } else if (ws.kind !== 'clone') {
      await keepLocalBranch(git, branch, commit, log);
    }

    const result: PromoteResult = {
      changed: true,
      branch,
      commit,
      pushed,
      diff,
      sourceCommit,
      digest,
      image: wanted,
    };
    if (opts.openPr && opts.github) {
      const title = message.split('\n')[0] as string;
      const body = pullRequestBody({
        environment,
        image: source.name,
        ref,
        digest,
        sourceCommit,
        from,
        to,
        baseCommit,
        base,
        diff,
      });
      const pr = await upsertPullRequest(opts.github, { title, body, head: branch, base });
      log(`${pr.created ? 'opened' : 'updated'} pull request #${pr.number} ${pr.url}`);
      result.pullRequest = { number: pr.number, url: pr.url, created: pr.created };
    }
    return result;
  });
}

function pickSourceImage(text: string, file: string, name: string | undefined): ImageOverride {
  if (name) {
    const found = readImage(text, name, file);
    if (!found) throw new InputError('image', `'${name}' is not in the images of ${file}`);
    return found;
  }
  const all = listImages(text, file);
  if (all.length !== 1) {
    throw new InputError(
      'image',
      `${file} lists ${all.length} images (${all.map((i) => i.name).join(', ') || 'none'}); pass --image`,
    );
  }
  return all[0] as ImageOverride;
}

// The app source commit the image was built from: the Source-Commit trailer of the bump that pinned it.
async function findSourceCommit(
  git: Git,
  fromFile: string,
  source: ImageOverride,
): Promise<string | undefined> {
  const out = await git.run(['log', '-n', '20', '--format=%B%x00', '--', fromFile]);
  for (const message of out.split('\0')) {
    const t = parseTrailers(message.trim());
    if (t[TRAILER.digest] === source.digest && t[TRAILER.sourceCommit])
      return t[TRAILER.sourceCommit];
  }
  return source.newTag && isCommitSha(source.newTag) ? source.newTag : undefined;
}

function promotionMessage(i: {
  environment: string;
  image: string;
  tag?: string;
  digest: string;
  ref: string;
  sourceCommit?: string;
  from: string;
  to: string;
  baseCommit: string;
}): string {
  const subject = `promote(${i.environment}): ${i.image}${i.tag ? ` ${shortTag(i.tag)}` : ''} (${shortDigest(i.digest)})`;
  const body = `Pin ${i.image} to ${i.ref} in ${i.to}: the digest running in ${i.from} at ${i.baseCommit.slice(0, 12)}.\nReverting this commit (or its merge) rolls ${i.environment} back.`;
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
}): string {
  const trailers: Record<string, string> = {};
  if (i.sourceCommit) trailers[TRAILER.sourceCommit] = i.sourceCommit;
  trailers[TRAILER.digest] = i.digest;
  trailers[TRAILER.image] = i.ref;
  if (i.image) trailers[TRAILER.imageName] = i.image;
  trailers[TRAILER.environment] = i.environment;
  trailers[TRAILER.overlay] = i.to;
  trailers[TRAILER.action] = 'promote';
  return formatTrailers(trailers);
}

/** The PR description: what is promoted, from where, and the rendered diff, kept under GitHub's body limit. */
export function pullRequestBody(i: {
  environment: string;
  image?: string;
  ref: string;
  digest: string;
  sourceCommit?: string;
  from: string;
  to: string;
  baseCommit: string;
  base: string;
  diff: string;
}): string {
  const head = [
    `Promotes the image verified in \`${i.from}\` to **${i.environment}** (\`${i.to}\`).`,
    '',
    '| | |',
    '|---|---|',
    `| Image | \`${i.ref}\` |`,
    `| Digest | \`${i.digest}\` |`,
    `| Source commit | ${i.sourceCommit ? `\`${i.sourceCommit}\`` : 'unknown (no Source-Commit trailer on the source bump)'} |`,
    `| Promoted from | \`${i.from}\` at \`${i.baseCommit}\` on \`${i.base}\` |`,
    '',
    'Merging deploys it; reverting the merge rolls it back. Re-running the promotion updates this PR.',
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
