// action.yml, the README tables and the entry points' own defaults must agree: the runner fills in
// action.yml defaults, but the bundles also run without them (tests, local runs), so both must match.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { readInputs as buildPushInputs } from '../../../actions/build-push/src/main.js';
import { readInputs as bumpInputs } from '../../../actions/bump-overlay/src/main.js';
import { readInputs as lintInputs } from '../../../actions/lint/src/main.js';
import { readInputs as promoteInputs } from '../../../actions/promote/src/main.js';
import { readInputs as testInputs } from '../../../actions/test/src/main.js';
import { readInputs as verifyInputs } from '../../../actions/verify-rollout/src/main.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { recordingRuntime } from './recording-runtime.js';

interface ActionSpec {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const actionsDir = fileURLToPath(new URL('../../../actions/', import.meta.url));
const names = readdirSync(actionsDir)
  .filter((n) => existsSync(join(actionsDir, n, 'action.yml')))
  .sort();
const specs = Object.fromEntries(
  names.map((n) => [
    n,
    parse(readFileSync(join(actionsDir, n, 'action.yml'), 'utf8')) as ActionSpec,
  ]),
);
const readme = readFileSync(join(actionsDir, 'README.md'), 'utf8');

test('the six actions exist and run the committed CJS bundle on node24', () => {
  expect(names).toEqual([
    'build-push',
    'bump-overlay',
    'lint',
    'promote',
    'test',
    'verify-rollout',
  ]);
  for (const n of names) {
    expect(specs[n]!.runs).toEqual({ using: 'node24', main: 'dist/index.cjs' });
    expect(existsSync(join(actionsDir, n, 'src', 'index.ts'))).toBe(true);
  }
});

describe.each(names)('README table of %s', (name) => {
  const start = readme.indexOf(`<!-- action-table:${name} -->`);
  const end = readme.indexOf(`<!-- /action-table:${name} -->`);
  const block = readme.slice(start, end);
  const spec = specs[name]!;

  test('lists exactly the inputs and outputs of action.yml, with required and default', () => {
    expect(start).toBeGreaterThanOrEqual(0);
    const listed = Array.from(block.matchAll(/^\| `([^`]+)` \|/gm), (m) => m[1]);
    expect(listed).toEqual([...Object.keys(spec.inputs), ...Object.keys(spec.outputs)]);
    for (const [input, def] of Object.entries(spec.inputs)) {
      const dflt = def.default === undefined ? '' : `\`${def.default}\``;
      expect(block).toContain(`| \`${input}\` | ${def.required ? 'yes' : 'no'} | ${dflt} |`);
    }
  });

  test('has a usage snippet', () => {
    expect(readme).toContain(`uses: ./actions/${name}\n`);
  });
});

describe('actions/README.md is generated from action.yml (scripts/actions-readme.mjs)', () => {
  const script = fileURLToPath(new URL('../../../scripts/actions-readme.mjs', import.meta.url));

  test('--check passes: every table is what the generator writes today', () => {
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toContain('actions/README.md matches every action.yml');
  });

  test('a changed description in action.yml is drift the check reports', async () => {
    // Loaded at run time: the script is plain JavaScript without type declarations.
    const generator = (await import(pathToFileURL(script).href)) as {
      loadActions(): { name: string; spec: ActionSpec }[];
      updateReadme(text: string, actions: { name: string; spec: ActionSpec }[]): string;
    };
    const actions = generator.loadActions();
    expect(generator.updateReadme(readme, actions)).toBe(readme);
    const lint = actions.find((a) => a.name === 'lint')!;
    lint.spec.outputs.errors!.description = 'Changed in action.yml only.';
    const regenerated = generator.updateReadme(readme, actions);
    expect(regenerated).not.toBe(readme);
    expect(regenerated).toContain('| `errors` | Changed in action.yml only. |');
  });
});

describe('action.yml defaults equal the entry points defaults', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'defaults-'));
    mkdirSync(join(ws, '.git'));
    for (const env of ['minikube', 'gke']) {
      mkdirSync(join(ws, 'overlays', env), { recursive: true });
      writeFileSync(join(ws, 'overlays', env, 'kustomization.yaml'), 'resources: []\n');
    }
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  const required: Record<string, Record<string, string>> = {
    'build-push': { image: 'registry.example/score-api' },
    'bump-overlay': {
      overlay: 'overlays/minikube',
      image: 'score-api',
      digest: `sha256:${'a'.repeat(64)}`,
    },
    lint: {},
    promote: { from: 'overlays/minikube', to: 'overlays/gke' },
    test: {},
    'verify-rollout': { app: 'a', revision: 'b'.repeat(40), deployment: 'd', namespace: 'n' },
  };
  const readers: Record<string, (rt: ActionRuntime) => unknown> = {
    'build-push': buildPushInputs,
    'bump-overlay': bumpInputs,
    lint: lintInputs,
    promote: promoteInputs,
    test: testInputs,
    'verify-rollout': verifyInputs,
  };

  test.each(names)('%s', (name) => {
    const env = {
      GITHUB_WORKSPACE: ws,
      GITHUB_SHA: 'c'.repeat(40),
      GITHUB_TOKEN: 't',
      GITHUB_REPOSITORY: 'o/r',
      RUNNER_TEMP: ws,
    };
    const withDefaults = Object.fromEntries(
      Object.entries(specs[name]!.inputs)
        .filter(([, d]) => d.default !== undefined)
        .map(([k, d]) => [k, String(d.default)]),
    );
    const implicit = readers[name]!(recordingRuntime(required[name]!, env).rt);
    const explicit = readers[name]!(
      recordingRuntime({ ...withDefaults, ...required[name]! }, env).rt,
    );
    expect(explicit).toEqual(implicit);
  });
});
