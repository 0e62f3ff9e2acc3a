// Bundles service/src/main.ts with esbuild into one ESM file plus the model, so the runtime image
// needs neither node_modules nor TypeScript. Usage: node service/scripts/bundle.mjs [--out DIR]
// CORRUPT_MODEL=true writes a truncated model instead: the "bad release" image rollouts must refuse.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const serviceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: 'build/service-bundle' } },
});
const out = resolve(values.out);
const pkg = JSON.parse(await readFile(join(serviceDir, 'package.json'), 'utf8'));

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: [join(serviceDir, 'src/main.ts')],
  outfile: join(out, 'main.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24', // the image's Node (service/Dockerfile)
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { __SERVICE_VERSION__: JSON.stringify(pkg.version) },
  // express and its dependencies are CommonJS and call require() for node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

const model = await readFile(join(serviceDir, 'model/model.json'), 'utf8');
await mkdir(join(out, 'model'), { recursive: true });
const corrupt = process.env.CORRUPT_MODEL === 'true';
// Truncation is what a broken upload or a half-written artifact looks like.
await writeFile(join(out, 'model/model.json'), corrupt ? model.slice(0, 200) : model);
// Which commit this bundle was built from; in the image it also makes the layer differ per SHA.
const buildInfo = {
  sha: process.env.GIT_SHA || 'unknown',
  built: process.env.BUILD_DATE || 'unknown',
  corruptModel: corrupt,
};
await writeFile(join(out, 'build-info.json'), `${JSON.stringify(buildInfo)}\n`);
console.log(
  `bundle: wrote ${join(out, 'main.mjs')} and ${corrupt ? 'a CORRUPT (truncated)' : 'the'} model`,
);
