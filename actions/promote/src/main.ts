// The `promote` action: opens the pull request that promotes a verified release of the source overlay to the
// target overlay (one per digest, closing older ones), with the rendered-manifest diff in its body.
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
import { validatePromoteOptions } from '../../../gitops/flows/promote-options.js';
import type { PromoteOptions } from '../../../gitops/flows/promote-options.js';
import type { PromoteResult } from '../../../gitops/flows/promote.js';
import { findKustomization } from '../../../gitops/adapters/repo-files.js';

export type { PromoteOptions, PromoteResult };
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
  const digest = inputs.digest('digest');
  const branch = inputs.branch();
  const openPr = inputs.boolean('open-pr', true);
  const push = inputs.boolean('push', true);
  if (openPr && !push)
    throw new InputError(
      'push',
      'must be true when open-pr is true (the pull request needs the pushed branch)',
    );
  // The API also checks the verification, so it is used whenever a token is at hand.
  let github: PromoteOptions['github'];
  if (!token && (openPr || digest !== undefined)) {
    throw new InputError(
      'token',
      `is required when ${openPr ? 'open-pr is true' : 'a digest is named'} (and GITHUB_TOKEN is not set)`,
    );
  }
  if (token) {
    const { owner, repo: name } = inputs.repository('repository', { env: 'GITHUB_REPOSITORY' });
    const apiUrl = inputs.url('api-url', {
      env: 'GITHUB_API_URL',
      default: 'https://api.github.com',
    });
    github = { token, owner, repo: name, apiUrl };
  }
  const opts = { repo, branch, from, to, image, digest, push, openPr, github };
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
    [
      'Verified',
      `${opts.from} at \`${result.release.revision}\` (${result.release.verified === 'status' ? 'commit status checked' : 'not checked'})`,
    ],
    [
      'Base',
      result.base ? `\`${result.base.source}/\` at \`${result.base.revision.slice(0, 12)}\`` : '—',
    ],
    ['Changed', result.changed ? 'yes' : `no (${opts.to} already pins this release)`],
    ['Branch', result.branch],
  ];
  if (result.pullRequest) {
    const how = result.pullRequest.created
      ? 'opened'
      : result.underReview
        ? 'kept: under review, not rewritten'
        : 'updated';
    rows.push([
      'Pull request',
      `[#${result.pullRequest.number}](${result.pullRequest.url}) (${how})`,
    ]);
  }
  if (result.superseded?.length) {
    rows.push(['Closed as superseded', result.superseded.map((n) => `#${n}`).join(', ')]);
  }
  const diff = result.diff.trim()
    ? `\n\n### Rendered manifest diff\n\n${codeBlock(result.diff, 'diff')}`
    : '';
  return `## Promotion\n\n${markdownTable(['', ''], rows)}${diff}\n`;
}

/** The action body over a runtime and an injectable promoter. */
export async function promoteAction(rt: ActionRuntime, injected?: Promoter): Promise<void> {
  const opts = readInputs(rt);
  // The flow (and Octokit with it) loads only now: a bad input fails in the time node takes to start.
  const promoter = injected ?? (await import('./github.chunk.js')).promote;
  rt.info(`promote: ${opts.from} -> ${opts.to}`);
  const result = await promoter({ ...opts, log: (line) => rt.info(line) });
  rt.setOutput('changed', String(result.changed));
  rt.setOutput('digest', result.digest);
  rt.setOutput('tag', result.image.newTag ?? '');
  rt.setOutput('revision', result.release.revision);
  rt.setOutput('branch', result.branch);
  rt.setOutput('pull-request-number', result.pullRequest ? String(result.pullRequest.number) : '');
  rt.setOutput('url', result.pullRequest?.url ?? '');
  rt.setOutput('superseded', (result.superseded ?? []).join(' '));
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
