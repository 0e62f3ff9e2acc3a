/**
 * Which container engine the docker CLI talks to, with nothing exported by the user. The one rule for
 * the library's docker calls, the pipeline, the tests and the benches (its shell twin for the setup
 * scripts is scripts/container-engine.sh): DOCKER_HOST or DOCKER_CONTEXT as the user set them; else
 * Docker's own socket when there is one; else podman's Docker API socket, which scripts/setup.sh starts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

const PODMAN_SOCKET = '/run/podman/podman.sock';
const DOCKER_SOCKET = '/var/run/docker.sock';
// podman 4 serves Docker API 1.41; a newer docker CLI would otherwise ask for a version podman refuses.
const PODMAN_API_VERSION = '1.41';

/** The variables that point the docker CLI at podman's socket; empty when the user or Docker decide. */
export function engineVariables(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): Record<string, string> {
  if (env.DOCKER_HOST || env.DOCKER_CONTEXT || exists(DOCKER_SOCKET) || !exists(PODMAN_SOCKET))
    return {};
  return {
    DOCKER_HOST: `unix://${PODMAN_SOCKET}`,
    ...(env.DOCKER_API_VERSION ? {} : { DOCKER_API_VERSION: PODMAN_API_VERSION }),
  };
}

/** A copy of `env` the docker CLI finds the engine with (see engineVariables). */
export function containerEngineEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, ...engineVariables(env) };
}

/** What to do when no engine answers: one sentence, for errors and skip reasons. */
export const ENGINE_HINT =
  `run 'bash scripts/setup.sh' (it starts podman's Docker API at ${PODMAN_SOCKET}), ` +
  'or set DOCKER_HOST to a running engine';

/** Why the docker CLI cannot reach an engine (with what to do), or undefined when one answers. */
export function containerEngineProblem(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const engineEnv = containerEngineEnv(env);
  const where = engineEnv.DOCKER_HOST ?? (engineEnv.DOCKER_CONTEXT || 'the default docker socket');
  return new Promise((resolve) => {
    execFile(
      'docker',
      ['version', '--format', '{{.Server.Version}}'],
      { env: engineEnv, timeout: 15_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT')
          resolve("the docker CLI is not installed (install Docker's docker-ce-cli)");
        else if (err || stdout.trim() === '') {
          const detail = (stderr || err?.message || 'no answer').trim().split('\n')[0];
          resolve(`no container engine answers at ${where}: ${detail} (${ENGINE_HINT})`);
        } else resolve(undefined);
      },
    );
  });
}
