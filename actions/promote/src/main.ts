// The `promote` action: opens (or updates) the pull request that pins the source overlay's digest in the
// target overlay, with the rendered-manifest diff and the source commit in its body.
import { ActionInputs } from '../../../gitops/action/inputs.js';
import {
  codeBlock,
  coreRuntime,
  markdownTable,
  maskSecrets,
  runAction,
} from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { InputError } from '../../../gitops/errors.js';
import { promote, validatePromoteOptions } from '../../../gitops/flows/promote.js';
import { findKustomization } from '../../../gitops/adapters/repo-files.js';

/** The options promote() takes. */
export type PromoteOptions = Parameters<typeof promote>[0];
/** What promote() returns. */
export type PromoteResult = Awaited<ReturnType<typeof promote>>;
/** Promotes; injectable for tests. */
export type Promoter = (opts: PromoteOptions) => Promise<PromoteResult>;

function overlayInput(inputs: ActionInputs, name: string, repo: string): string {
  const overlay = inputs.relativePath(name);
  findKustomization(repo, overlay, name);
  return overlay;
}

/** Reads and validates the inputs into promote options; throws InputError naming the first bad one. */
export function readInputs(rt: ActionRuntime): PromoteOptions {
  const tokenInput = rt.input('token').trim();
  const token = tokenInput || rt.env.GITHUB_TOKEN?.trim() || '';
  maskSecrets(rt, token);
  const inputs = new ActionInputs(rt.input, rt.env);
  const repo = inputs.workingCopy();
  const from = overlayInput(inputs, 'from', repo);
  const to = overlayInput(inputs, 'to', repo);
  const image = inputs.optional('image');
  if (image !== undefined) inputs.imageRef('image', { repositoryOnly: true });
  const branch = inputs.branch();
  const openPr = inputs.boolean('open-pr', true);
  const push = inputs.boolean('push', true);
  if (openPr && !push)
    throw new InputError(
      'push',
      'must be true when open-pr is true (the pull request needs the pushed branch)',
    );
  let github: PromoteOptions['github'];
  if (openPr) {
    if (!token)
      throw new InputError(
        'token',
        'is required when open-pr is true (and GITHUB_TOKEN is not set)',
      );
    const { owner, repo: name } = inputs.repository('repository', { env: 'GITHUB_REPOSITORY' });
    const apiUrl = inputs.url('api-url', {
      env: 'GITHUB_API_URL',
      default: 'https://api.github.com',
    });
    github = { token, owner, repo: name, apiUrl };
  }
  const opts = { repo, branch, from, to, image, push, openPr, github };
  validatePromoteOptions(opts);
  return opts;
}

/** The job summary of one promotion. */
export function promoteSummary(opts: PromoteOptions, result: PromoteResult): string {
  const rows: [string, string][] = [
    ['From', `\`${opts.from}\``],
    ['To', `\`${opts.to}\``],
    ['Digest', `\`${result.digest}\``],
    ['Source commit', result.sourceCommit ? `\`${result.sourceCommit}\`` : '—'],
    ['Changed', result.changed ? 'yes' : `no (${opts.to} already pins this digest)`],
    ['Branch', result.branch],
  ];
  if (result.pullRequest) {
    rows.push([
      'Pull request',
      `[#${result.pullRequest.number}](${result.pullRequest.url}) (${result.pullRequest.created ? 'opened' : 'updated'})`,
    ]);
  }
  const diff = result.diff.trim()
    ? `\n\n### Rendered manifest diff\n\n${codeBlock(result.diff, 'diff')}`
    : '';
  return `## Promotion\n\n${markdownTable(['', ''], rows)}${diff}\n`;
}

/** The action body over a runtime and an injectable promoter. */
export async function promoteAction(
  rt: ActionRuntime,
  promoter: Promoter = promote,
): Promise<void> {
  const opts = readInputs(rt);
  rt.info(`promote: ${opts.from} -> ${opts.to}`);
  const result = await promoter({ ...opts, log: (line) => rt.info(line) });
  rt.setOutput('changed', String(result.changed));
  rt.setOutput('digest', result.digest);
  rt.setOutput('branch', result.branch);
  rt.setOutput('pull-request-number', result.pullRequest ? String(result.pullRequest.number) : '');
  rt.setOutput('url', result.pullRequest?.url ?? '');
  rt.info(
    result.pullRequest
      ? `promote: pull request #${result.pullRequest.number} ${result.pullRequest.url}`
      : `promote: ${result.changed ? 'changes committed' : 'nothing to promote'}`,
  );
  await rt.writeSummary(promoteSummary(opts, result));
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => promoteAction(r), rt);
}
