import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import { boolFlag, printOutput, progressLogger, requireFlag, stringFlag } from './output.js';
import { InputError, withInputNames } from '../errors.js';
import { parseRepository } from '../adapters/github.js';
import type { GithubTarget } from '../adapters/github.js';
import { promote } from '../flows/promote.js';

const usage = `Usage: gitops promote --from DIR --to DIR [options]

Pins the image digest (and tag) of overlay --from in overlay --to, keeping --to's own registry path,
commits it on promote/<env>, and with --push --open-pr opens or updates the pull request.

Options:
  --from DIR              Source overlay, relative to the repository root (e.g. overlays/minikube)
  --to DIR                Target overlay (e.g. overlays/gke)
  --image NAME            Image name in the kustomization (default: the only image of --from)
  --repo PATH|URL         GitOps repository: a local clone or a remote (default: current directory)
  --branch NAME           Base branch (default main)
  --environment NAME      Environment name for branch and trailers (default: name of --to)
  --push                  Push promote/<env> (force-updated; a re-run replaces it)
  --open-pr               Open or update the pull request (needs --push and GITHUB_TOKEN)
  --github-repo O/R       GitHub repository (default GITHUB_REPOSITORY)
  --github-api-url URL    GitHub API URL (default GITHUB_API_URL or https://api.github.com)
  --json                  Print one JSON object: the promotion and the pull request
  -h, --help              Show this help

The token is read from GITHUB_TOKEN only, never from a flag, and is never printed.`;

/** `gitops promote`: copy a verified digest from one overlay to another through a pull request. */
export const promoteCommand: CliCommand = {
  name: 'promote',
  usage,
  options: flagOptions({
    string: 'from to image repo branch environment github-repo github-api-url',
    boolean: 'push open-pr json',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const from = requireFlag(values, 'from');
    const to = requireFlag(values, 'to');
    const openPr = boolFlag(values, 'open-pr');
    let github: GithubTarget | undefined;
    if (openPr) {
      const repoName = stringFlag(values, 'github-repo') ?? io.env.GITHUB_REPOSITORY;
      if (!repoName)
        throw new InputError(
          '--github-repo',
          'is required with --open-pr (or set GITHUB_REPOSITORY)',
        );
      const token = io.env.GITHUB_TOKEN;
      if (!token)
        throw new InputError('GITHUB_TOKEN', 'must be set in the environment for --open-pr');
      const apiUrl = stringFlag(values, 'github-api-url') ?? io.env.GITHUB_API_URL;
      if (apiUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
        throw new InputError('--github-api-url', `expected an http(s) URL, got '${apiUrl}'`);
      }
      github = {
        token,
        ...parseRepository(
          repoName,
          stringFlag(values, 'github-repo') ? '--github-repo' : 'GITHUB_REPOSITORY',
        ),
        apiUrl,
      };
    }
    const names = {
      repo: '--repo',
      branch: '--branch',
      from: '--from',
      to: '--to',
      image: '--image',
      environment: '--environment',
      'open-pr': '--open-pr',
    };
    const res = await withInputNames(names, () =>
      promote({
        repo: stringFlag(values, 'repo') ?? io.cwd,
        branch: stringFlag(values, 'branch'),
        from,
        to,
        image: stringFlag(values, 'image'),
        environment: stringFlag(values, 'environment'),
        push: boolFlag(values, 'push'),
        openPr,
        github,
        log: progressLogger(io, json),
      }),
    );
    const lines = res.changed
      ? [
          `promoted ${res.image.name} ${res.digest} from ${from} to ${to} on ${res.branch} (${res.commit?.slice(0, 12)}${res.pushed ? ', pushed' : ''})`,
          ...(res.pullRequest
            ? [
                `pull request #${res.pullRequest.number} ${res.pullRequest.created ? 'opened' : 'updated'}: ${res.pullRequest.url}`,
              ]
            : []),
          '',
          res.diff.trimEnd(),
        ]
      : [`${to} already pins ${res.digest}; nothing to promote`];
    printOutput(io, json, { json: { from, to, ...res }, lines });
    return 0;
  },
};
