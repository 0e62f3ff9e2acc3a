/** Checks, before any side effect, that the tools the pipeline drives are here, and reads the source commit. */
import { ENGINE_HINT } from '../../gitops/adapters/container-engine.js';
import { GitopsError } from '../../gitops/errors.js';
import { Git } from '../../gitops/adapters/git.js';
import { runProcess } from '../../gitops/adapters/process.js';

export const SETUP_HINT =
  "run 'bash scripts/setup.sh' (installs podman, the registry and the rest)";

/** A required tool is missing or does not answer; the message is the one line to print. */
export class PreflightError extends GitopsError {
  constructor(message: string) {
    super(message, 'PREFLIGHT');
  }
}

/** The commit the pipeline ships, and whether the working tree differs from it. */
export interface SourceState {
  sha: string;
  dirty: boolean;
  /** Up to 10 changed paths (`git status --porcelain` lines). */
  changes: string[];
}

/** Fails with one line when `cmd` cannot be started at all. */
async function requireTool(
  cmd: string,
  args: string[],
  message: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  try {
    const res = await runProcess(cmd, args, { env, timeoutMs: 15_000 });
    return res.code === 0 ? res.stdout.trim() : '';
  } catch (err) {
    if ((err as GitopsError).code === 'MISSING_TOOL') throw new PreflightError(message);
    throw err;
  }
}

/** What preflight needs to know about the run. */
export interface PreflightOptions {
  env: NodeJS.ProcessEnv;
  /** The docker-registry binary is needed only when the pipeline has to start the loopback registry. */
  needRegistryServer: boolean;
}

/** Checks git, the docker CLI and a container engine answering it, kubectl or kustomize, docker-registry if needed. */
export async function checkTools(
  opts: PreflightOptions,
): Promise<{ engine: string; renderer: string }> {
  const { env } = opts;
  await requireTool('git', ['--version'], 'no git: install git (apt-get install git)', env);
  await requireTool(
    'docker',
    ['--version'],
    `no docker CLI: ${SETUP_HINT} and install the docker CLI (apt-get install docker.io or docker-ce-cli)`,
    env,
  );
  const engine = await runProcess('docker', ['version', '--format', '{{.Server.Version}}'], {
    env,
    timeoutMs: 15_000,
  });
  if (engine.code !== 0 || engine.stdout.trim() === '') {
    const where = env.DOCKER_HOST ? ` at ${env.DOCKER_HOST}` : '';
    throw new PreflightError(`no container engine answers${where}: ${ENGINE_HINT}`);
  }
  let renderer = await requireTool('kustomize', ['version'], '', env).catch(() => '');
  if (renderer) renderer = `kustomize ${renderer}`;
  else {
    const kubectl = await requireTool(
      'kubectl',
      ['version', '--client', '-o', 'yaml'],
      'no kustomize or kubectl: install kubectl (it includes kustomize) or kustomize v5',
      env,
    );
    renderer = `kubectl ${/gitVersion: (\S+)/.exec(kubectl)?.[1] ?? ''}`.trim();
  }
  if (opts.needRegistryServer) {
    await requireTool(
      'docker-registry',
      ['--version'],
      `no registry answers and no docker-registry to start one: ${SETUP_HINT}`,
      env,
    );
  }
  return {
    engine: `docker API ${engine.stdout.trim()}${env.DOCKER_HOST ? ` at ${env.DOCKER_HOST}` : ''}`,
    renderer,
  };
}

/** HEAD's full SHA and whether tracked or untracked (not ignored) files differ from it. */
export async function readSource(repoRoot: string): Promise<SourceState> {
  const git = new Git(repoRoot);
  const sha = await git.run(['rev-parse', 'HEAD']);
  // Untracked files count: the image build copies whole folders, so they would end up in the image.
  const status = await git.run(['status', '--porcelain', '--untracked-files=normal']);
  const changes = status.split('\n').filter((l) => l.trim() !== '');
  return { sha, dirty: changes.length > 0, changes: changes.slice(0, 10) };
}
