// Supply-chain and privilege rules for GitHub workflows, over the YAML text (pure): third-party
// actions pinned by full commit SHA with a version comment, `permissions:` at the top (empty or
// read-only) and on every job, and a concurrency group somewhere in the workflow.
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Finding } from './finding.js';

const SHA_PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[^@\s]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v?\d+(?:\.\d+){0,2}\b/;

interface Ctx {
  file: string;
  text: string;
  lineCounter: LineCounter;
  findings: Finding[];
}

function at(ctx: Ctx, node: unknown): { line: number; column: number } {
  const offset = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  const pos = ctx.lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function lineText(ctx: Ctx, line: number): string {
  return ctx.text.split('\n')[line - 1] ?? '';
}

function keyNode(map: unknown, key: string): unknown {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isScalar(p.key) && p.key.value === key)?.key;
}

/** True for a local action or reusable workflow (`./...`) or a Docker image reference. */
export function isLocalOrDocker(uses: string): boolean {
  return uses.startsWith('./') || uses.startsWith('docker://');
}

/** True when a third-party `uses:` value is pinned to a full 40-hex commit SHA. */
export function isShaPinned(uses: string): boolean {
  return SHA_PINNED.test(uses);
}

function checkUses(ctx: Ctx, node: unknown, where: string): void {
  if (!isScalar(node) || typeof node.value !== 'string') return;
  const uses = node.value;
  if (isLocalOrDocker(uses)) return;
  const pos = at(ctx, node);
  if (!isShaPinned(uses)) {
    ctx.findings.push({
      file: ctx.file,
      ...pos,
      rule: 'workflow/pinned-action',
      severity: 'error',
      message: `${where} uses ${uses}: pin third-party actions to a full 40-hex commit SHA (a tag can be moved)`,
    });
  } else if (!VERSION_COMMENT.test(lineText(ctx, pos.line))) {
    ctx.findings.push({
      file: ctx.file,
      ...pos,
      rule: 'workflow/pin-comment',
      severity: 'warning',
      message: `${where} uses ${uses} without a "# vX.Y.Z" comment naming the pinned release`,
    });
  }
}

const READ_ONLY = new Set(['read', 'none']);

function permissionsProblem(node: unknown, allowWrite: boolean): string | undefined {
  if (isScalar(node)) {
    const v = node.value;
    if (v === 'read-all') return undefined;
    return `permissions: ${String(v)} grants ${v === 'write-all' ? 'write access to everything' : 'an unknown set'}; list the scopes`;
  }
  if (!isMap(node)) return 'permissions must be a map of scope: level';
  if (allowWrite) return undefined;
  for (const pair of node.items) {
    const level = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof level !== 'string' || !READ_ONLY.has(level)) {
      const scope = isScalar(pair.key) ? String(pair.key.value) : '?';
      return `top-level permissions grant ${scope}: ${String(level)}; grant write scopes per job instead`;
    }
  }
  return undefined;
}

/** Checks one workflow file's text; `file` is its repository-relative path. */
export function checkWorkflowPolicy(file: string, text: string): Finding[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const ctx: Ctx = { file, text, lineCounter, findings: [] };
  const root = doc.contents;
  if (!isMap(root)) return ctx.findings;

  const topPermissions = root.get('permissions', true);
  if (topPermissions === undefined) {
    ctx.findings.push({
      file,
      line: 1,
      column: 1,
      rule: 'workflow/permissions',
      severity: 'error',
      message:
        'no top-level permissions: the GITHUB_TOKEN would get the repository default; set `permissions: {}` or read-only scopes',
    });
  } else {
    const problem = permissionsProblem(topPermissions, false);
    if (problem) {
      ctx.findings.push({
        file,
        ...at(ctx, keyNode(root, 'permissions')),
        rule: 'workflow/permissions',
        severity: 'error',
        message: problem,
      });
    }
  }

  let hasConcurrency = root.get('concurrency', true) !== undefined;
  const jobs = root.get('jobs', true);
  if (isMap(jobs)) {
    for (const pair of jobs.items) {
      const jobName = isScalar(pair.key) ? String(pair.key.value) : '?';
      const job = pair.value;
      if (!isMap(job)) continue;
      if (job.get('concurrency', true) !== undefined) hasConcurrency = true;
      const perms = job.get('permissions', true);
      if (perms === undefined) {
        ctx.findings.push({
          file,
          ...at(ctx, pair.key),
          rule: 'workflow/job-permissions',
          severity: 'error',
          message: `job ${jobName} has no permissions: block; declare the least it needs`,
        });
      } else {
        const problem = permissionsProblem(perms, true);
        if (problem) {
          ctx.findings.push({
            file,
            ...at(ctx, keyNode(job, 'permissions')),
            rule: 'workflow/job-permissions',
            severity: 'error',
            message: `job ${jobName}: ${problem}`,
          });
        }
      }
      checkUses(ctx, job.get('uses', true), `job ${jobName}`);
      const steps = job.get('steps', true);
      if (isSeq(steps)) {
        steps.items.forEach((step, i) => {
          if (!isMap(step)) return;
          const name = step.get('name');
          checkUses(
            ctx,
            step.get('uses', true),
            `job ${jobName} step ${typeof name === 'string' ? `"${name}"` : i + 1}`,
          );
        });
      }
    }
  }
  if (!hasConcurrency) {
    ctx.findings.push({
      file,
      line: 1,
      column: 1,
      rule: 'workflow/concurrency',
      severity: 'warning',
      message: 'no concurrency group: two runs for the same ref or environment may overlap',
    });
  }
  return ctx.findings;
}
