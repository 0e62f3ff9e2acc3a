// Releases of the service for the e2e flows: each is a real commit of the service on the GitOps
// remote's main (the monorepo layout: service/ beside deploy/ and overlays/), built by the
// pipeline's build stage (scripts/pipeline/build-stage.ts -> the library's buildImage) into
// `score-api:<sha>` and pushed to the loopback registry, with the digest read back from it.
// Nothing marks a bad release in its tag: what is wrong with it is in its source.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildStage } from '../../../scripts/pipeline/build-stage.js';
import { resolveConfig } from '../../../scripts/pipeline/defaults.js';
import { redactorFromEnv } from '../../../gitops/rules/redact.js';
import { git } from './git.js';

const execFileAsync = promisify(execFile);

/** The loopback registry the pipeline pushes to and the node pulls from. */
export const REGISTRY = '127.0.0.1:5000';
/** The repository the pipeline pushes releases to (overlays/minikube pins localhost:5000/score-api). */
export const IMAGE_REPOSITORY = 'score-api';

/**
 * What a release's source commit changes:
 * - good: a retrained model (model.json's version), served and reported by /score;
 * - crash-at-start: a truncated model artifact, so the process exits 1 at start (CrashLoopBackOff);
 * - never-ready: the readiness endpoint renamed to /ready while deploy/ probes /readyz (404), so
 *   the process is alive (/healthz answers) but never Ready;
 * - unpullable: a good commit whose build was pushed to another repository (a misconfigured build
 *   job), so the digest the bump pins is absent from score-api (ErrImagePull/ImagePullBackOff).
 */
export type ReleaseKind = 'good' | 'crash-at-start' | 'never-ready' | 'unpullable';

/** A build of the service: its source commit, and the tag and digest the pipeline pins. */
export interface Release {
  label: string;
  kind: ReleaseKind;
  sourceCommit: string;
  tag: string;
  digest: string;
  /** The model version this release serves (good releases), as /score reports it. */
  modelVersion?: string;
  /** registry/path the image was pushed to. */
  pushedTo: string;
}

const MODEL = 'service/model/model.json';
const APP = 'service/src/app.ts';
const READINESS_ROUTE = "app.get('/readyz'";

/** Commits the release's source change in the developer clone and pushes it to main. */
function commitSource(work: string, label: string, kind: ReleaseKind): string | undefined {
  git(work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  const modelFile = join(work, MODEL);
  let modelVersion: string | undefined;
  let message: string;
  if (kind === 'good' || kind === 'unpullable') {
    const model = JSON.parse(readFileSync(modelFile, 'utf8')) as { version: string };
    modelVersion = `${model.version.split('+')[0]}+${label.toLowerCase()}`;
    model.version = modelVersion;
    writeFileSync(modelFile, `${JSON.stringify(model, null, 2)}\n`);
    message = `model: iris-classifier ${modelVersion}`;
  } else if (kind === 'crash-at-start') {
    // What a broken upload or a half-written artifact looks like.
    writeFileSync(modelFile, readFileSync(modelFile, 'utf8').slice(0, 200));
    message = 'model: retrained iris-classifier';
  } else {
    const appFile = join(work, APP);
    const source = readFileSync(appFile, 'utf8');
    if (!source.includes(READINESS_ROUTE))
      throw new Error(
        `${APP} no longer has ${READINESS_ROUTE}: update the never-ready release in tests/e2e/cluster/releases.ts`,
      );
    writeFileSync(appFile, source.replace(READINESS_ROUTE, "app.get('/ready'"));
    message = 'service: readiness endpoint renamed to /ready';
  }
  git(work, 'commit', '--quiet', '-am', `${message} (release ${label})`);
  git(work, 'push', '--quiet', 'origin', 'main');
  return modelVersion;
}

/**
 * Makes release `label` of `kind`: its source commit on main, built and pushed by the pipeline's
 * build stage (to `score-api`, or for `unpullable` to `score-api-staging`).
 */
export async function makeRelease(
  work: string,
  label: string,
  kind: ReleaseKind,
  log: (line: string) => void,
): Promise<Release> {
  const modelVersion = commitSource(work, label, kind);
  const sourceCommit = git(work, 'rev-parse', 'HEAD');
  const repository = kind === 'unpullable' ? `${IMAGE_REPOSITORY}-staging` : IMAGE_REPOSITORY;
  const env = { ...process.env, PIPELINE_IMAGE_REPOSITORY: repository };
  const config = resolveConfig(['--registry', REGISTRY], env, work);
  const started = Date.now();
  const built = await buildStage(
    { config, env, log: (l) => log(`build ${label}: ${l}`), redactor: redactorFromEnv(env) },
    sourceCommit,
    false,
  );
  if (!built.digest) throw new Error(`the build stage pushed no digest for release ${label}`);
  log(
    `release ${label} (${kind}): ${sourceCommit.slice(0, 12)} built and pushed to ${built.repository} in ${Date.now() - started}ms (${built.digest.slice(0, 19)}…)`,
  );
  return {
    label,
    kind,
    sourceCommit,
    tag: sourceCommit,
    digest: built.digest,
    pushedTo: built.repository,
    ...(modelVersion ? { modelVersion } : {}),
  };
}

/** Reverts a bad release's source commit on main, as its developer would before the next release. */
export function revertSource(work: string, release: Release): void {
  git(work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  git(work, 'revert', '--no-edit', release.sourceCommit);
  git(work, 'push', '--quiet', 'origin', 'main');
}

/**
 * Copies a release's image to another repository with its digest preserved, as promote.yml copies
 * it to Artifact Registry (`skopeo copy --preserve-digests`); here the "Artifact Registry" path is
 * on the loopback registry, where the node's registry config sends the gke overlay's host.
 */
export async function copyImage(release: Release, toRepository: string): Promise<void> {
  const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];
  await execFileAsync('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    ...tls,
    `docker://${release.pushedTo}@${release.digest}`,
    `docker://${REGISTRY}/${toRepository}:${release.tag}`,
  ]);
  const { stdout } = await execFileAsync('skopeo', [
    'inspect',
    '--tls-verify=false',
    '--format',
    '{{.Digest}}',
    `docker://${REGISTRY}/${toRepository}@${release.digest}`,
  ]);
  if (stdout.trim() !== release.digest)
    throw new Error(
      `copied ${release.label} to ${toRepository} but it reads back as ${stdout.trim()}`,
    );
}

/**
 * Removes the local (podman) tags the build stage made for these releases (the registry keeps
 * them), unless KEEP_TEST_IMAGES=1 (several checkouts share one podman; see tests/remove-test-images.js).
 */
export async function removeLocalImages(
  releases: Release[],
  log: (line: string) => void,
): Promise<void> {
  const tags = releases.flatMap((r) => [
    `${r.pushedTo}:${r.tag}`,
    `${r.pushedTo}:${r.tag.slice(0, 7)}`,
  ]);
  if (tags.length === 0 || process.env.KEEP_TEST_IMAGES === '1') return;
  try {
    // podman's vfs storage makes removal slow on a busy machine: bounded, it must not hold the tear-down.
    await execFileAsync('docker', ['rmi', ...tags], { timeout: 120_000 });
  } catch (err) {
    // Leftover tags cost disk, not correctness: say so and go on with the tear-down.
    log(`could not remove the local release images: ${(err as Error).message.split('\n')[0]}`);
  }
}
