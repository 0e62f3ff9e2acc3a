// `npm run train`: trains the iris classifier from service/data/iris.csv and writes service/model/model.json.
// Options: --data PATH --out PATH --version V --seed N (env MODEL_VERSION also sets the version;
// SOURCE_DATE_EPOCH pins trainedAt so a re-run gives byte-identical output).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseLabelledCsv } from './iris-data.js';
import { trainClassifier } from './training.js';

const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Parses the command line, trains, writes the artifact atomically and prints the held-out accuracy. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: resolve(serviceDir, 'data/iris.csv') },
      out: { type: 'string', default: resolve(serviceDir, 'model/model.json') },
      version: { type: 'string', default: process.env.MODEL_VERSION ?? '1.0.0' },
      seed: { type: 'string', default: '42' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const trainedAt = epoch ? new Date(Number(epoch) * 1000) : new Date();
  if (Number.isNaN(trainedAt.getTime())) {
    throw new Error(`SOURCE_DATE_EPOCH must be seconds since 1970, got "${epoch}"`);
  }
  const data = parseLabelledCsv(await readFile(values.data, 'utf8'), values.data);
  const result = trainClassifier(data, { version: values.version, seed, trainedAt });
  await mkdir(dirname(values.out), { recursive: true });
  // Write-then-rename so a crash never leaves a half-written model behind.
  const tmp = `${values.out}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(result.artifact, null, 2)}\n`);
  await rename(tmp, values.out);
  console.log(
    `trained ${result.artifact.name}@${result.artifact.version} on ${result.trainSize} rows; ` +
      `train accuracy ${result.trainAccuracy.toFixed(4)}, ` +
      `held-out accuracy ${result.testAccuracy.toFixed(4)} (${result.testSize} rows); wrote ${values.out}`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`train: ${(err as Error).message}`);
  process.exit(1);
});
