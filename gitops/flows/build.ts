/** Builds the service image, tags it with its commit, pushes it and reads its digest back. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { GitopsError, InputError } from '../errors.js';
import { checkDocker, docker, outputTail as tail } from '../adapters/docker.js';
import type { RegistryAuth } from '../adapters/registry.js';
import { resolveDigest } from '../adapters/registry.js';
import { parseImageRef } from '../rules/image-ref.js';
import { checkCommitSha, checkNetworkName } from '../rules/names.js';
import { retry } from '../retry.js';

const LAYER_RACE = /layer not known/;

/** What to build and where to push it. */
export interface BuildOptions {
  context: string;
  /** Dockerfile path (relative to the context, or absolute). Default <context>/Dockerfile. */
  dockerfile?: string;
  /** Repository without tag, e.g. 127.0.0.1:5000/score-api. */
  image: string;
  /** Full commit SHA the image is built from; tags <sha> and <sha[0..7]>. */
  sha: string;
  push: boolean;
  buildArgs?: Record<string, string>;
  /** Source repository URL for the org.opencontainers.image.source label. */
  source?: string;
  /** Build network mode, e.g. host (`--network host`). */
  network?: string;
  registryAuth?: RegistryAuth;
  /** Docker client config directory the login and push use (DOCKER_CONFIG); default the user's. */
  dockerConfig?: string;
  log?: (line: string) => void;
}

/** What was built; `digest` and `ref` (image:sha@digest) only when pushed. */
export interface BuildResult {
  image: string;
  tags: string[];
  digest?: string;
  ref?: string;
}

/** A docker step (build, push, login) failed; carries the step and the tail of its output. */
export class BuildError extends GitopsError {
  constructor(
    readonly step: 'build' | 'push' | 'login' | 'digest',
    detail: string,
    hint?: string,
  ) {
    super(`docker ${step} failed: ${detail}`, 'BUILD_FAILED', hint);
  }
}

function validate(opts: BuildOptions): { dockerfile: string } {
  if (
    typeof opts.context !== 'string' ||
    !existsSync(opts.context) ||
    !statSync(opts.context).isDirectory()
  ) {
    throw new InputError('context', `'${String(opts.context)}' is not a directory`);
  }
  const dockerfile = opts.dockerfile
    ? isAbsolute(opts.dockerfile)
      ? opts.dockerfile
      : join(opts.context, opts.dockerfile)
    : join(opts.context, 'Dockerfile');
  if (!existsSync(dockerfile)) throw new InputError('dockerfile', `'${dockerfile}' does not exist`);
  const ref = parseImageRef(opts.image, 'image');
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InputError(
      'image',
      `'${opts.image}' must be a repository without tag or digest (tags come from the SHA)`,
    );
  }
  checkCommitSha(opts.sha, 'sha');
  for (const key of Object.keys(opts.buildArgs ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new InputError('buildArgs', `'${key}' is not a valid build-arg name`);
  }
  if (opts.network !== undefined) checkNetworkName(opts.network, 'network');
  if (opts.registryAuth?.password !== undefined && !opts.registryAuth.username) {
    throw new InputError('registryAuth', 'a password needs a username');
  }
  return { dockerfile };
}

// Transient registry trouble worth another try; anything else (auth, unknown) fails at once.
const TRANSIENT_PUSH_RE =
  /connection refused|connection reset|timeout|timed out|EOF|50[234]|429|too many requests|i\/o/i;

/**
 * Builds the image with the docker CLI (buildx only when present), labelled with the OCI revision/source/
 * created labels and tagged <image>:<sha> and <image>:<short sha>; when `push`, pushes both tags and reads
 * the digest back from the registry, returning ref = image:sha@digest.
 */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const { buildx } = await checkDocker();
  const { dockerfile } = validate(opts);
  const log = opts.log ?? (() => undefined);
  const short = opts.sha.slice(0, 7);
  const tags = [`${opts.image}:${opts.sha}`, `${opts.image}:${short}`];
  const created = new Date().toISOString();
  const registry = parseImageRef(opts.image, 'image').registry;
  // The login goes to the caller's Docker config (the build-push action's is per run, see there).
  const pushEnv: NodeJS.ProcessEnv = opts.dockerConfig
    ? { ...process.env, DOCKER_CONFIG: opts.dockerConfig }
    : process.env;

  if (opts.push && opts.registryAuth?.username && opts.registryAuth.password !== undefined) {
    // The password goes through stdin only: never on the command line or in a log.
    const login = await docker(
      [
        'login',
        '--username',
        opts.registryAuth.username,
        '--password-stdin',
        registry ?? 'docker.io',
      ],
      opts.registryAuth.password,
      pushEnv,
    );
    if (login.code !== 0) {
      throw new BuildError(
        'login',
        `to ${registry ?? 'docker.io'}: ${tail(login.stderr, 2)}`,
        'check the registry credentials',
      );
    }
    log(`logged in to ${registry ?? 'docker.io'} as ${opts.registryAuth.username}`);
  }

  const args = [
    ...(buildx ? ['buildx', 'build', '--load'] : ['build']),
    '--file',
    dockerfile,
    ...tags.flatMap((t) => ['--tag', t]),
    '--label',
    `org.opencontainers.image.revision=${opts.sha}`,
    '--label',
    `org.opencontainers.image.created=${created}`,
    ...(opts.source ? ['--label', `org.opencontainers.image.source=${opts.source}`] : []),
    '--build-arg',
    `GIT_SHA=${opts.sha}`,
    '--build-arg',
    `BUILD_DATE=${created}`,
    ...Object.entries(opts.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...(opts.network ? ['--network', opts.network] : []),
    opts.context,
  ];
  log(`docker ${args.slice(0, buildx ? 2 : 1).join(' ')} ${tags.join(' ')}`);
  let built = await docker(args);
  // podman's storage can lose a cached layer to an image removal running at the same moment ("layer
  // not known"); the build is deterministic, so building again is safe. Any other failure is final.
  for (
    let attempt = 2;
    attempt <= 3 && built.code !== 0 && LAYER_RACE.test(built.stderr);
    attempt++
  ) {
    log(
      `build hit podman's layer race (${tail(built.stderr, 1)}); building again (${attempt} of 3)`,
    );
    built = await docker(args);
  }
  if (built.code !== 0) throw new BuildError('build', tail(built.stderr || built.stdout, 6));
  log(`built ${tags.join(', ')}`);
  if (!opts.push) return { image: opts.image, tags };

  for (const tag of tags) {
    await retry(
      async () => {
        const pushed = await docker(['push', tag], undefined, pushEnv);
        if (pushed.code !== 0) {
          const detail = tail(pushed.stderr || pushed.stdout, 3);
          throw new BuildError(
            'push',
            `${tag}: ${detail}`,
            'is the registry running and reachable (and insecure-listed if plain HTTP)?',
          );
        }
      },
      {
        maxAttempts: 3,
        baseDelayMs: 300,
        shouldRetry: (err) => err instanceof BuildError && TRANSIENT_PUSH_RE.test(err.message),
        onRetry: (err, attempt) =>
          log(`push attempt ${attempt} failed (${(err as Error).message}); retrying`),
      },
    );
    log(`pushed ${tag}`);
  }
  let digest: string;
  try {
    digest = await resolveDigest(
      tags[0] as string,
      opts.registryAuth ? { auth: opts.registryAuth } : {},
    );
  } catch (err) {
    throw new BuildError(
      'digest',
      `pushed ${tags[0]} but could not read its digest back: ${(err as Error).message}`,
    );
  }
  const ref = `${tags[0]}@${digest}`;
  log(`digest ${digest}`);
  return { image: opts.image, tags, digest, ref };
}
