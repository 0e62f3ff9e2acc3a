// Runs one workflow file with nektos/act in host mode (jobs run as processes on this machine, no
// container), reads act's JSON log, and reports each job's outcome and timing.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, readVersions } from '../../e2e/cluster/harness.js';

/** The act binary tests/e2e/cluster/build.sh act builds into the cluster cache. */
export function actBinary(
  cache = process.env.E2E_CLUSTER_CACHE ?? join(REPO_ROOT, '.cache'),
): string {
  return join(cache, 'bin', `act-${readVersions().ACT_VERSION}`, 'act');
}

/**
 * What every act process runs with besides its job environment: act asks api.nektosact.com for
 * notices at start unless this is set, and test traffic goes to 127.0.0.1 only.
 */
export const ACT_ENV = { ACT_DISABLE_VERSION_CHECK: '1' } as const;

/** Why act cannot run here, or undefined when it can. */
export function actMissing(): string | undefined {
  return existsSync(actBinary())
    ? undefined
    : `act is not built (${actBinary()}); run: bash tests/e2e/cluster/build.sh act`;
}

/** One job as act ran it (or skipped it). */
export interface JobReport {
  /** The job id in its workflow file. */
  id: string;
  /** The id, or `caller/id` for a job of a called (reusable) workflow. */
  key: string;
  /** A job that calls a reusable workflow: its called jobs are reported, it has no result of its own. */
  caller?: boolean;
  /** act's display name, e.g. "deploy/ci/lint (manifests, workflows, code)". */
  name: string;
  /** `not run`: the workflow has the job, and act never started it (an earlier job failed). */
  result: 'success' | 'failure' | 'skipped' | 'cancelled' | 'not run';
  startedAt?: number;
  durationMs?: number;
  /** The steps that ran, with their outcome and duration. */
  steps: { name: string; result: string; durationMs?: number }[];
}

/** One act invocation: what it ran and how it ended. */
export interface ActRun {
  workflow: string;
  event: string;
  exitCode: number;
  jobs: JobReport[];
  durationMs: number;
  logFile: string;
  /** Lines the steps printed, per job id (for assertions and failure messages). */
  output: Map<string, string[]>;
}

/** Options of one act run. */
export interface ActOptions {
  /** A clone of the repository at the event's commit: act reads the workflow files from here. */
  workdir: string;
  workflow: string;
  event: string;
  payload: object;
  /** Third-party action `owner/repo@ref` -> the stand-in directory. */
  standIns: Record<string, string>;
  /** Passed with --env (GITHUB_SERVER_URL, GITHUB_API_URL, ...). */
  env: Record<string, string>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** The environment act itself (and so every step, in host mode) runs with. */
  processEnv: Record<string, string>;
  /** Where act keeps its action cache and host workspaces (kept between runs for the tool cache). */
  cacheDir: string;
  logDir: string;
  /** A private directory for the secrets file of the run (not the kept logs), e.g. under the test's temp dir. */
  secretsDir: string;
  timeoutMs: number;
  log?: (line: string) => void;
}

/** One line of act's JSON log. */
export interface ActLine {
  jobID?: string;
  job?: string;
  msg?: string;
  level?: string;
  time?: string;
  step?: string;
  stage?: string;
  /** One id per nesting level: a composite action's own steps have two. */
  stepID?: string[];
  stepResult?: string;
  /** Nanoseconds the step took. */
  executionTime?: number;
  jobResult?: string;
  raw_output?: boolean;
}

const isOuterMainStep = (l: ActLine): boolean =>
  !!l.stepResult && !!l.step && l.stage === 'Main' && (l.stepID?.length ?? 0) === 1;

/** Runs act for one workflow and event; resolves when act exits (never rejects on a failed job). */
export async function runAct(opts: ActOptions): Promise<ActRun> {
  const stamp = `${Date.now()}-${opts.workflow.replace(/\W+/g, '_')}-${opts.event}`;
  const eventFile = join(opts.logDir, `${stamp}.event.json`);
  const logFile = join(opts.logDir, `${stamp}.log.jsonl`);
  writeFileSync(eventFile, `${JSON.stringify(opts.payload, null, 2)}\n`);
  const args = [
    opts.event,
    '--eventpath',
    eventFile,
    '--workflows',
    join('.github', 'workflows', opts.workflow),
    // Host mode: every label this repository's jobs use runs on this machine.
    '-P',
    'ubuntu-latest=-self-hosted',
    '-P',
    'self-hosted=-self-hosted',
    '-P',
    'minikube=-self-hosted',
    // Every actions/checkout runs (our stand-in) instead of act copying the work dir.
    '--no-skip-checkout',
    '--action-offline-mode',
    '--no-cache-server',
    '--action-cache-path',
    opts.cacheDir,
    '--json',
    // Skipped jobs are only logged at debug level.
    '--verbose',
    ...Object.entries(opts.standIns).flatMap(([uses, dir]) => [
      '--local-repository',
      `${uses}=${dir}`,
    ]),
    ...Object.entries(opts.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...Object.entries(opts.vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]),
  ];
  // Secrets go through a file only the owner reads (act reads .yml as YAML: multi-line values
  // such as a PEM key stay intact), never through act's command line or environment: in host
  // mode every step inherits act's environment.
  const secretFile = join(opts.secretsDir, `${stamp}.secrets.yml`);
  writeFileSync(
    secretFile,
    Object.entries(opts.secrets)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
      .join(''),
    { mode: 0o600 },
  );
  args.push('--secret-file', secretFile);
  const started = Date.now();
  const out = createWriteStream(logFile);
  const lines: ActLine[] = [];
  let partial = '';
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(actBinary(), args, {
      cwd: opts.workdir,
      env: { ...opts.processEnv, ...ACT_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const timer = setTimeout(() => {
      opts.log?.(`act ${opts.workflow} exceeded ${opts.timeoutMs} ms; killing it`);
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch (err) {
        opts.log?.(`could not kill act: ${String(err)}`);
      }
    }, opts.timeoutMs);
    const onData = (chunk: Buffer): void => {
      out.write(chunk);
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.trim()) continue;
        try {
          const line = JSON.parse(part) as ActLine;
          lines.push(line);
          progress(line, opts.log);
        } catch {
          // act prints a few plain lines (e.g. docker warnings) before its JSON log.
          lines.push({ msg: part, level: 'text' });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      out.end();
      rmSync(secretFile, { force: true });
      resolve(code ?? 1);
    });
  });
  const { jobs, output } = summarize(lines);
  for (const key of plannedJobs(opts.workdir, opts.workflow)) {
    if (jobs.some((j) => j.key === key)) continue;
    // A called workflow's jobs are skipped with their caller (GitHub shows them so too).
    const caller = jobs.find((j) => key.startsWith(`${j.key}/`));
    const result = caller?.result === 'skipped' ? 'skipped' : 'not run';
    if (caller) caller.caller = true;
    jobs.push({ id: key.split('/').pop() as string, key, name: key, result, steps: [] });
  }
  return {
    workflow: opts.workflow,
    event: opts.event,
    exitCode,
    jobs,
    durationMs: Date.now() - started,
    logFile,
    output,
  };
}

// The step boundaries, so a long run shows where it is.
function progress(line: ActLine, log?: (line: string) => void): void {
  if (!log || !line.jobID || !line.msg) return;
  if (line.jobResult) log(`  [${line.jobID}] job ${line.jobResult}`);
  else if (isOuterMainStep(line)) log(`  [${line.jobID}] ${line.stepResult}: ${line.step}`);
}

/** Jobs, their outcomes and timings, and their step output, from act's JSON log lines. */
export function summarize(lines: ActLine[]): { jobs: JobReport[]; output: Map<string, string[]> } {
  const jobs = new Map<string, JobReport>();
  const output = new Map<string, string[]>();
  const at = (l: ActLine): number | undefined => (l.time ? Date.parse(l.time) : undefined);
  for (const l of lines) {
    const skipped = /^Skipping job '(.+)' due to '(.+)'$/.exec(l.msg ?? '');
    if (skipped && l.jobResult === 'skipped') {
      // act logs a skipped job with the workflow's job id under `jobID`.
      const id = l.jobID ?? skipped[1] ?? '?';
      const name = (l.job ?? id).trim();
      jobs.set(name, { id, key: keyOf(id, name), name, result: 'skipped', steps: [] });
      continue;
    }
    if (!l.jobID || !l.job) continue;
    // act pads job names for alignment.
    const key = l.job.trim();
    let job = jobs.get(key);
    if (!job) {
      job = {
        id: l.jobID,
        key: keyOf(l.jobID, key),
        name: key,
        result: 'success',
        startedAt: at(l),
        steps: [],
      };
      jobs.set(key, job);
    }
    if (l.raw_output && l.msg !== undefined) {
      const list = output.get(key) ?? [];
      list.push(l.msg.replace(/\n$/, ''));
      output.set(key, list);
    }
    if (isOuterMainStep(l)) {
      job.steps.push({
        name: l.step as string,
        result: l.stepResult as string,
        ...(l.executionTime !== undefined ? { durationMs: Math.round(l.executionTime / 1e6) } : {}),
      });
    }
    if (l.jobResult) {
      job.result = l.jobResult as JobReport['result'];
      const end = at(l);
      if (end !== undefined && job.startedAt !== undefined) job.durationMs = end - job.startedAt;
    }
  }
  const all = [...jobs.values()];
  for (const j of all) if (all.some((o) => o.key.startsWith(`${j.key}/`))) j.caller = true;
  return { jobs: all, output };
}

// act names a called workflow's jobs `<caller>/<called workflow>/<job name>`, others `<workflow>/<job name>`.
function keyOf(id: string, name: string): string {
  const parts = name.split('/');
  return parts.length > 2 ? `${parts[0]}/${id}` : id;
}

/** The keys (JobReport.key) of every job of a workflow file, the jobs of the workflows it calls included. */
export function plannedJobs(workdir: string, workflow: string): string[] {
  const read = (file: string): Record<string, { uses?: string }> =>
    (
      parse(readFileSync(join(workdir, file), 'utf8')) as {
        jobs?: Record<string, { uses?: string }>;
      }
    ).jobs ?? {};
  const keys: string[] = [];
  for (const [id, job] of Object.entries(read(join('.github', 'workflows', workflow)))) {
    if (job.uses?.startsWith('./')) {
      for (const inner of Object.keys(read(job.uses))) keys.push(`${id}/${inner}`);
    } else keys.push(id);
  }
  return keys;
}

/** `  name: result (12.3s)` lines for a flow's report. */
export function formatJobs(run: ActRun): string {
  const rows = run.jobs
    .filter((j) => !j.caller)
    .map(
      (j) =>
        `  ${j.name}: ${j.result}${j.durationMs !== undefined ? ` (${(j.durationMs / 1000).toFixed(1)}s)` : ''}`,
    );
  return `${run.workflow} on ${run.event}: exit ${run.exitCode} in ${(run.durationMs / 1000).toFixed(1)}s\n${rows.join('\n')}`;
}

/** The log lines of a run, for a failure message (last `n` lines of each failed job). */
export function failedOutput(run: ActRun, n = 40): string {
  return run.jobs
    .filter((j) => j.result === 'failure')
    .map((j) => `--- ${j.name}\n${(run.output.get(j.name) ?? []).slice(-n).join('\n')}`)
    .join('\n');
}

/** Reads a run's JSON log again (e.g. to show it after a failure). */
export function readLog(run: ActRun): string {
  return readFileSync(run.logFile, 'utf8');
}
