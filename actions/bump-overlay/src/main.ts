// The `bump-overlay` action: pins the built image (tag and digest) in an overlay's kustomization.yaml,
// commits with provenance trailers and pushes with retry; a rerun with the same values is a no-op.
import { ActionInputs } from '../../../gitops/action/inputs.js';
import {
  coreRuntime,
  markdownTable,
  maskSecrets,
  runAction,
} from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import type { BumpOptions, BumpResult } from '../../../gitops/flows/bump.js';
import { findKustomization } from '../../../gitops/adapters/repo-files.js';
import { MAX_PUSH_ATTEMPTS } from '../../../gitops/rules/names.js';

/** Pins the image and commits; injectable for tests. */
export type Bumper = (opts: BumpOptions) => Promise<BumpResult>;

/** Reads and validates the inputs into bump options; throws InputError naming the first bad one. */
export function readInputs(rt: ActionRuntime): BumpOptions {
  const token = rt.input('token');
  maskSecrets(rt, token);
  const inputs = new ActionInputs(rt.input, rt.env);
  const repo = inputs.workingCopy();
  const overlay = inputs.relativePath('overlay');
  findKustomization(repo, overlay);
  const name = inputs.required('image', {}, 'the image name used in the kustomization');
  inputs.imageRef('image', { repositoryOnly: true });
  const newNameInput = inputs.optional('new-name');
  if (newNameInput !== undefined) inputs.imageRef('new-name', { repositoryOnly: true });
  const newTag = inputs.tag('tag', { env: 'GITHUB_SHA' });
  const digest = inputs.digest('digest', { required: true });
  const sourceCommit = inputs.sha('source-commit', { env: 'GITHUB_SHA' });
  const branch = inputs.branch();
  return {
    repo,
    branch,
    overlay,
    environment: inputs.optional('environment'),
    image: { name, newName: newNameInput, newTag, digest },
    sourceCommit,
    push: inputs.boolean('push', true),
    force: inputs.boolean('force', false),
    maxAttempts: inputs.int('max-attempts', { default: MAX_PUSH_ATTEMPTS, min: 1, max: 20 }),
  };
}

/** The job summary of one bump. */
export function bumpSummary(opts: BumpOptions, result: BumpResult): string {
  const previous = result.previous
    ? [
        result.previous.newName ?? result.previous.name,
        result.previous.newTag,
        result.previous.digest,
      ]
        .filter(Boolean)
        .join(' ')
    : '—';
  const rows: [string, string][] = [
    ['Status', result.status],
    ['Overlay', `\`${opts.overlay}\``],
    ['Image', `${opts.image.newName ?? opts.image.name}:${opts.image.newTag}`],
    ['Digest', `\`${opts.image.digest}\``],
    ['Previous', previous],
    ['Commit', result.commit ? `\`${result.commit}\`` : '—'],
    ['Pushed', result.pushed ? `yes (${opts.branch}, ${result.attempts} attempt(s))` : 'no'],
    ['Source commit', `\`${opts.sourceCommit}\``],
  ];
  return `## Overlay bump\n\n${markdownTable(['', ''], rows)}\n\n${result.message}\n`;
}

/** The action body over a runtime and an injectable bumper. */
export async function bumpOverlayAction(
  rt: ActionRuntime,
  bumper: Bumper = bumpOverlay,
): Promise<void> {
  const opts = readInputs(rt);
  rt.info(
    `bump-overlay: pinning ${opts.image.name} to ${opts.image.newTag}@${opts.image.digest} in ${opts.overlay}`,
  );
  const result = await bumper({ ...opts, log: (line) => rt.info(line) });
  rt.setOutput('status', result.status);
  rt.setOutput('changed', String(result.changed));
  rt.setOutput('commit', result.commit);
  rt.setOutput('pushed', String(result.pushed));
  rt.setOutput('previous-tag', result.previous?.newTag ?? '');
  rt.setOutput('previous-digest', result.previous?.digest ?? '');
  rt.info(`bump-overlay: ${result.message}`);
  await rt.writeSummary(bumpSummary(opts, result));
  if (result.status === 'stale') {
    // A newer build already reached the overlay (runs finished out of order): skipping is correct, not a failure.
    rt.warning(`bump-overlay: ${result.message} (nothing pinned)`);
  }
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => bumpOverlayAction(r), rt);
}
