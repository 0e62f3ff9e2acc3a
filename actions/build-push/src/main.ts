// The `build-push` action: builds the image tagged with the full and short git SHA, pushes it, and
// reports the digest the registry stored, so later steps pin exactly what was built.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ActionInputs } from '../../../gitops/action/inputs.js';
import {
  coreRuntime,
  markdownTable,
  maskSecrets,
  runAction,
} from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { buildImage } from '../../../gitops/flows/build.js';
import type { BuildOptions, BuildResult } from '../../../gitops/flows/build.js';
import { InputError } from '../../../gitops/errors.js';
import { formatImageRef } from '../../../gitops/rules/image-ref.js';

/** Builds (and pushes) an image; injectable for tests. */
export type Builder = (opts: BuildOptions) => Promise<BuildResult>;

/** Reads and validates the inputs into build options; throws InputError naming the first bad one. */
export function readInputs(rt: ActionRuntime): BuildOptions {
  // Mask before anything else can log: a validation message must never carry the password.
  const password = rt.input('registry-password');
  maskSecrets(rt, password);
  const inputs = new ActionInputs(rt.input, rt.env);
  const workspace = resolve(rt.env.GITHUB_WORKSPACE || process.cwd());
  const image = formatImageRef(inputs.imageRef('image', { repositoryOnly: true }));
  const context = resolve(workspace, inputs.optional('context') ?? '.');
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InputError(
      'context',
      `expected a directory, '${context}' does not exist or is not a directory`,
    );
  }
  const dockerfileInput = inputs.optional('dockerfile');
  const dockerfile = dockerfileInput ? resolve(workspace, dockerfileInput) : undefined;
  if (dockerfile && !existsSync(dockerfile)) {
    throw new InputError('dockerfile', `expected a Dockerfile, '${dockerfile}' does not exist`);
  }
  const sha = inputs.sha('sha', { env: 'GITHUB_SHA' });
  const push = inputs.boolean('push', true);
  const buildArgs = inputs.keyValues('build-args');
  const username = inputs.optional('registry-username');
  const trimmedPassword = password.trim() || undefined;
  if (trimmedPassword && !username) {
    throw new InputError('registry-username', 'is required when registry-password is set');
  }
  if (username && !trimmedPassword) {
    throw new InputError('registry-password', 'is required when registry-username is set');
  }
  const network = inputs.optional('network');
  if (network !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(network)) {
    throw new InputError(
      'network',
      `expected a network name such as host or none, got '${network}'`,
    );
  }
  const source =
    rt.env.GITHUB_SERVER_URL && rt.env.GITHUB_REPOSITORY
      ? `${rt.env.GITHUB_SERVER_URL}/${rt.env.GITHUB_REPOSITORY}`
      : undefined;
  return {
    image,
    context,
    dockerfile,
    sha,
    push,
    buildArgs,
    network,
    source,
    registryAuth: username ? { username, password: trimmedPassword } : undefined,
  };
}

/** The job summary of one build. */
export function buildSummary(opts: BuildOptions, result: BuildResult): string {
  const rows: [string, string][] = [
    ['Image', result.image],
    ['Tags', result.tags.join('<br>')],
    ['Commit', opts.sha],
    ['Pushed', opts.push ? 'yes' : 'no (push: false)'],
  ];
  if (result.digest) rows.push(['Digest', `\`${result.digest}\``]);
  if (result.ref) rows.push(['Pinned reference', `\`${result.ref}\``]);
  return `## Image build\n\n${markdownTable(['', ''], rows)}\n`;
}

/** The action body over a runtime and an injectable builder. */
export async function buildPushAction(
  rt: ActionRuntime,
  builder: Builder = buildImage,
): Promise<void> {
  const opts = readInputs(rt);
  rt.info(
    `build-push: building ${opts.image} at ${opts.sha.slice(0, 7)}${opts.push ? ' and pushing' : ''}`,
  );
  // A registry login lives in a Docker config of this run only (under RUNNER_TEMP), removed at the
  // end: on a self-hosted runner the next job, of any workflow, must not find it in ~/.docker.
  const dockerConfig = opts.registryAuth
    ? await mkdtemp(join(rt.env.RUNNER_TEMP || tmpdir(), 'docker-config-'))
    : undefined;
  let result: BuildResult;
  try {
    result = await builder({ ...opts, dockerConfig, log: (line) => rt.info(line) });
  } finally {
    if (dockerConfig) await rm(dockerConfig, { recursive: true, force: true });
  }
  if (opts.push && !result.digest) {
    rt.setFailed(`build-push: pushed ${result.image} but the registry returned no digest`);
    return;
  }
  rt.setOutput('digest', result.digest ?? '');
  rt.setOutput('image', result.ref ?? `${result.image}:${opts.sha}`);
  rt.setOutput('tags', result.tags.join('\n'));
  rt.info(`build-push: ${result.ref ?? result.tags.join(', ')}`);
  await rt.writeSummary(buildSummary(opts, result));
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => buildPushAction(r), rt);
}
