import { resolve } from 'node:path';
import { InputError, withInputNames } from '../errors.js';
import { finishDeploy, readDeployedChange, startDeploy } from '../flows/record-deploy.js';
import { parseOutcome, runUrl } from '../rules/deploy-record.js';
import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import { GITHUB_FLAGS, GITHUB_TOKEN_NOTE, githubTarget } from './github.js';
import { boolFlag, printOutput, progressLogger, requireFlag, stringFlag } from './output.js';

const usage = `Usage: gitops record-deploy --phase start|finish --environment NAME --revision SHA --environment-url URL [options]

Records a deploy on GitHub, once. start: the Deployment of --revision to --environment (created, or with
--adopt the one GitHub Actions made for a job naming environment:) goes in_progress, and the revision's
verification status (gitops/verify/<env>) pending. finish: verify's --result becomes the Deployment's final
status (success; failure; failure then inactive when rolled back; inactive when superseded; error when
empty), the revision's verification status, and the source commit's gitops/deploy/<env> status. Every
status carries --environment-url and --log-url. A re-run adds nothing that is already there.

Options:
  --phase start|finish    Which end of the deploy to record
  --environment NAME      Environment (the Deployment's environment)
  --revision SHA          The deployed GitOps revision (full SHA): a bump, a promotion or its merge
  --environment-url URL   Where the environment is reached
  --log-url URL           The run's log (default: this workflow run, from GITHUB_SERVER_URL/GITHUB_RUN_ID)
  --adopt                 Use the Deployment GitHub Actions created for this job (it names environment:)
  --deployment-id N       The Deployment start returned (finish; default: found again)
  --result RESULT         finish: verify's result: healthy, rolled-back, failed, suspended, superseded (empty: error)
  --reason TEXT           finish: verify's reason
  --revert-commit SHA     finish: the commit that rolled the revision back
  --repo PATH             GitOps working copy the revision's trailers are read from (default: current directory)
${GITHUB_FLAGS}
  --json                  Print one JSON object: the deployment and what was written
  -h, --help              Show this help

${GITHUB_TOKEN_NOTE}`;

/** `gitops record-deploy`: a deploy's Deployment and statuses on GitHub. */
export const recordDeployCommand: CliCommand = {
  name: 'record-deploy',
  usage,
  options: flagOptions({
    string:
      'phase environment revision environment-url log-url deployment-id result reason revert-commit repo github-repo github-api-url',
    boolean: 'adopt json',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const phase = requireFlag(values, 'phase');
    if (phase !== 'start' && phase !== 'finish')
      throw new InputError('--phase', `expected start or finish, got '${phase}'`);
    const logUrl = stringFlag(values, 'log-url') ?? runUrl(io.env);
    if (!logUrl)
      throw new InputError('--log-url', 'is required outside a workflow run (no GITHUB_RUN_ID)');
    const idFlag = stringFlag(values, 'deployment-id');
    if (idFlag !== undefined && !/^[1-9]\d*$/.test(idFlag))
      throw new InputError(
        '--deployment-id',
        `expected a Deployment id (a number), got '${idFlag}'`,
      );
    const outcome =
      phase === 'finish' ? parseOutcome(stringFlag(values, 'result') ?? '', '--result') : undefined;
    const log = progressLogger(io, json);
    const base = {
      github: githubTarget(values, io, 'to record a deploy'),
      environment: requireFlag(values, 'environment'),
      revision: requireFlag(values, 'revision'),
      environmentUrl: requireFlag(values, 'environment-url'),
      logUrl,
      adopt: boolFlag(values, 'adopt'),
      log,
    };
    const names = {
      environment: '--environment',
      revision: '--revision',
      'environment-url': '--environment-url',
      'log-url': '--log-url',
      'deployment-id': '--deployment-id',
    };
    const res = await withInputNames(names, async () => {
      const change = await readDeployedChange(
        resolve(io.cwd, stringFlag(values, 'repo') ?? '.'),
        base.revision,
        log,
      );
      const opts = { ...base, change };
      if (!outcome) return startDeploy(opts);
      return finishDeploy({
        ...opts,
        deploymentId: idFlag === undefined ? undefined : Number(idFlag),
        verdict: {
          outcome,
          environment: base.environment,
          revision: base.revision,
          reason: stringFlag(values, 'reason'),
          revertCommit: stringFlag(values, 'revert-commit'),
        },
      });
    });
    printOutput(io, json, {
      json: { phase, ...(outcome ? { result: outcome } : {}), ...res },
      lines: [
        `deployment ${res.deploymentId} (${res.deployment}) of ${base.revision.slice(0, 12)} to ${base.environment}: ${phase === 'start' ? 'in_progress' : outcome}; ${res.written} status(es) written`,
      ],
    });
    return 0;
  },
};
