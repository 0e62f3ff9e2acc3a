// What a workflow job can reach beyond the repository, over the YAML text (pure):
// - an OIDC token (`id-token: write`) only for a job that uses one, and every job that does has it;
// - a job that authenticates to Google Cloud names the `gke` environment: its deployment branch
//   policy (main only) gates the job, and the Google service accounts trust only its subject;
// - no job of a pull_request workflow runs on a self-hosted runner (the minikube runner holds the
//   cluster credentials; a pull request must never reach it).
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { YAMLMap } from 'yaml';
import type { Finding } from './finding.js';

/** The environment every job that touches Google Cloud names (docs/operators-guide.md). */
export const GKE_ENVIRONMENT = 'gke';
// Actions that exchange the job's OIDC token for cloud credentials.
const OIDC_ACTIONS = [
  'google-github-actions/auth',
  'aws-actions/configure-aws-credentials',
  'azure/login',
];
const GCP_ACTIONS = 'google-github-actions/';
// A script that fetches the token itself reads these variables.
const OIDC_ENV = 'ACTIONS_ID_TOKEN_REQUEST_';
const PR_EVENTS = ['pull_request', 'pull_request_target'];
const GITHUB_HOSTED = /^(ubuntu|windows|macos)-[\w.-]+$/;

/** What one workflow file does that matters to the files calling it as a reusable workflow. */
export interface WorkflowFacts {
  usesOidc: boolean;
  selfHosted: boolean;
}

interface Job {
  name: string;
  key: unknown;
  node: YAMLMap;
}

function jobsOf(text: string): { root: unknown; jobs: Job[]; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const root = parseDocument(text, { lineCounter }).contents;
  const jobsNode = isMap(root) ? root.get('jobs', true) : undefined;
  const jobs: Job[] = [];
  if (isMap(jobsNode)) {
    for (const pair of jobsNode.items) {
      if (isMap(pair.value))
        jobs.push({
          name: isScalar(pair.key) ? String(pair.key.value) : '?',
          key: pair.key,
          node: pair.value,
        });
    }
  }
  return { root, jobs, lineCounter };
}

function stepsOf(job: YAMLMap): YAMLMap[] {
  const steps = job.get('steps', true);
  return isSeq(steps) ? steps.items.filter((s): s is YAMLMap => isMap(s)) : [];
}

function usesOf(step: YAMLMap): string {
  const uses = step.get('uses');
  return typeof uses === 'string' ? uses : '';
}

function stepUsesOidc(step: YAMLMap): boolean {
  const uses = usesOf(step);
  const run = step.get('run');
  return (
    OIDC_ACTIONS.some((a) => uses.startsWith(`${a}@`)) ||
    (typeof run === 'string' && run.includes(OIDC_ENV))
  );
}

/** A node's plain value (the yaml library's nodes convert themselves). */
function plain(node: unknown): unknown {
  return isNode(node) ? node.toJSON() : node;
}

/** The runner labels of a job (`runs-on` as a label, a list, or a {group, labels} map). */
function runnerLabels(job: YAMLMap): string[] {
  const v = plain(job.get('runs-on', true));
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== 'object' || v === null) return [];
  const { group, labels } = v as { group?: unknown; labels?: unknown };
  const listed = Array.isArray(labels)
    ? labels.map(String)
    : typeof labels === 'string'
      ? [labels]
      : [];
  // A runner group is a set of self-hosted (or larger) runners chosen by the organization.
  return group !== undefined ? ['self-hosted', ...listed] : listed;
}

/** Whether a job may land on a self-hosted runner (any label that is not a GitHub-hosted image). */
function selfHosted(job: YAMLMap): boolean {
  return runnerLabels(job).some((l) => !GITHUB_HOSTED.test(l));
}

function localCallee(job: YAMLMap): string | undefined {
  const uses = job.get('uses');
  return typeof uses === 'string' && uses.startsWith('./')
    ? uses.slice(2).replace(/@.*$/, '')
    : undefined;
}

/** Facts other workflows need about this one, when they call it. */
export function workflowFacts(text: string): WorkflowFacts {
  const { jobs } = jobsOf(text);
  return {
    usesOidc: jobs.some((j) => stepsOf(j.node).some(stepUsesOidc)),
    selfHosted: jobs.some((j) => selfHosted(j.node)),
  };
}

function triggers(root: unknown): string[] {
  const v = isMap(root) ? plain(root.get('on', true)) : undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'object' && v !== null ? Object.keys(v) : [];
}

function idTokenLevel(job: YAMLMap): string | undefined {
  const perms: unknown = job.get('permissions', true);
  if (isScalar(perms)) return perms.value === 'write-all' ? 'write' : undefined;
  if (!isMap(perms)) return undefined;
  const v = perms.get('id-token');
  return typeof v === 'string' ? v : undefined;
}

function environmentName(job: YAMLMap): unknown {
  const env: unknown = job.get('environment');
  if (typeof env === 'string') return env;
  const node: unknown = job.get('environment', true);
  return isMap(node) ? node.get('name') : undefined;
}

/**
 * Checks one workflow's jobs for OIDC, environment and runner exposure. `facts` holds the other
 * local workflows' facts by repository path, for jobs that call them (`uses: ./.github/...`).
 */
export function checkWorkflowAccess(
  file: string,
  text: string,
  facts: ReadonlyMap<string, WorkflowFacts> = new Map(),
): Finding[] {
  const { root, jobs, lineCounter } = jobsOf(text);
  const out: Finding[] = [];
  const at = (node: unknown) => {
    const pos = lineCounter.linePos((node as { range?: [number, number, number] }).range?.[0] ?? 0);
    return { line: pos.line, column: pos.col };
  };
  const pullRequest = triggers(root).filter((t) => PR_EVENTS.includes(t));
  for (const job of jobs) {
    const steps = stepsOf(job.node);
    const callee = localCallee(job.node);
    const calleeFacts = callee !== undefined ? facts.get(callee) : undefined;
    const usesOidc = steps.some(stepUsesOidc) || calleeFacts?.usesOidc === true;
    const level = idTokenLevel(job.node);
    const finding = (rule: string, message: string): void => {
      out.push({
        file,
        ...at(job.key),
        rule,
        severity: 'error',
        message: `job ${job.name} ${message}`,
      });
    };
    // A remote reusable workflow cannot be read here; its caller's grant is taken as needed.
    const remoteCall = typeof job.node.get('uses') === 'string' && callee === undefined;
    if (level === 'write' && !usesOidc && !remoteCall)
      finding(
        'workflow/id-token',
        'grants id-token: write but nothing in it requests an OIDC token; remove the grant',
      );
    if (level !== 'write' && steps.some(stepUsesOidc))
      finding('workflow/id-token', 'exchanges an OIDC token but does not grant id-token: write');
    const gcp = steps.find((s) => usesOf(s).startsWith(GCP_ACTIONS));
    if (gcp && environmentName(job.node) !== GKE_ENVIRONMENT)
      finding(
        'workflow/gke-environment',
        `uses ${usesOf(gcp).replace(/@.*$/, '')} but does not name \`environment: ${GKE_ENVIRONMENT}\`; ` +
          'the environment and its branch policy are what the Google Cloud access is scoped to',
      );
    if (pullRequest.length > 0 && (selfHosted(job.node) || calleeFacts?.selfHosted === true))
      finding(
        'workflow/self-hosted-pull-request',
        `can run on a self-hosted runner (runs-on: ${runnerLabels(job.node).join(', ') || callee}) ` +
          `but the workflow runs on ${pullRequest.join(', ')}: pull requests must never reach the runner that holds cluster credentials`,
      );
  }
  return out;
}
