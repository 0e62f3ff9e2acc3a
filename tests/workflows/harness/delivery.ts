// GitHub's side of a run: which workflows an event starts (by their committed `on:`), the payload it
// sends, and the follow-ups: the pushes the runs made with the App's token (they start workflows,
// GITHUB_TOKEN's do not) and workflow_run when a run completes.
import { parse } from 'yaml';
import { formatJobs } from './act.js';
import type { ActRun } from './act.js';
import { changedFiles, pushEvent, workflowRunEvent } from './events.js';
import { decideTrigger } from './github-filters.js';
import type { TriggerEvent } from './github-filters.js';
import { runWorkflow } from './runner.js';
import { git } from './workflow-env.js';
import type { WorkflowEnv } from './workflow-env.js';

/** One workflow run the harness started, with the event that started it. */
export interface WorkflowRun {
  /** The workflow's `name:`. */
  name: string;
  file: string;
  event: string;
  /** The commit the run's event is about (push: after; workflow_run: the run's head). */
  sha: string;
  act: ActRun;
  conclusion: 'success' | 'failure';
}

/** What GitHub did with one event: the workflows it started, the ones it did not and why. */
export interface Delivery {
  event: string;
  ref?: string;
  sha: string;
  changedFiles?: string[];
  decisions: { file: string; runs: boolean; reason: string }[];
  runs: WorkflowRun[];
}

/** The workflows of the repository at `sha`: file -> parsed YAML. */
export function workflowsAt(
  bare: string,
  sha: string,
): Map<string, { name?: string; on?: unknown }> {
  const out = new Map<string, { name?: string; on?: unknown }>();
  const files = git(bare, 'ls-tree', '--name-only', `${sha}:.github/workflows`).split('\n');
  for (const f of files.filter((x) => /\.ya?ml$/.test(x))) {
    const doc = parse(git(bare, 'show', `${sha}:.github/workflows/${f}`)) as Record<
      string,
      unknown
    >;
    // YAML 1.1 reads a bare `on` key as true; GitHub's parser does not.
    out.set(f, { name: doc.name as string | undefined, on: doc.on ?? doc.true });
  }
  return out;
}

function conclusionOf(run: ActRun): WorkflowRun['conclusion'] {
  return run.exitCode === 0 && run.jobs.every((j) => j.result !== 'failure')
    ? 'success'
    : 'failure';
}

/**
 * Delivers one event as GitHub would: decides with the committed workflows' `on:` which of them
 * run (printing each decision), runs them with act one after the other, and returns what ran.
 * `defer` names workflows GitHub would start that this call does not run, with the reason.
 */
export async function deliver(
  env: WorkflowEnv,
  event: TriggerEvent & {
    payload: object;
    sha: string;
    /** The one workflow a workflow_dispatch is sent to. */
    workflow?: string;
  },
  defer: Record<string, string> = {},
): Promise<Delivery> {
  const workflows = workflowsAt(env.bare, event.sha);
  const delivery: Delivery = {
    event: event.name,
    ref: event.ref,
    sha: event.sha,
    changedFiles: event.changedFiles,
    decisions: [],
    runs: [],
  };
  env.log(
    `event ${event.name}${event.ref ? ` ${event.ref}` : ''}${event.action ? ` (${event.action})` : ''} at ${event.sha.slice(0, 12)}` +
      (event.changedFiles ? `, changed: ${event.changedFiles.join(', ')}` : ''),
  );
  for (const [file, wf] of workflows) {
    const decision =
      event.workflow && event.workflow !== file
        ? { runs: false, reason: `the event is for ${event.workflow}` }
        : decideTrigger(wf.on, event);
    delivery.decisions.push({ file, ...decision });
    const deferred = decision.runs ? defer[file] : undefined;
    env.log(
      `  ${file}: ${decision.runs ? (deferred ? `would run, not run here: ${deferred}` : 'runs') : 'not started'} (${decision.reason})`,
    );
    if (!decision.runs || deferred) continue;
    const act = await runWorkflow(env, file, event.name, event.payload, event.sha);
    const run: WorkflowRun = {
      name: wf.name ?? file,
      file,
      event: event.name,
      sha: event.sha,
      act,
      conclusion: conclusionOf(act),
    };
    env.log(formatJobs(act));
    delivery.runs.push(run);
  }
  env.deliveries.push(delivery);
  return delivery;
}

/** A developer's push to main (a merged pull request): commits made in env.work, pushed as a person. */
export async function pushMain(
  env: WorkflowEnv,
  defer: Record<string, string> = {},
): Promise<{ before: string; after: string; delivery: Delivery }> {
  const before = git(env.bare, 'rev-parse', 'refs/heads/main');
  git(env.work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  const after = git(env.bare, 'rev-parse', 'refs/heads/main');
  const delivery = await deliverPush(
    env,
    'refs/heads/main',
    before,
    after,
    { name: 'e2e-developer', email: 'dev@example.invalid' },
    defer,
  );
  return { before, after, delivery };
}

/** The push event for `before..after` on `ref`, delivered. */
export function deliverPush(
  env: WorkflowEnv,
  ref: string,
  before: string,
  after: string,
  pusher: { name: string; email: string },
  defer: Record<string, string> = {},
): Promise<Delivery> {
  return deliver(
    env,
    {
      name: 'push',
      ref,
      sha: after,
      changedFiles: changedFiles(env.bare, before, after, ref),
      payload: pushEvent(env.bare, env.repo, ref, before, after, pusher),
    },
    defer,
  );
}

/**
 * What GitHub does after runs end: the pushes they made with the App's token start workflows
 * (GITHUB_TOKEN's do not: GitHub's rule against loops), and every completed run sends workflow_run to
 * the workflows that listen for it. `pushesBefore` is env.github.pushes().length before the runs.
 */
export async function followUp(
  env: WorkflowEnv,
  delivery: Delivery,
  pushesBefore: number,
  opts: { workflowRun: boolean; defer?: Record<string, string> },
): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const push of env.github.pushes().slice(pushesBefore)) {
    if (push.actor !== `${env.app.slug}[bot]`) {
      env.log(
        `${push.ref} -> ${push.after.slice(0, 12)} pushed by ${push.actor}: GitHub starts no workflow for it`,
      );
      continue;
    }
    out.push(
      await deliverPush(
        env,
        push.ref,
        push.before,
        push.after,
        {
          name: push.actor,
          email: `${env.app.id}+${env.app.slug}[bot]@users.noreply.github.com`,
        },
        opts.defer,
      ),
    );
  }
  if (opts.workflowRun) {
    for (const run of delivery.runs) {
      const headBranch = (delivery.ref ?? 'refs/heads/main').replace(/^refs\/heads\//, '');
      out.push(
        await deliver(
          env,
          {
            name: 'workflow_run',
            action: 'completed',
            workflowName: run.name,
            headBranch,
            // A workflow_run run works on the tip of the default branch.
            sha: git(env.bare, 'rev-parse', 'refs/heads/main'),
            payload: workflowRunEvent(env.bare, env.repo, {
              workflowName: run.name,
              workflowPath: `.github/workflows/${run.file}`,
              event: run.event,
              headBranch,
              headSha: run.sha,
              conclusion: run.conclusion,
              runNumber: env.deliveries.length,
            }),
          },
          opts.defer,
        ),
      );
    }
  }
  return out;
}
