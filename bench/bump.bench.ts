// Cost of a bump (edit, commit, push to a local bare remote): on a pre-cloned repository, and when
// bumpOverlay clones the remote itself (local path = hardlinked clone; file:// URL = blobless partial clone).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bumpOverlay } from '../gitops/flows/bump.js';
import { setImage } from '../gitops/rules/kustomization.js';
import { createGitFixture, fixtureBump } from '../tests/helpers/git-fixture.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const CLONE_RUNS = Number(process.env.BENCH_CLONE_RUNS ?? 10);

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
  return `n=${s.length} median=${at(0.5).toFixed(1)}ms p95=${at(0.95).toFixed(1)}ms min=${(s[0] ?? NaN).toFixed(1)}ms max=${(s[s.length - 1] ?? NaN).toFixed(1)}ms`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const fx = await createGitFixture({ appCommits: RUNS + 2 * CLONE_RUNS + 2 });
const opts = (repo: string, sha: string) => fixtureBump(repo, sha);

try {
  const clone = await fx.clone('bench');
  let next = 1;
  // Warm-up (module loading, git's first spawn) is not measured.
  await bumpOverlay(opts(clone, fx.commits[next++] as string));

  const pushed: number[] = [];
  for (let i = 0; i < RUNS; i += 1)
    pushed.push(await timed(() => bumpOverlay(opts(clone, fx.commits[next++] as string))));
  console.log(
    `bump on a pre-cloned repo (edit+commit+push):   ${stats(pushed)}  goal: median < 300ms`,
  );

  const sha = fx.commits[next - 1] as string;
  const noop: number[] = [];
  for (let i = 0; i < 10; i += 1) noop.push(await timed(() => bumpOverlay(opts(clone, sha))));
  console.log(`repeat for the deployed SHA (unchanged, no-op): ${stats(noop)}`);

  const viaPath: number[] = [];
  for (let i = 0; i < CLONE_RUNS; i += 1)
    viaPath.push(await timed(() => bumpOverlay(opts(fx.remote, fx.commits[next++] as string))));
  console.log(`bump cloning the remote (local path):           ${stats(viaPath)}`);

  const viaUrl: number[] = [];
  for (let i = 0; i < CLONE_RUNS; i += 1) {
    viaUrl.push(
      await timed(() => bumpOverlay(opts(`file://${fx.remote}`, fx.commits[next++] as string))),
    );
  }
  console.log(`bump cloning the remote (file:// blobless):      ${stats(viaUrl)}`);

  // Clone strategies alone, for the record: full vs blobless vs shallow (shallow cannot answer ancestry).
  for (const [label, args] of [
    ['full clone', []],
    ['--filter=blob:none', ['--filter=blob:none']],
    ['--depth=1', ['--depth=1']],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-clone-'));
      const t0 = performance.now();
      execFileSync('git', [
        'clone',
        '-q',
        '--single-branch',
        '--branch',
        'main',
        ...args,
        `file://${fx.remote}`,
        join(dir, 'c'),
      ]);
      times.push(performance.now() - t0);
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `git clone file:// ${label.padEnd(20)} ${stats(times)} (${fx.commits.length + RUNS} commits)`,
    );
  }
  // Parsing is linear: setImage on kustomizations of growing size up to the 1 MiB cap (one long images list).
  for (const entries of [1000, 4000, 16000]) {
    let text = 'images:\n';
    for (let i = 0; i < entries; i += 1) text += `  - name: img${i}\n    newTag: v${i}\n`;
    const times: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const t0 = performance.now();
      setImage(text, { name: `img${entries - 1}`, newTag: 'v2' });
      times.push(performance.now() - t0);
    }
    console.log(
      `setImage on ${(text.length / 1024).toFixed(0).padStart(4)} KiB (${String(entries).padStart(5)} entries) ${stats(times)}`,
    );
  }
} finally {
  await fx.cleanup();
}
