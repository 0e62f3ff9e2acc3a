// The local pipeline's speed. (1) A bump through the pipeline's bump stage (clone of a local bare remote,
// bumpOverlay edit + commit + push, rendered before/after): median of BUMPS runs. (2) The whole
// `npm run pipeline` on a snapshot of this checkout (committed in a temporary repository), stage by stage:
// a first run (new GitOps remote, image not yet in the registry), a second run of the same commit (no-op
// bump, build reused), and a run of a new commit (the image build with a warm layer cache). Goal: < 60 s
// end to end with the image build and the container check, on 2 cores. Figures only; nothing is asserted.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { containerEngineEnv } from '../gitops/adapters/container-engine.js';
import { bumpStage } from '../scripts/pipeline/bump-stage.js';
import { Redactor } from '../gitops/rules/redact.js';
import type { PipelineConfig } from '../scripts/pipeline/defaults.js';
import type { PipelineResult } from '../scripts/pipeline/report.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BUMPS = Number(process.env.BUMPS ?? 10);
const FULL = process.env.PIPELINE_BENCH_FULL !== '0';
const GOAL_MS = 60_000;
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'b@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'b@example.com',
};
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const temps: string[] = [];
const temp = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), p));
  temps.push(d);
  return d;
};

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, min ${(s[0] ?? NaN).toFixed(0)} ms (n=${s.length})`;
}

/** A committed copy of this checkout (without node_modules, caches, build output) with node_modules linked. */
function snapshot(): string {
  const dir = temp('pipeline-bench-src-');
  execFileSync(
    'sh',
    [
      '-c',
      `tar --exclude=./node_modules --exclude=./.cache --exclude=./.git --exclude=./build -cf - . | tar -xf - -C '${dir}'`,
    ],
    { cwd: root },
  );
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  git(dir, 'init', '--quiet', '--initial-branch=main');
  appendFileSync(join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'bench snapshot');
  return dir;
}

async function benchBump(): Promise<void> {
  const work = temp('pipeline-bench-bump-');
  for (const p of ['deploy', 'overlays']) execFileSync('cp', ['-r', join(root, p), join(work, p)]);
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'manifests');
  const shas: string[] = [];
  for (let i = 0; i <= BUMPS; i += 1) {
    writeFileSync(join(work, 'app.txt'), `v${i}\n`);
    git(work, 'add', 'app.txt');
    git(work, 'commit', '--quiet', '-m', `v${i}`);
    shas.push(git(work, 'rev-parse', 'HEAD'));
  }
  const remote = join(temp('pipeline-bench-remote-'), 'remote.git');
  git(tmpdir(), 'clone', '--quiet', '--bare', work, remote);
  const config = {
    repoRoot: work,
    remote,
    branch: 'main',
    overlay: 'overlays/minikube',
    imageName: 'score-api',
    force: false,
  } as PipelineConfig;
  const ctx = { config, env: process.env, redactor: new Redactor(), log: () => undefined };
  const times: number[] = [];
  for (const [i, sha] of shas.entries()) {
    const t0 = performance.now();
    const out = await bumpStage(ctx, {
      sha,
      repository: '127.0.0.1:5000/score-api',
      digest: `sha256:${createHash('sha256').update(sha).digest('hex')}`,
    });
    if (out.bump.status !== 'committed') throw new Error(`bump ${i} was ${out.bump.status}`);
    if (i > 0) times.push(performance.now() - t0); // the first one warms the page cache
  }
  console.log(
    `bump stage (clone + render + edit + commit + push + render, local bare remote): ${stats(times)}`,
  );
}

function runPipeline(
  cwd: string,
  args: string[],
): Promise<{ code: number; wallMs: number; result?: PipelineResult; stderr: string }> {
  const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', tsx, join(root, 'scripts/pipeline/main.ts'), '--json', ...args],
      { cwd, env: process.env },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      let result: PipelineResult | undefined;
      try {
        result = JSON.parse(out) as PipelineResult;
      } catch {
        result = undefined; // reported below with the process's stderr
      }
      done({ code: code ?? 128, wallMs, result, stderr: err });
    });
  });
}

const builtImages = new Set<string>();

function printRun(label: string, run: Awaited<ReturnType<typeof runPipeline>>): void {
  const r = run.result;
  if (r?.image) builtImages.add(r.image.ref.split('@')[0] as string);
  console.log(
    `\n${label}: exit ${run.code}, wall ${(run.wallMs / 1000).toFixed(1)} s${r ? `, pipeline ${(r.totalMs / 1000).toFixed(1)} s, result ${r.result}` : ''}` +
      (r && r.result !== 'failed'
        ? ` (goal < ${GOAL_MS / 1000} s: ${run.wallMs < GOAL_MS ? 'met' : 'NOT met'})`
        : ''),
  );
  if (!r) {
    console.log(run.stderr.split('\n').slice(-15).join('\n'));
    return;
  }
  for (const s of r.stages)
    console.log(
      `  ${s.name.padEnd(9)} ${s.status.padEnd(7)} ${(s.ms / 1000).toFixed(1).padStart(6)} s${s.detail ? `  ${s.detail.slice(0, 90)}` : ''}`,
    );
  for (const s of r.deploy?.steps ?? [])
    console.log(`    deploy.${s.step.padEnd(8)} ${(s.ms / 1000).toFixed(1).padStart(6)} s`);
  if (r.error) console.log(`  error: ${r.error.split('\n').slice(0, 8).join('\n  ')}`);
}

async function benchPipeline(): Promise<void> {
  const dir = snapshot();
  const extra = (process.env.PIPELINE_BENCH_ARGS ?? '').split(' ').filter(Boolean);
  printRun(
    'first run (new GitOps remote; image not in the registry)',
    await runPipeline(dir, extra),
  );
  printRun('second run, same commit (no-op bump, build reused)', await runPipeline(dir, extra));
  writeFileSync(
    join(dir, 'service', 'src', 'bench-marker.ts'),
    `// bench ${Date.now()}\nexport {};\n`,
  );
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'bench: new commit');
  printRun('new commit (image rebuilt on a warm layer cache)', await runPipeline(dir, extra));
}

console.log(
  `machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
try {
  await benchBump();
  if (FULL) await benchPipeline();
  else console.log('whole pipeline: skipped (PIPELINE_BENCH_FULL=0)');
} finally {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
  // The engine stores images with vfs (a full copy each): drop the local copies; the registry keeps them.
  for (const ref of builtImages) {
    try {
      execFileSync(
        'docker',
        ['rmi', '--force', ref, ref.replace(/:([0-9a-f]{7})[0-9a-f]{33}$/, ':$1')],
        { env: containerEngineEnv(), stdio: 'ignore' },
      );
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
      console.log(
        `could not remove the local copy of ${ref}: ${stderr || (err as Error).message.split('\n')[0]}`,
      );
    }
  }
}
