/**
 * Promotes the image verified in one overlay to another: the same digest (the image's identity) and tag, under
 * the target overlay's own registry path when it has one. The change is a single commit on `promote/<env>`,
 * force-updated so a re-run replaces it, and a pull request that is opened once and updated afterwards.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, normalize } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import { Git, isGitUrl, maskCredentials } from '../adapters/git.js';
import { formatImageRef, isCommitSha, isDigest } from '../rules/image-ref.js';
import { listImages, readImage, setImage } from '../rules/kustomization.js';
import type { ImageOverride } from '../rules/kustomization.js';
import { renderOverlay } from '../adapters/kustomize.js';
import {
  TRAILER,
  formatTrailers,
  parseTrailers,
  shortDigest,
  shortTag,
} from '../rules/trailers.js';
import { MAX_PR_BODY, upsertPullRequest } from '../adapters/github.js';
import type { GithubTarget } from '../adapters/github.js';
import { truncateLines, unifiedDiff } from '../rules/manifest-diff.js';
import { writeFileAtomic } from './bump.js';

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

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Pins the source overlay's image digest in the target overlay, commits on promote/<env>, pushes and opens/updates the PR. */
export async function promote(opts: PromoteOptions): Promise<PromoteResult> {
  const log = opts.log ?? (() => undefined);
  const from = overlayDir(opts.from, 'from');
  const to = overlayDir(opts.to, 'to');
  if (from === to) throw new InputError('to', `must differ from --from (both are '${from}')`);
  const base = opts.branch ?? 'main';
  if (!/^[A-Za-z0-9._/-]+$/.test(base) || base.startsWith('-') || base.includes('..')) {
    throw new InputError('branch', `'${base}' is not a valid branch name`);
  }
  const environment = opts.environment ?? basename(to);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(environment)) {
    throw new InputError(
      'environment',
      `'${environment}' must be lowercase letters, digits and dashes`,
    );
  }
  if (opts.openPr && !opts.github) {
    throw new InputError(
      'open-pr',
      'needs a GitHub repository and token (GITHUB_REPOSITORY, GITHUB_TOKEN)',
    );
  }
  if (opts.openPr && !opts.push)
    throw new InputError('open-pr', 'needs --push: the PR head must exist on the remote');
  if (opts.github && opts.github.token.trim() === '')
    throw new InputError('github-token', 'is empty');
  const branch = `promote/${environment}`;

  const ws = await openPromotionWorkspace(opts.repo, base, opts.push === true, log);
  try {
    const git = ws.git;
    const baseCommit = await git.run(['rev-parse', 'HEAD']);
    const fromFile = kustomizationFile(ws.dir, from, 'from');
    const toFile = kustomizationFile(ws.dir, to, 'to');
    const fromText = await readFile(join(ws.dir, fromFile), 'utf8');
    const toText = await readFile(join(ws.dir, toFile), 'utf8');

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
    await writeFileAtomic(join(ws.dir, toFile), edit.text);
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
        await git.run([
          'push',
          '--quiet',
          `--force-with-lease=refs/heads/${branch}:${remote ?? ''}`,
          'origin',
          `HEAD:refs/heads/${branch}`,
        ]);
        pushed = true;
        log(`pushed ${commit.slice(0, 12)} to ${branch}`);
      }
    } else if (!ws.temporary) {
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
  } finally {
    await ws.cleanup();
  }
}

function overlayDir(value: string, input: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InputError(input, 'is required (an overlay directory)');
  const clean = normalize(value).split('\\').join('/').replace(/\/+$/, '');
  if (isAbsolute(clean) || clean === '.' || clean === '..' || clean.startsWith('../')) {
    throw new InputError(input, `'${value}' must be a directory relative to the repository root`);
  }
  return clean;
}

function kustomizationFile(root: string, overlay: string, input: string): string {
  const dir = join(root, overlay);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(input, `'${overlay}' is not a directory in the repository`);
  }
  const name = KUSTOMIZATION_FILES.find((f) => existsSync(join(dir, f)));
  if (!name) throw new InputError(input, `'${overlay}' has no kustomization.yaml`);
  return `${overlay}/${name}`;
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
  digest: string;
  ref: string;
  sourceCommit?: string;
  to: string;
}): string {
  const trailers: Record<string, string> = {};
  if (i.sourceCommit) trailers[TRAILER.sourceCommit] = i.sourceCommit;
  trailers[TRAILER.digest] = i.digest;
  trailers[TRAILER.image] = i.ref;
  trailers[TRAILER.environment] = i.environment;
  trailers[TRAILER.overlay] = i.to;
  trailers[TRAILER.action] = 'promote';
  return formatTrailers(trailers);
}

/** The PR description: what is promoted, from where, and the rendered diff, kept under GitHub's body limit. */
export function pullRequestBody(i: {
  environment: string;
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

interface PromotionWorkspace {
  git: Git;
  dir: string;
  temporary: boolean;
  cleanup(): Promise<void>;
}

// A local working clone gets a detached throwaway worktree (the user's checkout and branches stay untouched,
// and the clone's credentials apply to the push); anything else is cloned into a temporary directory.
async function openPromotionWorkspace(
  repo: string,
  base: string,
  push: boolean,
  log: (line: string) => void,
): Promise<PromotionWorkspace> {
  if (typeof repo !== 'string' || repo.trim() === '') throw new InputError('repo', 'is required');
  const local = !isGitUrl(repo);
  if (local && !existsSync(repo))
    throw new InputError('repo', `'${repo}' does not exist and is not a git URL`);
  const dir = await mkdtemp(join(tmpdir(), 'gitops-promote-'));
  try {
    const probe =
      local && statSync(repo).isDirectory()
        ? await new Git(repo).tryRun(['rev-parse', '--is-inside-work-tree'])
        : undefined;
    if (probe?.code === 0 && probe.stdout.trim() === 'true') {
      const clone = new Git(await new Git(repo).toplevel());
      let start = `refs/heads/${base}`;
      if (push) {
        if ((await clone.tryRun(['remote', 'get-url', 'origin'])).code !== 0) {
          throw new InputError('repo', `${clone.cwd} has no 'origin' remote to push to`);
        }
        await clone.run([
          'fetch',
          '--quiet',
          'origin',
          `+refs/heads/${base}:refs/remotes/origin/${base}`,
        ]);
        start = `refs/remotes/origin/${base}`;
      }
      if (!(await clone.resolve(start)))
        throw new InputError('branch', `'${base}' does not exist in ${clone.cwd}`);
      await rm(dir, { recursive: true, force: true });
      await clone.run(['worktree', 'add', '--quiet', '--detach', dir, start]);
      log(`working in a temporary worktree of ${clone.cwd} at ${start}`);
      return {
        git: new Git(dir),
        dir,
        temporary: false,
        cleanup: async () => {
          await clone.run(['worktree', 'remove', '--force', dir]);
        },
      };
    }
    await new Git(tmpdir()).run([
      'clone',
      '--quiet',
      '--single-branch',
      '--branch',
      base,
      '--',
      repo,
      dir,
    ]);
    log(`cloned ${maskCredentials(repo)} (${base})`);
    return {
      git: new Git(dir),
      dir,
      temporary: true,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function remoteBranchTip(git: Git, branch: string): Promise<string | undefined> {
  const out = await git.run(['ls-remote', 'origin', `refs/heads/${branch}`]);
  const sha = out.split(/\s+/)[0];
  return sha && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
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
