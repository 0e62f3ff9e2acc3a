// Cold start of the installed `gitops` CLI (bin/gitops.js over the compiled dist/cli): `gitops --help`
// against `node -e 0` measured in the same run, so a loaded machine shows in both. Each command loads
// its module only when it runs; `<command> --help` shows what loading one costs. Goal: --help <= 300 ms.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, sampleNode } from './timing.js';

const RUNS = Number(process.env.RUNS ?? 15);
const GOAL_MS = 300;
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const bin = resolve(root, 'bin', 'gitops.js');

const cases: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['gitops --help', [bin, '--help']],
  ['gitops render --help', [bin, 'render', '--help']],
  ['gitops bump --help', [bin, 'bump', '--help']],
  ['gitops verify --help', [bin, 'verify', '--help']],
];

console.log(`node ${process.version}, median of ${RUNS} runs after one warm-up, to exit`);
const results = new Map<string, number>();
for (const [name, args] of cases) {
  const exits = (await sampleNode(args, RUNS)).map((s) => s.exitMs);
  const m = median(exits);
  results.set(name, m);
  console.log(
    `${name.padEnd(22)} ${`${m.toFixed(0)} ms`.padStart(8)}  (min ${Math.min(...exits).toFixed(0)}, max ${Math.max(...exits).toFixed(0)})`,
  );
}
const help = results.get('gitops --help')!;
const node = results.get('node -e 0')!;
console.log(
  `gitops --help: ${help.toFixed(0)} ms, ${(help - node).toFixed(0)} ms over node itself; goal <= ${GOAL_MS} ms: ${help <= GOAL_MS ? 'met' : 'MISSED'}`,
);
