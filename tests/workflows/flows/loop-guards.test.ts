// The loop guards, evaluated by act itself: an App token's push starts workflow runs (GITHUB_TOKEN's
// do not), so every commit the pipeline pushes must end its run at the first job's `if:`, and every
// commit a person pushes must not. act's dry run (`-n`) evaluates each job's `if:` against the event
// GitHub would send, without running a step. The messages are the library's own (formatBumpMessage,
// formatRevertMessage) and git's (`git revert`), not copies. The filters that start a workflow at all
// are tests/workflows/on-filters.test.ts; the flows run the guards for real (flow 1: the bump's push).
import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../e2e/cluster/harness.js';
import { formatBumpMessage, formatRevertMessage } from '../../../gitops/rules/trailers.js';
import { needs } from '../../helpers/real-parts.js';
import { ACT_ENV, actBinary, actMissing, summarize } from '../harness/act.js';
import type { ActLine } from '../harness/act.js';
import { standInsFor } from '../harness/runner.js';
import { git } from '../harness/workflow-env.js';

const guards = needs({ act: actMissing() });

const SOURCE = 'a'.repeat(40);
const DIGEST = `sha256:${'b'.repeat(64)}`;
const BUMP = formatBumpMessage({
  environment: 'minikube',
  image: 'score-api',
  ref: `localhost:5000/score-api:${SOURCE}@${DIGEST}`,
  tag: SOURCE,
  digest: DIGEST,
  sourceCommit: SOURCE,
  overlay: 'overlays/minikube',
});
const AUTO_REVERT = (environment: string, action: string): string =>
  formatRevertMessage({
    environment,
    image: 'score-api',
    revertedCommit: 'c'.repeat(40),
    revertedSubject: 'deploy(minikube): score-api aaaaaaa',
    sourceCommit: SOURCE,
    reason: 'Deployment score-api: pod score-api-1 CrashLoopBackOff',
    overlay: `overlays/${environment}`,
    revertedAction: action,
    digest: DIGEST,
  });
const REPOSITORY = { full_name: 'acme/score-api-gitops', default_branch: 'main' };

let work = '';
let handRevert = '';
beforeAll(() => {
  if (actMissing()) return;
  // A repository with the working tree's workflows and action metadata (what act reads to plan),
  // and a bump reverted by hand, for git's own revert message.
  work = mkdtempSync(join(tmpdir(), 'loop-guards-'));
  cpSync(join(REPO_ROOT, '.github'), join(work, '.github'), { recursive: true });
  for (const a of readdirSync(join(REPO_ROOT, 'actions'), { withFileTypes: true })) {
    if (!a.isDirectory()) continue;
    mkdirSync(join(work, 'actions', a.name), { recursive: true });
    cpSync(
      join(REPO_ROOT, 'actions', a.name, 'action.yml'),
      join(work, 'actions', a.name, 'action.yml'),
    );
  }
  git(tmpdir(), 'init', '--quiet', '--initial-branch=main', work);
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'workflows');
  mkdirSync(join(work, 'overlays', 'minikube'), { recursive: true });
  writeFileSync(join(work, 'overlays', 'minikube', 'kustomization.yaml'), 'images: []\n');
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', BUMP);
  git(work, 'revert', '--no-edit', 'HEAD');
  handRevert = git(work, 'log', '-1', '--format=%B');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** job id -> 'skipped' or 'started', for the jobs without `needs` (the ones a guard decides). */
async function firstJobs(
  workflow: string,
  event: string,
  payload: object,
): Promise<Record<string, 'skipped' | 'started'>> {
  const dir = mkdtempSync(join(tmpdir(), 'loop-guards-act-'));
  try {
    const eventFile = join(dir, 'event.json');
    writeFileSync(eventFile, JSON.stringify({ repository: REPOSITORY, ...payload }));
    const args = [
      event,
      '--dryrun',
      '--verbose',
      '--json',
      '--eventpath',
      eventFile,
      '--workflows',
      join('.github', 'workflows', workflow),
      '-P',
      'ubuntu-latest=-self-hosted',
      '-P',
      'self-hosted=-self-hosted',
      '-P',
      'minikube=-self-hosted',
      '--action-offline-mode',
      '--no-cache-server',
      '--action-cache-path',
      join(dir, 'cache'),
      ...Object.entries(standInsFor(work)).flatMap(([uses, d]) => [
        '--local-repository',
        `${uses}=${d}`,
      ]),
    ];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(actBinary(), args, {
        cwd: work,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...ACT_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ActLine);
    const { jobs } = summarize(lines);
    const doc = parse(readFileSync(join(work, '.github', 'workflows', workflow), 'utf8')) as {
      jobs: Record<string, { needs?: unknown }>;
    };
    const first = Object.entries(doc.jobs)
      .filter(([, j]) => j.needs === undefined)
      .map(([id]) => id);
    const result: Record<string, 'skipped' | 'started'> = {};
    for (const id of first) {
      const job = jobs.find((j) => j.id === id);
      if (!job) throw new Error(`act's dry run of ${workflow} did not report job ${id}:\n${out}`);
      result[id] = job.result === 'skipped' ? 'skipped' : 'started';
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const push = (message: string) => ({
  ref: 'refs/heads/main',
  before: 'd'.repeat(40),
  after: 'e'.repeat(40),
  head_commit: { id: 'e'.repeat(40), message },
});
const deployRun = (message: string, conclusion = 'success') => ({
  action: 'completed',
  workflow_run: {
    name: 'deploy',
    event: 'push',
    head_branch: 'main',
    conclusion,
    head_commit: { message },
  },
});

guards.describe("the workflows' loop guards, evaluated by act", () => {
  it("deploy.yml: the pipeline's bump and automatic revert end at the first job; a person's commit and a hand-made revert do not", async () => {
    expect(await firstJobs('deploy.yml', 'push', push(BUMP))).toEqual({ changes: 'skipped' });
    expect(await firstJobs('deploy.yml', 'push', push(AUTO_REVERT('minikube', 'bump')))).toEqual({
      changes: 'skipped',
    });
    expect(await firstJobs('deploy.yml', 'push', push('service: faster scoring'))).toEqual({
      changes: 'started',
    });
    expect(handRevert).toMatch(/^Revert "deploy\(minikube\)/);
    expect(await firstJobs('deploy.yml', 'push', push(handRevert))).toEqual({
      changes: 'started',
    });
    // "Run workflow" deploys whatever main's tip is, a bump included.
    expect(
      await firstJobs('deploy.yml', 'workflow_dispatch', {
        ref: 'refs/heads/main',
        inputs: { sha: '', force: 'false' },
      }),
    ).toEqual({ changes: 'started' });
  });

  it('promote.yml: only a successful deploy of a source commit opens a promotion; verify-gke skips the automatic revert only', async () => {
    expect(await firstJobs('promote.yml', 'workflow_run', deployRun('service: x'))).toEqual({
      promote: 'started',
      'verify-gke': 'skipped',
    });
    // The run the loop guard ended (all jobs skipped) concludes success on GitHub: still no promotion.
    expect(await firstJobs('promote.yml', 'workflow_run', deployRun(BUMP))).toEqual({
      promote: 'skipped',
      'verify-gke': 'skipped',
    });
    expect(
      await firstJobs('promote.yml', 'workflow_run', deployRun('service: x', 'failure')),
    ).toEqual({ promote: 'skipped', 'verify-gke': 'skipped' });
    const merge =
      'Merge pull request #7 from acme/promote/gke/sha256-aaaaaaaaaaaa\n\npromote score-api aaaaaaa to gke';
    expect(await firstJobs('promote.yml', 'push', push(merge))).toEqual({
      promote: 'skipped',
      'verify-gke': 'started',
    });
    expect(
      await firstJobs('promote.yml', 'push', push(`Revert "${merge.split('\n')[0]}"`)),
    ).toEqual({ promote: 'skipped', 'verify-gke': 'started' });
    expect(await firstJobs('promote.yml', 'push', push(AUTO_REVERT('gke', 'promote')))).toEqual({
      promote: 'skipped',
      'verify-gke': 'skipped',
    });
    expect(
      await firstJobs('promote.yml', 'workflow_dispatch', {
        ref: 'refs/heads/main',
        inputs: { digest: `sha256:${'a'.repeat(64)}` },
      }),
    ).toEqual({ promote: 'started', 'verify-gke': 'skipped' });
  });
});
