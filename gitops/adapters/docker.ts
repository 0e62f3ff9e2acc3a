/** The docker CLI (Docker, or podman serving the Docker API), run through the one process runner. */
import { MissingToolError } from '../errors.js';
import { ENGINE_HINT, containerEngineEnv } from './container-engine.js';
import { runProcess } from './process.js';
import type { ProcessResult } from './process.js';

/** Runs the docker CLI; resolves with its exit code (MissingToolError when docker is not installed). */
export function docker(
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProcessResult> {
  return runProcess('docker', args, {
    input,
    // Finds the engine setup started (podman's socket) when the user exported nothing.
    env: containerEngineEnv(env),
    installHint: 'install the docker CLI (and an engine: Docker, or podman serving the Docker API)',
  });
}

/** The last `lines` non-empty lines of a command's output, joined on one line for an error message. */
export function outputTail(text: string, lines = 4): string {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}

/** Throws MissingToolError unless the docker CLI exists and an engine answers `docker version`. */
export async function checkDocker(): Promise<{ server: string; buildx: boolean }> {
  const res = await docker(['version', '--format', '{{.Server.Version}}']);
  if (res.code !== 0 || res.stdout.trim() === '') {
    throw new MissingToolError(
      'docker engine',
      `the docker CLI found no engine (${outputTail(res.stderr, 1) || 'no answer'}); ${ENGINE_HINT}`,
    );
  }
  const buildx = (await docker(['buildx', 'version'])).code === 0;
  return { server: res.stdout.trim(), buildx };
}
