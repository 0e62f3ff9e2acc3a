// act applies no `on:` filters, so this checks them apart: for each push the workflow flows make
// (tests/workflows/harness/flows.ts), the committed workflows' filters start or skip each workflow
// by GitHub's rules (branches, paths, paths-ignore, types, workflows; GitHub's glob dialect).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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
