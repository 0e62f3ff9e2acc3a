// The flows of `npm run test:workflows`: a developer's pushes, a reviewer's merge and a hand-made
// revert, each delivered to the project's own workflows as GitHub would deliver it, run by act.
// Each returns what a test asserts on: the deliveries (jobs, outcomes, timings) and the commits.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrailers } from '../../../gitops/rules/trailers.js';
import type { JobReport } from './act.js';
import { failedOutput, formatJobs } from './act.js';
import { deliver, deliverPush, followUp, pushMain } from './delivery.js';
import type { Delivery, WorkflowRun } from './delivery.js';
import { git } from './workflow-env.js';
import type { WorkflowEnv } from './workflow-env.js';
import {
  changedFiles,
  pullRequestEvent,
  workflowDispatchEvent,
  workflowRunEvent,
} from './events.js';

/** Jobs GitHub would start that the flows leave out, and why (printed where they are left out). */
export const DEFERRED_CI = {
  'ci.yml':
    'CI of the promotion branch: the same jobs the deploy of this source ran (flow 1); the promotion changes only overlays/gke',
};

/** The changed files and ref of each flow's push, for the `on:` filter test (tests/workflows/on-filters.test.ts). */
export const FLOW_PUSHES = {
  sourceChange: { ref: 'refs/heads/main', files: ['service/src/main.ts'] },
  bump: { ref: 'refs/heads/main', files: ['overlays/minikube/kustomization.yaml'] },
  // One branch per digest; a promotion also pins deploy/ as minikube verified it in overlays/gke/base.
  promotionBranch: {
    ref: 'refs/heads/promote/gke/sha256-0123456789ab',
    files: ['overlays/gke/kustomization.yaml', 'overlays/gke/base/deployment.yaml'],
  },
  promotionMerge: {
    ref: 'refs/heads/main',
    files: ['overlays/gke/kustomization.yaml', 'overlays/gke/base/deployment.yaml'],
  },
  handRevertOfBump: { ref: 'refs/heads/main', files: ['overlays/minikube/kustomization.yaml'] },
  docsOnly: { ref: 'refs/heads/main', files: ['docs/troubleshooting.md'] },
} as const;

/**
 * The bad release of flow 2: it exits at start under Kubernetes only, so its tests, lint and the image
 * build pass (CI cannot tell) and only the rollout shows it: a crash loop.
 */
export const EXITS_UNDER_KUBERNETES = [
  '// A release that refuses to start under Kubernetes: CI passes, the rollout crash-loops.',
  'if (process.env.KUBERNETES_SERVICE_HOST) {',
  "  process.stderr.write('score-api: release C exits at start under Kubernetes\\n');",
  '  process.exit(1);',
  '}',
  '',
].join('\n');

/** A source commit a developer merges: one line appended to the service's entry point. */
export function commitSource(env: WorkflowEnv, label: string, extra = ''): string {
  // The developer's clone is behind whatever the pipeline pushed since (bumps, reverts, merges).
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  appendFileSync(
    join(env.work, 'service', 'src', 'main.ts'),
    `// workflow test: release ${label}\n${extra}`,
  );
  git(env.work, 'commit', '--quiet', '-am', `service: release ${label}`);
  return git(env.work, 'rev-parse', 'HEAD');
}

/** The run of `file` in a delivery (throws naming what ran instead). */
export function runOf(d: Delivery, file: string): WorkflowRun {
  const run = d.runs.find((r) => r.file === file);
  if (!run) {
    throw new Error(
      `${file} did not run for ${d.event} ${d.ref ?? ''}: ${d.decisions.map((x) => `${x.file} ${x.runs ? 'ran' : `no (${x.reason})`}`).join(', ')}`,
    );
  }
  return run;
}

/** Throws unless the run concluded `expected`, with its jobs and the failed jobs' last output lines. */
export function expectConclusion(run: WorkflowRun, expected: WorkflowRun['conclusion']): void {
  if (run.conclusion === expected) return;
  throw new Error(
    `${run.file} concluded ${run.conclusion}, expected ${expected}\n${formatJobs(run.act)}\n${failedOutput(run.act)}`,
  );
}

/** The lines a job (by key, `ci/lint` for a called workflow's job) printed. */
export function jobOutput(run: WorkflowRun, key: string): string {
  const job = run.act.jobs.find((j) => j.key === key);
  if (!job) throw new Error(`${run.file} has no job ${key}`);
  return (run.act.output.get(job.name) ?? []).join('\n');
}

/** job key (`ci/lint` for a called workflow's job) -> result, for a run's jobs. */
export function jobResults(run: WorkflowRun): Record<string, JobReport['result']> {
  return Object.fromEntries(run.act.jobs.filter((j) => !j.caller).map((j) => [j.key, j.result]));
}

/** The commit message of `sha` in the remote. */
export function message(env: WorkflowEnv, sha: string): string {
  return git(env.bare, 'log', '-1', '--format=%B', sha);
}

/** The trailers of `sha` in the remote. */
export function trailersOf(env: WorkflowEnv, sha: string): Record<string, string> {
  return parseTrailers(message(env, sha));
}

/** What flow 1 and 2 leave behind: the source push, its deploy run and the follow-ups. */
export interface SourceDeploy {
  source: string;
  push: Delivery;
  deploy: WorkflowRun;
  /** The bump (or revert) pushes the workflows made, delivered to the workflows. */
  followUps: Delivery[];
  /** The workflow_run of each run the follow-ups started (the loop guard's runs). */
  guardCompleted: Delivery[];
  /** main after the deploy run. */
  mainAfter: string;
}

/**
 * Flows 1 and 2: a developer pushes a source change to main; deploy.yml runs (ci -> build -> deploy:
 * bump and verify). Then GitHub's follow-up: the pushes the run made with the App's token start
 * deploy.yml again, which its loop guard must end at once. The workflow_run of this deploy is not
 * sent here (flow 3 sends it).
 */
export async function deploySource(
  env: WorkflowEnv,
  label: string,
  extra = '',
): Promise<SourceDeploy> {
  const source = commitSource(env, label, extra);
  const pushesBefore = env.github.pushes().length;
  const { delivery } = await pushMain(env);
  const deploy = runOf(delivery, 'deploy.yml');
  const followUps = await followUp(env, delivery, pushesBefore, { workflowRun: false });
  // GitHub reports those runs' completion too: promote.yml must not promote a pipeline commit.
  const guardCompleted: Delivery[] = [];
  for (const f of followUps) {
    guardCompleted.push(
      ...(await followUp(env, f, env.github.pushes().length, { workflowRun: true })),
    );
  }
  return {
    source,
    push: delivery,
    deploy,
    followUps,
    guardCompleted,
    mainAfter: git(env.bare, 'rev-parse', 'refs/heads/main'),
  };
}

/** The workflow_run GitHub sends promote.yml once a deploy run completed. */
export function deployCompleted(env: WorkflowEnv, d: SourceDeploy): Promise<Delivery> {
  return deliver(
    env,
    {
      name: 'workflow_run',
      action: 'completed',
      workflowName: d.deploy.name,
      headBranch: 'main',
      sha: git(env.bare, 'rev-parse', 'refs/heads/main'),
      payload: workflowRunEvent(env.bare, env.repo, {
        workflowName: d.deploy.name,
        workflowPath: `.github/workflows/${d.deploy.file}`,
        event: 'push',
        headBranch: 'main',
        headSha: d.source,
        conclusion: d.deploy.conclusion,
        runNumber: env.deliveries.length,
      }),
    },
    DEFERRED_CI,
  );
}

/** What flow 3 leaves: the promote run, the PR, the reviewer's merge and verify-gke's run. */
export interface Promotion {
  promoteRun: Delivery;
  /** The App's push of the promotion branch and the PR it opened, as delivered (CI deferred). */
  branchPush: Delivery[];
  pullRequestOpened: Delivery;
  pullNumber: number;
  merge: string;
  mergePush: Delivery;
  verifyGke: WorkflowRun;
}

/**
 * Flow 3: the deploy of `d` completed, GitHub sends workflow_run: promote.yml's promote job copies the
 * digest to the Artifact Registry stand-in and opens the PR with the App's token. A reviewer merges it
 * (a merge commit, through the fake's merge API); the push of the merge starts verify-gke.
 */
export async function promoteAndMerge(env: WorkflowEnv, d: SourceDeploy): Promise<Promotion> {
  const pushesBefore = env.github.pushes().length;
  const pullsBefore = env.github.pulls.length;
  const promoteRun = await deployCompleted(env, d);
  const branchPush = await followUp(env, promoteRun, pushesBefore, {
    workflowRun: false,
    defer: DEFERRED_CI,
  });
  const pr = env.github.pulls[pullsBefore];
  if (!pr)
    throw new Error(`promote.yml opened no pull request:\n${formatFlow('promote', [promoteRun])}`);
  // An App's pull request starts the pull_request workflows (CI), as a person's does.
  const pullRequestOpened = await deliver(
    env,
    {
      name: 'pull_request',
      action: 'opened',
      baseRef: pr.base,
      changedFiles: changedFiles(
        env.bare,
        git(env.bare, 'rev-parse', pr.base),
        git(env.bare, 'rev-parse', pr.head),
      ),
      sha: git(env.bare, 'rev-parse', `refs/pull/${pr.number}/head`),
      payload: pullRequestEvent(env.bare, env.repo, 'opened', pr, `${env.app.slug}[bot]`),
    },
    DEFERRED_CI,
  );
  const before = git(env.bare, 'rev-parse', 'refs/heads/main');
  const res = await fetch(
    `${env.github.url}/repos/${env.repo.owner}/${env.repo.name}/pulls/${pr.number}/merge`,
    {
      method: 'PUT',
      headers: { authorization: `Bearer ${env.github.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        merge_method: 'merge',
        sha: git(env.bare, 'rev-parse', `refs/heads/${pr.head}`),
      }),
    },
  );
  const merged = (await res.json()) as { sha?: string; message?: string };
  if (!res.ok || !merged.sha)
    throw new Error(`merging PR #${pr.number} failed: HTTP ${res.status} ${merged.message}`);
  const mergePush = await deliverPush(env, 'refs/heads/main', before, merged.sha, {
    name: 'e2e-reviewer',
    email: 'reviewer@example.invalid',
  });
  return {
    promoteRun,
    branchPush,
    pullRequestOpened,
    pullNumber: pr.number,
    merge: merged.sha,
    mergePush,
    verifyGke: runOf(mergePush, 'promote.yml'),
  };
}

/** What flow 4 leaves: the hand-made revert and deploy.yml's run for it. */
export interface HandRevert {
  revert: string;
  push: Delivery;
  deploy: WorkflowRun;
}

/**
 * Flow 4: a developer reverts a bump by hand (`git revert`, as GitHub's Revert button or a terminal
 * makes it) and pushes it; deploy.yml's fast path verifies it.
 */
export async function handRevert(env: WorkflowEnv, bump: string): Promise<HandRevert> {
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  git(env.work, 'revert', '--no-edit', bump);
  const revert = git(env.work, 'rev-parse', 'HEAD');
  const { delivery } = await pushMain(env);
  return { revert, push: delivery, deploy: runOf(delivery, 'deploy.yml') };
}

/** What flow 5 leaves: the dispatch and its deploy run. */
export interface Redeploy {
  dispatch: Delivery;
  deploy: WorkflowRun;
  followUps: Delivery[];
}

/**
 * Flow 5: an operator re-deploys a quarantined source commit after a false rollback: "Run workflow"
 * on deploy.yml with `sha` and `force`, as GitHub sends workflow_dispatch.
 */
export async function redeploy(env: WorkflowEnv, sha: string, force: boolean): Promise<Redeploy> {
  const pushesBefore = env.github.pushes().length;
  const dispatch = await deliver(env, {
    name: 'workflow_dispatch',
    workflow: 'deploy.yml',
    ref: 'refs/heads/main',
    sha: git(env.bare, 'rev-parse', 'refs/heads/main'),
    payload: workflowDispatchEvent(
      env.repo,
      'refs/heads/main',
      { sha, force },
      '.github/workflows/deploy.yml',
    ),
  });
  const followUps = await followUp(env, dispatch, pushesBefore, { workflowRun: false });
  return { dispatch, deploy: runOf(dispatch, 'deploy.yml'), followUps };
}

/** A flow's report: every delivery with its decisions, jobs, outcomes and timings. */
export function formatFlow(name: string, deliveries: Delivery[]): string {
  const lines = [`=== ${name}`];
  for (const d of deliveries) {
    lines.push(`event ${d.event}${d.ref ? ` ${d.ref}` : ''} at ${d.sha.slice(0, 12)}`);
    for (const x of d.decisions) if (!x.runs) lines.push(`  ${x.file}: not started (${x.reason})`);
    for (const r of d.runs) lines.push(formatJobs(r.act).replace(/^/gm, '  '));
  }
  return lines.join('\n');
}
