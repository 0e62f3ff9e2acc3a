import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import { boolFlag, printOutput, progressLogger, requireFlag, stringFlag } from './output.js';
import { withInputNames } from '../errors.js';
import type { GithubTarget } from '../adapters/github.js';
import { promote } from '../flows/promote.js';
import { GITHUB_FLAGS, GITHUB_TOKEN_NOTE, githubTarget } from './github.js';

const usage = `Usage: gitops promote --from DIR --to DIR [options]

Promotes a release verified in overlay --from to overlay --to: pins its digest (and tag) in --to, keeping
--to's own registry path, and copies the base --from rendered at the verified revision into --to/base.
The commit goes on promote/<env>/sha256-<12 hex>, one branch and pull request per digest: a branch
under review is never rewritten, and a newer digest's pull request closes the older ones.

The digest must be one a deploy of --from verified (commit status gitops/verify/<env> = success on a
revision where --from pins it) and never rolled back; with GITHUB_TOKEN this is checked, and a digest
named with --digest is refused otherwise.

Options:
  --from DIR              Source overlay, relative to the repository root (e.g. overlays/minikube)
  --to DIR                Target overlay (e.g. overlays/gke)
  --image NAME            Image name in the kustomization (default: the only image of --from)
  --digest sha256:HEX     The verified digest to promote (default: what --from pins now)
  --repo PATH|URL         GitOps repository: a local clone or a remote (default: current directory)
  --branch NAME           Base branch (default main)
  --environment NAME      Environment name for branch and trailers (default: name of --to)
  --push                  Push the promotion branch (never rewriting one under review)
  --open-pr               Open the pull request, close older ones (needs --push and GITHUB_TOKEN)
${GITHUB_FLAGS}
  --json                  Print one JSON object: the promotion and the pull request
  -h, --help              Show this help

${GITHUB_TOKEN_NOTE}`;

/** `gitops promote`: copy a verified digest from one overlay to another through a pull request. */
export const promoteCommand: CliCommand = {
  name: 'promote',
  usage,
  options: flagOptions({
    string: 'from to image digest repo branch environment github-repo github-api-url',
    boolean: 'push open-pr json',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const from = requireFlag(values, 'from');
    const to = requireFlag(values, 'to');
    const openPr = boolFlag(values, 'open-pr');
    const digest = stringFlag(values, 'digest');
    // The verification is checked whenever GitHub can be asked; naming a digest requires it.
    let github: GithubTarget | undefined;
    if (openPr || digest !== undefined) {
      github = githubTarget(values, io, openPr ? 'with --open-pr' : 'with --digest');
    } else if (
      io.env.GITHUB_TOKEN &&
      (stringFlag(values, 'github-repo') ?? io.env.GITHUB_REPOSITORY)
    ) {
      github = githubTarget(values, io, '');
    }
    const names = {
      repo: '--repo',
      branch: '--branch',
      from: '--from',
      to: '--to',
      image: '--image',
      digest: '--digest',
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
        digest,
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
          `verified on ${from} at ${res.release.revision.slice(0, 12)} (${res.release.verified === 'status' ? 'commit status checked' : 'not checked: no GitHub API'})`,
          ...(res.pullRequest
            ? [
                `pull request #${res.pullRequest.number} ${res.pullRequest.created ? 'opened' : res.underReview ? 'kept (under review, not rewritten)' : 'updated'}: ${res.pullRequest.url}`,
              ]
            : []),
          ...(res.superseded?.length
            ? [
                `closed older promotion pull request(s): ${res.superseded.map((n) => `#${n}`).join(', ')}`,
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
