import { isAbsolute, relative, resolve } from 'node:path';
import { bumpOverlay } from '../flows/bump.js';
import { InputError, withInputNames } from '../errors.js';
import { findToplevel, isGitUrl } from '../adapters/git.js';
import { parseImageRef } from '../rules/image-ref.js';
import { MAX_PUSH_ATTEMPTS, isCommitSha } from '../rules/names.js';
import type { ImageOverride } from '../rules/kustomization.js';
import type { CliCommand, CliIO } from './command.js';
import { flagOptions } from './command.js';
import { boolFlag, printOutput, progressLogger, requireFlag, stringFlag } from './output.js';

const usage = `Usage: gitops bump --overlay DIR --image NAME --new-name REF --tag TAG --digest sha256:... [options]

Pins an image in an overlay's kustomization.yaml (images: name/newName/newTag/digest) in one commit with
trailers (Source-Commit, Image-Digest, Environment, Gitops-Action: bump) and, with --push, pushes it,
retrying with fetch + rebase when the remote moved. Re-running for the same SHA changes nothing; an older
SHA than the one deployed is skipped (stale); a SHA that was rolled back is refused unless --force.

Options:
  --overlay DIR          Overlay directory (relative to the repository root, or to the current directory)
  --image NAME           Image name as used in the base manifests (e.g. score-api)
  --new-name REF         Image repository to deploy (e.g. 127.0.0.1:5000/score-api); may carry :tag@digest
  --tag TAG              Image tag (usually the full source commit SHA)
  --digest sha256:...    Image digest (from the registry)
  --source-commit SHA    Source commit the image was built from (default: --tag when it is a commit SHA)
  --environment NAME     Environment named in the commit (default: the overlay directory name)
  --repo PATH|URL        GitOps repository: a local clone, or a URL/bare repo to clone (default: current repository)
  --branch NAME          Branch to commit to (default main)
  --push                 Push the commit (otherwise commit locally only)
  --force                Deploy a SHA even if it was rolled back before
  --max-attempts N       Push attempts before giving up (default ${MAX_PUSH_ATTEMPTS})
  --json                 Print one JSON object (status, commit, previous tag and digest, ...)
  -h, --help             Show this help`;

/** The bump inputs' names as flags, for the core's InputErrors. */
const FLAGS: Record<string, string> = {
  repo: '--repo',
  branch: '--branch',
  overlay: '--overlay',
  environment: '--environment',
  sourceCommit: '--source-commit',
  maxAttempts: '--max-attempts',
  'image.name': '--image',
  'image.newName': '--new-name',
  'image.newTag': '--tag',
  'image.digest': '--digest',
};

// The core's complaint about an empty source commit, when none was given and the tag is no commit SHA.
const MISSING_SOURCE_COMMIT = '--source-commit (required when --tag is not a full commit SHA)';

/** Maps the flags onto the image entry: --new-name may carry the tag and digest (REF:TAG@DIGEST). */
function readImage(values: Record<string, unknown>): {
  image: ImageOverride;
  sourceCommit: string;
} {
  const name = requireFlag(values, 'image');
  const ref = parseImageRef(requireFlag(values, 'new-name'), '--new-name');
  const newName = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  const tag = stringFlag(values, 'tag') ?? ref.tag;
  const digest = stringFlag(values, 'digest') ?? ref.digest;
  if (!tag) throw new InputError('--tag', 'is required (or give --new-name REF:TAG)');
  if (!digest) throw new InputError('--digest', 'is required (or give --new-name REF@sha256:...)');
  if (ref.tag && ref.tag !== tag)
    throw new InputError('--tag', `'${tag}' disagrees with the tag in --new-name (${ref.tag})`);
  if (ref.digest && ref.digest !== digest) {
    throw new InputError(
      '--digest',
      `'${digest}' disagrees with the digest in --new-name (${ref.digest})`,
    );
  }
  // Left empty when it cannot default to the tag: the core then names the tag or this flag as the problem.
  const sourceCommit = stringFlag(values, 'source-commit') ?? (isCommitSha(tag) ? tag : '');
  return { image: { name, newName, newTag: tag, digest }, sourceCommit };
}

/** The repository and overlay path: --repo as given, else the repository containing the current directory. */
async function locate(
  values: Record<string, unknown>,
  io: CliIO,
): Promise<{ repo: string; overlay: string }> {
  const overlay = requireFlag(values, 'overlay');
  const repoFlag = stringFlag(values, 'repo');
  if (repoFlag && isGitUrl(repoFlag)) return { repo: repoFlag, overlay };
  const repoDir = repoFlag ? resolve(io.cwd, repoFlag) : io.cwd;
  const top = await findToplevel(repoDir);
  if (!top) {
    if (repoFlag) return { repo: repoDir, overlay }; // a bare repository path: cloned by the library
    throw new InputError(
      '--repo',
      `${io.cwd} is not inside a git repository; pass --repo PATH_OR_URL`,
    );
  }
  if (isAbsolute(overlay)) return { repo: top, overlay: relative(top, overlay) };
  // Without --repo the overlay is a path from where the user stands; with --repo, from that repository's root.
  return { repo: top, overlay: repoFlag ? overlay : relative(top, resolve(io.cwd, overlay)) };
}

/** `gitops bump`: pin an image in an overlay and commit (and push) it. */
export const bumpCommand: CliCommand = {
  name: 'bump',
  usage,
  options: flagOptions({
    string: 'overlay image new-name tag digest source-commit environment repo branch max-attempts',
    boolean: 'push force json',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const attemptsRaw = stringFlag(values, 'max-attempts');
    if (attemptsRaw !== undefined && !/^\d+$/.test(attemptsRaw)) {
      throw new InputError('--max-attempts', `'${attemptsRaw}' must be a positive integer`);
    }
    const push = boolFlag(values, 'push');
    const environment = stringFlag(values, 'environment');
    const branch = stringFlag(values, 'branch') ?? 'main';
    const { image, sourceCommit } = readImage(values);
    const names = sourceCommit ? FLAGS : { ...FLAGS, sourceCommit: MISSING_SOURCE_COMMIT };
    const res = await withInputNames(names, async () => {
      const { repo, overlay } = await locate(values, io);
      if (!push && isGitUrl(repo))
        io.err(
          'gitops bump: without --push the commit stays in a temporary clone and is discarded',
        );
      return bumpOverlay({
        repo,
        branch,
        overlay,
        image,
        sourceCommit,
        push,
        force: boolFlag(values, 'force'),
        log: progressLogger(io, json),
        ...(environment !== undefined ? { environment } : {}),
        ...(attemptsRaw !== undefined ? { maxAttempts: Number(attemptsRaw) } : {}),
      });
    });
    printOutput(io, json, {
      json: {
        status: res.status,
        changed: res.changed,
        commit: res.commit,
        pushed: res.pushed,
        attempts: res.attempts,
        message: res.message,
        overlay: res.overlay,
        file: res.file,
        branch,
        environment: res.environment,
        image: image.name,
        newName: image.newName,
        tag: image.newTag,
        digest: image.digest,
        ref: res.ref,
        sourceCommit,
        previous: res.previous ?? null,
        previousTag: res.previous?.newTag ?? null,
        previousDigest: res.previous?.digest ?? null,
      },
      lines: [
        `${res.status}: ${res.message}`,
        ...(res.pushed
          ? [`commit ${res.commit} pushed to ${branch}`]
          : res.status === 'committed'
            ? [`commit ${res.commit} (not pushed)`]
            : []),
        ...(res.previous
          ? [`previous: ${res.previous.newTag ?? '-'} ${res.previous.digest ?? ''}`.trimEnd()]
          : []),
      ],
    });
    return 0;
  },
};
