// Bundles every custom action (actions/<name>/src/index.ts) into its committed actions/<name>/dist/index.cjs,
// and the gitops CLI (gitops/cli/index.ts) into dist/cli/, which bin/gitops.js runs.
//
// The CLI is ES modules split per command (esbuild splitting): `gitops --help` parses only the small entry,
// and a command's module (with yaml, or the Kubernetes client for verify) loads when that command runs. Its
// npm dependencies stay external: the package installs them (package.json dependencies).
//
// Why CommonJS: @actions/core 3 and @actions/github 9 are ESM-only, but an ESM-format bundle of them
// crashes at load on `Dynamic require of "net"`; esbuild's CJS output runs them. The root package.json
// says "type": "module", so the file must be named .cjs for Node to load it as CommonJS.
// Why deterministic: scripts/check-dist.sh rebuilds and compares byte for byte, so the output must not
// depend on time, machine or build order (esbuild's output is a pure function of its inputs and options).
//
// Lazy chunks: a module actions/<name>/src/<chunk>.chunk.ts becomes its own dist/<chunk>.cjs, and the
// entry's dynamic `import('./<chunk>.chunk.js')` loads that file at run time. Heavy parts (schemas, the
// Kubernetes client) are then parsed only when used, so a start (or a bad-input failure) stays fast.
// A chunk repeats the small shared modules it uses (errors.ts...): code must not rely on `instanceof`
// across the chunk boundary (runAction formats errors by shape for this reason).
//
// Usage: node scripts/bundle.mjs [--outdir-root DIR] [--quiet] [action|cli ...]
//   --outdir-root DIR  write DIR/actions/<name>/dist/ and DIR/dist/cli/ instead of the repository's (check-dist uses this)
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const actionsDir = join(root, 'actions');

/** Bytes of a file, or of every file below a directory. */
function sizeOf(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, f) => sum + sizeOf(join(path, f)), 0);
}

/** The actions that have an entry point, in a stable order. */
export function listActions() {
  return readdirSync(actionsDir)
    .filter((name) => existsSync(join(actionsDir, name, 'src', 'index.ts')))
    .sort();
}

// ESM dependencies that read import.meta.url get an empty object in a CJS bundle; point it at the bundle file.
const importMetaShim =
  'var __bundle_import_meta_url = require("url").pathToFileURL(__filename).href;';

/** The lazy chunks of an action: base names of actions/<name>/src/*.chunk.ts, sorted. */
export function listChunks(name) {
  return readdirSync(join(actionsDir, name, 'src'))
    .filter((f) => f.endsWith('.chunk.ts'))
    .map((f) => f.slice(0, -'.chunk.ts'.length))
    .sort();
}

// Turns `import('./<chunk>.chunk.js')` into a run-time load of the sibling dist/<chunk>.cjs.
const lazyChunkPlugin = {
  name: 'lazy-chunks',
  setup(build) {
    build.onResolve({ filter: /^\.\/[\w-]+\.chunk\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') {
        return {
          errors: [
            { text: `${args.path} must be loaded with a dynamic import() to stay a lazy chunk` },
          ],
        };
      }
      return { path: args.path.replace(/\.chunk\.js$/, '.cjs'), external: true };
    });
  },
};

// @actions/core imports its OIDC client at load, and through it @actions/http-client and undici (~420 KiB,
// most of every bundle, parsed and initialised on every start), although only core.getIDToken() uses
// them. Core's import is resolved to a shim that require()s the real module inside getIDToken(): no
// action calls it, so esbuild drops the shim and undici with it (a caller would get the real client).
// This is what keeps the cold start near node's own start-up time (bench/action-cold-start.bench.ts).
const lazyOidcPlugin = {
  name: 'lazy-oidc',
  setup(build) {
    build.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) => {
      if (!/[\\/]@actions[\\/]core[\\/]lib[\\/]core\.js$/.test(args.importer)) return undefined;
      return { path: 'oidc-utils', namespace: 'lazy-oidc', pluginData: dirname(args.importer) };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-oidc' }, (args) => ({
      contents:
        'export class OidcClient {\n' +
        "  static getIDToken(aud) { return require('./oidc-utils.js').OidcClient.getIDToken(aud); }\n" +
        '}\n',
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

/** esbuild options for one bundle of an action (`entry` in its src/), written to the absolute outfile. */
export function buildOptions(name, outfile, entry = 'index.ts') {
  return {
    absWorkingDir: root,
    entryPoints: [join(actionsDir, name, 'src', entry)],
    outfile,
    plugins: [lazyChunkPlugin, lazyOidcPlugin],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    banner: { js: importMetaShim },
    define: { 'import.meta.url': '__bundle_import_meta_url' },
    minify: true,
    keepNames: true,
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'silent',
    metafile: false,
    write: true,
  };
}

/** esbuild options for the CLI: ESM, one chunk per lazily imported command, dependencies external. */
export function cliBuildOptions(outdir) {
  return {
    absWorkingDir: root,
    entryPoints: { index: join(root, 'gitops', 'cli', 'index.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    minify: false,
    keepNames: true,
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'silent',
    write: true,
  };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'outdir-root': { type: 'string' }, quiet: { type: 'boolean', default: false } },
  });
  const known = [...listActions(), 'cli'];
  const unknown = positionals.filter((name) => !known.includes(name));
  if (unknown.length) {
    console.error(`bundle: unknown action(s): ${unknown.join(', ')} (known: ${known.join(', ')})`);
    process.exit(2);
  }
  const names = positionals.length ? positionals : known;
  const outRoot = values['outdir-root'] ? resolve(values['outdir-root']) : root;
  const started = Date.now();
  const cliDir = join(outRoot, 'dist', 'cli');
  const jobs = names.flatMap((name) =>
    name === 'cli'
      ? [{ name, outfile: cliDir, options: cliBuildOptions(cliDir) }]
      : [
          { name, entry: 'index.ts', outfile: join(outRoot, 'actions', name, 'dist', 'index.cjs') },
          ...listChunks(name).map((chunk) => ({
            name,
            entry: `${chunk}.chunk.ts`,
            outfile: join(outRoot, 'actions', name, 'dist', `${chunk}.cjs`),
          })),
        ],
  );
  const results = await Promise.allSettled(
    jobs.map(async ({ name, entry, outfile, options }) => {
      if (options) rmSync(outfile, { recursive: true, force: true });
      else mkdirSync(dirname(outfile), { recursive: true });
      const result = await esbuild.build(options ?? buildOptions(name, outfile, entry));
      return { name, outfile, warnings: result.warnings };
    }),
  );
  let failed = 0;
  for (const [i, res] of results.entries()) {
    const name = relative(root, jobs[i].outfile);
    if (res.status === 'rejected') {
      failed += 1;
      const errors = res.reason?.errors ?? [];
      const text = errors.length
        ? (await esbuild.formatMessages(errors, { kind: 'error' })).join('\n')
        : String(res.reason?.stack ?? res.reason);
      console.error(`bundle: ${name} failed\n${text}`);
      continue;
    }
    if (res.value.warnings.length) {
      const text = await esbuild.formatMessages(res.value.warnings, { kind: 'warning' });
      console.error(`bundle: ${name} warnings\n${text.join('\n')}`);
    }
    if (!values.quiet) {
      const kib = (sizeOf(res.value.outfile) / 1024).toFixed(1);
      console.log(`bundle: ${relative(root, res.value.outfile)} ${kib} KiB`);
    }
  }
  if (!values.quiet)
    console.log(
      `bundle: ${jobs.length - failed}/${jobs.length} files built in ${Date.now() - started} ms`,
    );
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
