// act applies no `on:` filters, so this checks them apart: for each push the workflow flows make
// (tests/workflows/harness/flows.ts), the committed workflows' filters start or skip each workflow
// by GitHub's rules (branches, paths, paths-ignore, types, workflows; GitHub's glob dialect).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../e2e/cluster/harness.js';
import { FLOW_PUSHES } from './harness/flows.js';
import { decideTrigger, patternToRegExp, selectedBy } from './harness/github-filters.js';
import type { TriggerEvent } from './harness/github-filters.js';

const dir = join(REPO_ROOT, '.github', 'workflows');
const workflows = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      return [f, doc.on ?? doc.true];
    }),
);

/** The workflows that start for an event, sorted. */
function started(event: TriggerEvent): string[] {
  return Object.entries(workflows)
    .filter(([, on]) => decideTrigger(on, event).runs)
    .map(([f]) => f)
    .sort();
}

const push = (p: { ref: string; files: readonly string[] }): TriggerEvent => ({
  name: 'push',
  ref: p.ref,
  changedFiles: [...p.files],
});

describe("GitHub's filter patterns", () => {
  it.each([
    ['main', 'main', true],
    ['main', 'mainline', false],
    ['releases/*', 'releases/v1', true],
    ['releases/*', 'releases/v1/x', false],
    ['releases/**', 'releases/v1/x', true],
    ['docs/**', 'docs/a/b.md', true],
    ['docs/**', 'src/docs/a.md', false],
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/x/y.md', true],
    ['*.md', 'docs/y.md', false],
    ['overlays/gke/**', 'overlays/gke/kustomization.yaml', true],
    ['overlays/gke/**', 'overlays/gke-old/kustomization.yaml', false],
    ['v2*', 'v2', true],
    ['v[12].[0-9]+.[0-9]+', 'v1.10.3', true],
    ['v[12].[0-9]+.[0-9]+', 'v3.1.0', false],
    ['feature/ab?c', 'feature/ac', true],
    ['feature/ab?c', 'feature/abbc', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(patternToRegExp(pattern).test(value)).toBe(expected);
  });

  it('applies ! patterns in order: a later pattern decides', () => {
    const patterns = ['sub/**', '!sub/docs/**', 'sub/docs/keep.md'];
    expect(selectedBy(patterns, 'sub/a.ts')).toBe(true);
    expect(selectedBy(patterns, 'sub/docs/a.md')).toBe(false);
    expect(selectedBy(patterns, 'sub/docs/keep.md')).toBe(true);
  });

  it('rejects filters GitHub rejects', () => {
    expect(() =>
      decideTrigger(
        { push: { paths: ['a'], 'paths-ignore': ['b'] } },
        push({ ref: 'refs/heads/x', files: ['a'] }),
      ),
    ).toThrow(/cannot both/);
    expect(() => patternToRegExp('a[!b]')).toThrow(/brackets/);
  });

  it('runs a push with only tag filters for tags only, and paths-ignore skips only when every file is ignored', () => {
    const tagsOnly = { push: { tags: ['v*'] } };
    expect(decideTrigger(tagsOnly, push({ ref: 'refs/heads/main', files: ['a'] })).runs).toBe(
      false,
    );
    expect(decideTrigger(tagsOnly, push({ ref: 'refs/tags/v1', files: ['a'] })).runs).toBe(true);
    const ignore = { push: { 'paths-ignore': ['docs/**'] } };
    expect(decideTrigger(ignore, push({ ref: 'refs/heads/x', files: ['docs/a.md'] })).runs).toBe(
      false,
    );
    expect(
      decideTrigger(ignore, push({ ref: 'refs/heads/x', files: ['docs/a.md', 'src/b.ts'] })).runs,
    ).toBe(true);
  });

  it('filters pull_request by activity type and base branch', () => {
    const on = { pull_request: { branches: ['main'] } };
    const pr = (action: string, baseRef: string): TriggerEvent => ({
      name: 'pull_request',
      action,
      baseRef,
      changedFiles: ['a'],
    });
    expect(decideTrigger(on, pr('opened', 'main')).runs).toBe(true);
    expect(decideTrigger(on, pr('closed', 'main')).runs).toBe(false);
    expect(decideTrigger(on, pr('opened', 'dev')).runs).toBe(false);
  });
});

describe("the committed workflows' on: filters, for the flows' pushes", () => {
  it('a source push to main starts deploy.yml only (ci.yml ignores main; deploy calls it)', () => {
    expect(started(push(FLOW_PUSHES.sourceChange))).toEqual(['deploy.yml']);
  });

  it("the bump's push starts deploy.yml (its `if:` loop guard ends it) and not promote.yml", () => {
    expect(started(push(FLOW_PUSHES.bump))).toEqual(['deploy.yml']);
  });

  it('a hand-made revert of a bump (overlays/minikube only) reaches deploy.yml: it is verified', () => {
    expect(started(push(FLOW_PUSHES.handRevertOfBump))).toEqual(['deploy.yml']);
  });

  it('the promotion branch push starts CI (ci.yml), nothing that deploys', () => {
    expect(started(push(FLOW_PUSHES.promotionBranch))).toEqual(['ci.yml']);
  });

  it("the promotion's merge (overlays/gke only) starts promote.yml's verify-gke, not deploy.yml", () => {
    expect(started(push(FLOW_PUSHES.promotionMerge))).toEqual(['promote.yml']);
  });

  it('a hand edit of an overlay is verified like a release: minikube by deploy.yml, gke by promote.yml', () => {
    const edit = (env: string) =>
      push({ ref: 'refs/heads/main', files: [`overlays/${env}/kustomization.yaml`] });
    expect(started(edit('minikube'))).toEqual(['deploy.yml']);
    expect(started(edit('gke'))).toEqual(['promote.yml']);
    // A deploy/ change reaches minikube through a source run (paths-ignore does not skip it).
    expect(started(push({ ref: 'refs/heads/main', files: ['deploy/deployment.yaml'] }))).toEqual([
      'deploy.yml',
    ]);
  });

  it('a docs-only push starts nothing', () => {
    expect(started(push(FLOW_PUSHES.docsOnly))).toEqual([]);
  });

  it('a completed deploy run on main starts promote.yml; on another branch, or another workflow, nothing', () => {
    const run = (workflowName: string, headBranch: string): TriggerEvent => ({
      name: 'workflow_run',
      action: 'completed',
      workflowName,
      headBranch,
    });
    expect(started(run('deploy', 'main'))).toEqual(['promote.yml']);
    expect(started(run('deploy', 'feature'))).toEqual([]);
    expect(started(run('ci', 'main'))).toEqual([]);
    expect(started({ ...run('deploy', 'main'), action: 'requested' })).toEqual([]);
  });

  it('the merge queue and pull requests run CI', () => {
    expect(started({ name: 'merge_group', action: 'checks_requested' })).toEqual(['ci.yml']);
    expect(
      started({
        name: 'pull_request',
        action: 'opened',
        baseRef: 'main',
        changedFiles: ['overlays/gke/kustomization.yaml'],
      }),
    ).toEqual(['ci.yml']);
  });

  it('workflow_dispatch runs deploy, promote and e2e by hand', () => {
    expect(started({ name: 'workflow_dispatch' })).toEqual([
      'deploy.yml',
      'e2e.yml',
      'promote.yml',
    ]);
  });
});

// The fast path: deploy.yml's first job classifies a push as `overlays` (every changed file under
// overlays/: manifest checks and verify only) or `source` (CI, image build, bump). Its committed
// script runs here with bash on real commits, with the variables the workflow gives it.
describe("deploy.yml's classify step (the fast path), run on real commits", () => {
  const deploy = parse(readFileSync(join(dir, 'deploy.yml'), 'utf8')) as {
    jobs: { changes: { steps: { id?: string; run?: string }[] } };
  };
  const script = deploy.jobs.changes.steps.find((s) => s.id === 'classify')?.run ?? '';
  let repo = '';
  const commits: Record<string, string> = {};
  const g = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  const commit = (name: string, files: Record<string, string>): void => {
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, f)), { recursive: true });
      writeFileSync(join(repo, f), text);
    }
    g('add', '-A');
    g('commit', '--quiet', '-m', name);
    commits[name] = g('rev-parse', 'HEAD');
  };

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'classify-'));
    g('init', '--quiet', '--initial-branch=main');
    commit('base', { 'service/src/main.ts': '1\n', 'overlays/minikube/kustomization.yaml': '1\n' });
    commit('bump', { 'overlays/minikube/kustomization.yaml': '2\n' });
    commit('hand edit of both overlays', {
      'overlays/minikube/kustomization.yaml': '3\n',
      'overlays/gke/kustomization.yaml': '3\n',
    });
    commit('source', { 'service/src/main.ts': '2\n' });
    commit('docs and overlay', {
      'docs/troubleshooting.md': 'x\n',
      'overlays/minikube/kustomization.yaml': '4\n',
    });
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  /** Runs the step at main's tip; its outputs, or its ::error:: line when it fails. */
  function classify(vars: Record<string, string>): Record<string, string> {
    const out = join(repo, '..', `${repo.split('/').pop()}-output`);
    writeFileSync(out, '');
    const env = {
      PATH: process.env.PATH ?? '',
      GITHUB_OUTPUT: out,
      EVENT: 'push',
      REF: 'refs/heads/main',
      BEFORE: '',
      AFTER: g('rev-parse', 'HEAD'),
      INPUT_SHA: '',
      INPUT_FORCE: '',
      ...vars,
    };
    let failed: string | undefined;
    try {
      execFileSync('bash', ['-c', script], { cwd: repo, env, encoding: 'utf8' });
    } catch (err) {
      const stdout = String((err as { stdout?: string }).stdout ?? '');
      failed = /::error::(.*)/.exec(stdout)?.[1] ?? stdout;
    }
    const text = readFileSync(out, 'utf8');
    rmSync(out);
    if (failed !== undefined) return { error: failed };
    return Object.fromEntries(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=', 2)),
    );
  }
  const pushed = (before: string, after: string) =>
    classify({ BEFORE: commits[before]!, AFTER: commits[after]! });

  it('a push that changes only overlays/ takes the fast path', () => {
    expect(pushed('base', 'bump')).toEqual({ kind: 'overlays', sha: commits.bump, force: 'false' });
    expect(pushed('bump', 'hand edit of both overlays').kind).toBe('overlays');
  });

  it('anything else outside overlays/ in the same push, or an unknown before, is a source change', () => {
    expect(pushed('hand edit of both overlays', 'source')).toMatchObject({ kind: 'source' });
    expect(pushed('base', 'source')).toMatchObject({ kind: 'source', sha: commits.source });
    expect(pushed('source', 'docs and overlay').kind).toBe('source');
    // A new branch (GitHub sends zeros) or a before the clone lacks (a force push).
    expect(classify({ BEFORE: '0'.repeat(40), AFTER: commits.bump! }).kind).toBe('source');
    expect(classify({ BEFORE: 'f'.repeat(40), AFTER: commits.bump! }).kind).toBe('source');
  });

  it('workflow_dispatch deploys a commit of main, with force only when asked', () => {
    const dispatch = (vars: Record<string, string>) =>
      classify({ EVENT: 'workflow_dispatch', ...vars });
    expect(dispatch({})).toEqual({ kind: 'source', sha: g('rev-parse', 'HEAD'), force: 'false' });
    expect(dispatch({ INPUT_SHA: commits.source!, INPUT_FORCE: 'true' })).toEqual({
      kind: 'source',
      sha: commits.source,
      force: 'true',
    });
    expect(dispatch({ INPUT_SHA: 'abc' }).error).toMatch(/^input sha: expected a full 40-hex/);
    expect(dispatch({ INPUT_SHA: 'f'.repeat(40) }).error).toMatch(
      /not a commit in the history of main/,
    );
    expect(dispatch({ REF: 'refs/heads/feature' }).error).toMatch(/main only/);
  });
});
