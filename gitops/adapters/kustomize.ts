/** Renders overlays with the real Kustomize: `kustomize build`, or `kubectl kustomize`. */
import { existsSync, statSync } from 'node:fs';
import { GitopsError, InputError, MissingToolError } from '../errors.js';
import { runProcess } from './process.js';

/** Kustomize ran but could not render the overlay; carries its stderr. */
export class RenderError extends GitopsError {
  constructor(
    readonly dir: string,
    readonly tool: string,
    readonly stderr: string,
  ) {
    super(
      `${tool} failed to render ${dir}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      'RENDER_FAILED',
    );
  }
}

interface RunResult {
  code: number | 'missing';
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[]): Promise<RunResult> {
  try {
    return await runProcess(cmd, args);
  } catch (err) {
    if (err instanceof MissingToolError) return { code: 'missing', stdout: '', stderr: '' };
    throw err;
  }
}

/** Which renderer to use: `kustomize build` when installed, else `kubectl kustomize`. */
export type Renderer = { tool: 'kustomize' | 'kubectl'; args: (dir: string) => string[] };

// Keyed by PATH: detection spawns two processes, a render should not pay for it every time.
const cache = new Map<string, Promise<Renderer>>();

/** Finds the renderer (once per PATH); MissingToolError when neither kustomize nor kubectl is installed. */
export function findRenderer(): Promise<Renderer> {
  const key = process.env.PATH ?? '';
  const hit = cache.get(key);
  if (hit) return hit;
  const found = (async () => {
    if ((await run('kustomize', ['version'])).code !== 'missing') {
      return { tool: 'kustomize', args: (dir: string) => ['build', dir] } as Renderer;
    }
    if ((await run('kubectl', ['version', '--client'])).code !== 'missing') {
      return { tool: 'kubectl', args: (dir: string) => ['kustomize', dir] } as Renderer;
    }
    cache.delete(key);
    throw new MissingToolError(
      'kustomize',
      'install kustomize or kubectl (kubectl kustomize renders overlays)',
    );
  })();
  cache.set(key, found);
  return found;
}

/** Renders an overlay with the real Kustomize and returns the multi-document YAML. */
export async function renderOverlay(dir: string): Promise<string> {
  if (
    typeof dir !== 'string' ||
    dir.trim() === '' ||
    !existsSync(dir) ||
    !statSync(dir).isDirectory()
  ) {
    throw new InputError('overlay', `'${dir}' is not a directory`);
  }
  const renderer = await findRenderer();
  const res = await run(renderer.tool, renderer.args(dir));
  if (res.code === 'missing') throw new MissingToolError(renderer.tool, 'it disappeared from PATH');
  if (res.code !== 0)
    throw new RenderError(
      dir,
      `${renderer.tool} ${renderer.args(dir)[0]}`,
      res.stderr || res.stdout,
    );
  return res.stdout;
}
