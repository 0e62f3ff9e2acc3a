// Cold start of each bundled action: from spawning `node dist/index.cjs` to its first line on stdout,
// and to its exit, with an invalid input so it stops right after loading and validating (the runner pays
// this load time on every step). Median of RUNS runs after one warm-up (page cache); goal < 300 ms.
// On the Node 24 the runner uses for `runs.using: node24` (tools/node24), not the machine's Node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24 } from '../tests/helpers/node24.js';
import { median, sampleNode } from './timing.js';

const RUNS = Number(process.env.RUNS ?? 10);
const GOAL_MS = 300;
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const node = node24();

// One input per action that fails validation at once (the same path every real run goes through first).
const badInput: Record<string, Record<string, string>> = {
  lint: { INPUT_ESLINT: 'maybe' },
  test: { INPUT_FORMAT: 'xml' },
  'build-push': {},
  'bump-overlay': {},
  promote: {},
  'verify-rollout': {},
};

const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
writeFileSync(join(dir, 'output'), '');
writeFileSync(join(dir, 'summary'), '');
const baseEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GITHUB_OUTPUT: join(dir, 'output'),
  GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  RUNNER_TEMP: dir,
  GITHUB_WORKSPACE: dir,
};

console.log(
  `node ${spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim()}, ${RUNS} runs per action after one warm-up, goal < ${GOAL_MS} ms to the first line`,
);
console.log(
  `${'action'.padEnd(16)} ${'size KiB'.padStart(9)} ${'first line'.padStart(11)} ${'exit'.padStart(9)} ${'min-max first'.padStart(15)}`,
);
let slow = 0;
try {
  // Node itself, for scale: what no bundle can go below on this machine right now.
  const empty = join(dir, 'empty.cjs');
  writeFileSync(empty, '');
  const bare = (await sampleNode([empty], RUNS, baseEnv, node)).map((s) => s.exitMs);
  console.log(
    `${'(node, empty)'.padEnd(16)} ${'0'.padStart(9)} ${''.padStart(11)} ${`${median(bare).toFixed(0)} ms`.padStart(9)}`,
  );
  for (const [name, inputs] of Object.entries(badInput)) {
    const bundle = join(root, 'actions', name, 'dist', 'index.cjs');
    if (!existsSync(bundle)) {
      console.log(`${name.padEnd(16)} (no bundle: run npm run bundle)`);
      continue;
    }
    const env = { ...baseEnv, ...inputs };
    const samples = await sampleNode([bundle], RUNS, env, node);
    const first = samples.map((s) => s.firstLineMs);
    const m = median(first);
    if (m >= GOAL_MS) slow += 1;
    console.log(
      `${name.padEnd(16)} ${(statSync(bundle).size / 1024).toFixed(0).padStart(9)} ${`${m.toFixed(0)} ms`.padStart(11)} ${`${median(samples.map((s) => s.exitMs)).toFixed(0)} ms`.padStart(9)} ${`${Math.min(...first).toFixed(0)}-${Math.max(...first).toFixed(0)} ms`.padStart(15)}${m >= GOAL_MS ? '  over goal' : ''}`,
    );
    // Lazy chunks (dist/*.cjs besides index.cjs) load only when a run needs them: time loading each alone.
    for (const chunk of readdirSync(join(root, 'actions', name, 'dist'))
      .filter((f) => f !== 'index.cjs')
      .sort()) {
      const file = join(root, 'actions', name, 'dist', chunk);
      const loader = ['-e', `require(${JSON.stringify(file)})`];
      const loads = (await sampleNode(loader, RUNS, env, node)).map((s) => s.exitMs);
      console.log(
        `${`  + ${chunk}`.padEnd(16)} ${(statSync(file).size / 1024).toFixed(0).padStart(9)} ${''.padStart(11)} ${`${median(loads).toFixed(0)} ms`.padStart(9)}  (node + load, when the run needs it)`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  slow
    ? `${slow} action(s) over the ${GOAL_MS} ms goal`
    : `all actions under the ${GOAL_MS} ms goal`,
);
