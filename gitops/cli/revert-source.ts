import { resolve } from 'node:path';
import { withInputNames } from '../errors.js';
import { isGitUrl } from '../adapters/git.js';
import { revertSource } from '../flows/revert-source.js';
import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import { GITHUB_FLAGS, GITHUB_TOKEN_NOTE, githubTarget } from './github.js';
import { runUrl } from '../rules/deploy-record.js';
import { boolFlag, printOutput, progressLogger, requireFlag, stringFlag } from './output.js';

const usage = `Usage: gitops revert-source --environment NAME --revision SHA --reason TEXT [options]

After a rollback of --revision (a bump, a promotion or its merge) in --environment, opens the pull request
that reverts the source commits since the last healthy release (newest first), with the verdict, addressed
to their authors; or an issue when the reverts do not apply cleanly. Once per rolled-back source commit: a
re-run finds the pull request or issue opened before, in any state, and opens nothing.

Options:
  --environment NAME      Environment the release was rolled back in
  --revision SHA          The rolled-back deployed revision (full SHA)
  --reason TEXT           Verify's verdict
  --revert-commit SHA     The commit that rolled it back
  --log-url URL           The run that judged it (default: this workflow run, if in one)
  --repo PATH|URL         GitOps repository: a local clone or a remote (default: current directory)
  --branch NAME           Branch (default main)
  --push                  Push the revert branch and open the pull request or issue (else only plan)
${GITHUB_FLAGS}
  --json                  Print one JSON object: what was opened, and the commits
  -h, --help              Show this help

${GITHUB_TOKEN_NOTE}`;

/** `gitops revert-source`: the pull request (or issue) that takes a rolled-back source off the branch. */
export const revertSourceCommand: CliCommand = {
  name: 'revert-source',
  usage,
  options: flagOptions({
    string:
      'environment revision reason revert-commit log-url repo branch github-repo github-api-url',
    boolean: 'push json',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const repoFlag = stringFlag(values, 'repo');
    const names = {
      repo: '--repo',
      branch: '--branch',
      environment: '--environment',
      revision: '--revision',
      reason: '--reason',
      'revert-commit': '--revert-commit',
    };
    const res = await withInputNames(names, () =>
      revertSource({
        repo: repoFlag && isGitUrl(repoFlag) ? repoFlag : resolve(io.cwd, repoFlag ?? '.'),
        branch: stringFlag(values, 'branch'),
        environment: requireFlag(values, 'environment'),
        revision: requireFlag(values, 'revision'),
        reason: requireFlag(values, 'reason'),
        revertCommit: stringFlag(values, 'revert-commit'),
        logUrl: stringFlag(values, 'log-url') ?? runUrl(io.env),
        github: githubTarget(values, io, 'to open the pull request or issue'),
        push: boolFlag(values, 'push'),
        log: progressLogger(io, json),
      }),
    );
    printOutput(io, json, {
      json: { ...res },
      lines: [
        `${res.status}: ${res.detail}${res.url ? ` (${res.url})` : ''}`,
        ...res.commits.map(
          (c) => `  ${c.sha.slice(0, 12)} ${c.subject} (${c.login ? `@${c.login}` : c.author})`,
        ),
      ],
    });
    return 0;
  },
};
