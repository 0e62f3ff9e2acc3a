// The CLI as a user installs it: `npm pack` of this repository, the tarball installed into an empty folder,
// then `npx gitops --help` and `gitops render` there. No tsx, no sources: only what the package ships
// (bin/ and the compiled dist/cli/) and its declared dependencies. npm takes them from its cache (filled
// by the repository's own install) and asks the registry only for what the cache lacks.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve('.');

let dir: string;
let project: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gitops-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: repo,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((f) => f.path);
  // Only the runtime: the bin, the compiled CLI and the package's own metadata.
  expect(files.filter((f) => !/^(bin\/|dist\/cli\/|package\.json$|README\.md$)/.test(f))).toEqual(
    [],
  );
  expect(files).toContain('dist/cli/index.js');
  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"empty-project","private":true}\n');
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed!.filename)],
    { cwd: project, timeout: 240_000 },
  );
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the installed package holds no TypeScript and no tsx', () => {
  const pkg = join(project, 'node_modules', 'score-api-gitops');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  expect(walk(pkg).filter((f) => f.endsWith('.ts'))).toEqual([]);
  expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
});

test('npx gitops --help lists the commands', async () => {
  const { stdout } = await run('npx', ['--no', '--', 'gitops', '--help'], { cwd: project });
  expect(stdout).toMatch(/^Usage: gitops <command>/);
  for (const name of ['bump', 'render', 'promote', 'build', 'verify', 'revert'])
    expect(stdout).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
});

test('gitops render renders an overlay with the real Kustomize', async () => {
  const overlay = join(project, 'overlay');
  mkdirSync(overlay);
  writeFileSync(
    join(overlay, 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {k: v}\n',
  );
  writeFileSync(join(overlay, 'kustomization.yaml'), 'resources:\n  - cm.yaml\nnamePrefix: app-\n');
  const bin = join(project, 'node_modules', '.bin', 'gitops');
  const { stdout } = await run(bin, ['render', '--overlay', 'overlay', '--json'], {
    cwd: project,
  });
  expect(JSON.parse(stdout)).toMatchObject({ resources: ['ConfigMap/app-settings'] });
});
