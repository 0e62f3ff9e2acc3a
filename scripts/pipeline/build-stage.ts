/** Build + push with the build-push action's buildImage; tag = the commit SHA. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../../gitops/flows/build.js';
import { Git } from '../../gitops/adapters/git.js';
import { containerEngineEnv } from '../../gitops/adapters/container-engine.js';
import { TagNotFoundError, resolveDigest } from '../../gitops/adapters/registry.js';
import type { PipelineConfig } from './defaults.js';
import { lastLines, runProcess } from '../../gitops/adapters/process.js';
import { StageFailedError } from './stages.js';
import type { StageContext } from './stages.js';

/** The local Node.js 24 base images scripts/make-base-images.sh makes (no image can be pulled here). */
export const BASE_IMAGES = {
  BASE_IMAGE: 'localhost/node-base:24',
  BUILD_IMAGE: 'localhost/node-build:24',
};

/** The image repository (registry/path) the pipeline pushes to. */
export function imageRepositoryOf(config: PipelineConfig): string {
  return `${config.registry}/${config.imageRepository}`;
}

/** The built (or reused) image. */
export interface BuiltImage {
  /** What to run and to pin: repository:sha@digest (pushed), or repository:sha (local only). */
  ref: string;
  repository: string;
  digest?: string;
  reused: boolean;
}

/** Makes the local Node.js base images when missing (no image can be pulled here). */
async function ensureBaseImages(ctx: StageContext): Promise<void> {
  const have = await runProcess(
    'docker',
    ['image', 'inspect', '--format', '{{.Id}}', ...Object.values(BASE_IMAGES)],
    {
      // The stage may run without the pipeline's preflight (the e2e releases), so it finds the engine itself.
      env: containerEngineEnv(ctx.env),
      timeoutMs: 30_000,
    },
  );
  if (have.code === 0) return;
  const script = join(ctx.config.repoRoot, 'scripts', 'make-base-images.sh');
  if (!existsSync(script)) return;
  ctx.log('local base images missing: running scripts/make-base-images.sh');
  const res = await runProcess('bash', [script], {
    cwd: ctx.config.repoRoot,
    env: ctx.env,
    timeoutMs: 600_000,
    mask: ctx.redactor.mask,
  });
  if (res.code !== 0)
    throw new StageFailedError(
      'build',
      `scripts/make-base-images.sh failed (exit ${res.code}):\n${lastLines(res.stderr || res.stdout, 10)}`,
    );
}

/**
 * Build + push with buildImage (the build-push action's code), tag = the commit SHA. A SHA tag already in
 * the registry is reused (tags name commits and are never rewritten), unless --rebuild or --build-arg. A dirty tree is
 * built under `localhost/<name>-dirty` and never pushed: a pushed image tagged with a commit SHA must be that commit.
 */
export async function buildStage(
  ctx: StageContext,
  sha: string,
  dirty: boolean,
): Promise<BuiltImage> {
  const { config } = ctx;
  const repository = dirty
    ? `localhost/${config.imageRepository}-dirty`
    : imageRepositoryOf(config);
  const extraArgs = Object.keys(config.buildArgs);
  if (!dirty && !config.rebuild && extraArgs.length > 0) {
    ctx.log(`--build-arg ${extraArgs.join(', ')} given: building even if the tag exists`);
  } else if (!dirty && !config.rebuild) {
    const existing = await resolveDigest(`${repository}:${sha}`, {
      ...(config.registryAuth ? { auth: config.registryAuth } : {}),
      retries: 0,
    }).catch((err: unknown) => {
      // Not there (or not reachable: then the push below fails with the full story): build.
      if (!(err instanceof TagNotFoundError))
        ctx.log(`cannot look up ${repository}:${sha.slice(0, 12)}: ${describe(err)}`);
      return undefined;
    });
    if (existing) {
      ctx.log(
        `${repository}:${sha.slice(0, 12)} is already in the registry (${existing}): build skipped (--rebuild to force)`,
      );
      return {
        ref: `${repository}:${sha}@${existing}`,
        repository,
        digest: existing,
        reused: true,
      };
    }
  }
  await ensureBaseImages(ctx);
  const commitDate = await new Git(config.repoRoot).run(['show', '-s', '--format=%cI', sha]);
  const built = await buildImage({
    context: join(config.repoRoot, config.context),
    dockerfile: join(config.repoRoot, config.dockerfile),
    image: repository,
    sha,
    push: !dirty,
    // The commit date, not now: the same commit builds the same labels.
    buildArgs: { ...BASE_IMAGES, GIT_SHA: sha, BUILD_DATE: commitDate, ...config.buildArgs },
    network: 'host',
    ...(config.registryAuth ? { registryAuth: config.registryAuth } : {}),
    log: ctx.log,
  });
  if (dirty) return { ref: `${repository}:${sha}`, repository, reused: false };
  if (!built.digest)
    throw new StageFailedError(
      'build',
      `buildImage pushed ${repository}:${sha} but returned no digest`,
    );
  return {
    ref: built.ref ?? `${repository}:${sha}@${built.digest}`,
    repository,
    digest: built.digest,
    reused: false,
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
}
