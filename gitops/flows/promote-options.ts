/**
 * What a promotion is asked to do, and the checks of it that need no repository: apart from the flow, so
 * the promote action validates its inputs without loading the GitHub client (it loads with the flow).
 */
import { InputError } from '../errors.js';
import type { GithubTarget } from '../adapters/github.js';
import { environmentOf, overlayPath } from '../adapters/repo-files.js';
import { checkDigest } from '../rules/image-ref.js';
import { checkBranch } from '../rules/names.js';
import { checkRepo } from './workspace.js';

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
  /**
   * The digest to promote (sha256:<64 hex>); default: the one the source overlay pins now. Either way it
   * must be one a deploy of the source environment verified; naming one needs the GitHub API to check that.
   */
  digest?: string;
  /** Environment name for the branch and trailers; default: the target directory's name. */
  environment?: string;
  push?: boolean;
  openPr?: boolean;
  github?: GithubTarget;
  log?: (line: string) => void;
}

/** Checks the promotion inputs that need no repository; InputError naming the first bad one. */
export function validatePromoteOptions(opts: PromoteOptions): void {
  checkRepo(opts.repo);
  const from = overlayPath('.', opts.from, 'from');
  const to = overlayPath('.', opts.to, 'to');
  if (from === to) throw new InputError('to', `must differ from 'from' (both are '${from}')`);
  checkBranch(opts.branch ?? 'main');
  environmentOf(to, opts.environment, 'to');
  environmentOf(from, undefined, 'from');
  if (opts.digest !== undefined) {
    checkDigest(opts.digest, 'digest');
    if (!opts.github) {
      throw new InputError(
        'digest',
        'naming a digest needs the GitHub API (GITHUB_TOKEN, GITHUB_REPOSITORY) to check that a deploy verified it',
      );
    }
  }
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
