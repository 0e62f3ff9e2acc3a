// Helpers the start-up benchmarks share: time a child process to its first output line and to its exit.
import { spawn } from 'node:child_process';

/** One timed run of a process. */
export interface Sample {
  firstLineMs: number;
  exitMs: number;
}

/** Spawns `node args` and times it to its first stdout bytes and to its exit. */
export function timeNode(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  node = process.execPath,
): Promise<Sample> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    let firstLineMs: number | undefined;
    const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', () => {
      firstLineMs ??= Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.on('error', reject);
    child.on('close', () => {
      const exitMs = Number(process.hrtime.bigint() - start) / 1e6;
      resolvePromise({ firstLineMs: firstLineMs ?? exitMs, exitMs });
    });
  });
}

/** `runs` timed runs after one warm-up run (page cache). */
export async function sampleNode(
  args: string[],
  runs: number,
  env: NodeJS.ProcessEnv = process.env,
  node = process.execPath,
): Promise<Sample[]> {
  await timeNode(args, env, node);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeNode(args, env, node));
  return samples;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
