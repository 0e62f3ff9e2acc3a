/** The pipeline's progress lines, its timeline of stages, and the final result (text or JSON). */

/** One stage's outcome and duration. */
export interface StageRecord {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  detail?: string;
}

/** Everything a run produced; the same object is printed as text or as JSON. */
export interface PipelineResult {
  result: 'deployed' | 'unchanged' | 'stale' | 'rolled-back' | 'failed' | 'checked-dirty';
  sha?: string;
  dirty?: boolean;
  image?: { ref: string; digest?: string; reused: boolean };
  bump?: {
    status: string;
    commit: string;
    pushed: boolean;
    remote: string;
    branch: string;
    overlay: string;
    message: string;
  };
  deploy?: {
    mode: 'container' | 'cluster';
    ok: boolean;
    reason?: string;
    label?: string;
    steps?: { step: string; ms: number }[];
  };
  revert?: { status: string; commit: string };
  diff?: string;
  stages: StageRecord[];
  totalMs: number;
  error?: string;
  /** The GitopsError code of the failure, e.g. INVALID_INPUT, PREFLIGHT, STAGE_FAILED. */
  errorCode?: string;
}

/** `1.2s` / `250ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
}

/** The timeline table: one line per stage with its status and duration, and a bar scaled to the longest. */
export function formatTimeline(stages: StageRecord[], totalMs: number): string {
  const longest = Math.max(1, ...stages.map((s) => s.ms));
  const width = Math.max(...stages.map((s) => s.name.length), 5);
  const lines = stages.map((s) => {
    const bar =
      s.status === 'skipped' ? '' : '#'.repeat(Math.max(1, Math.round((s.ms / longest) * 30)));
    const mark = s.status === 'ok' ? 'ok  ' : s.status === 'failed' ? 'FAIL' : 'skip';
    return `  ${s.name.padEnd(width)}  ${mark}  ${formatMs(s.ms).padStart(7)}  ${bar}${s.detail ? `  ${s.detail}` : ''}`;
  });
  return [`timeline (total ${formatMs(totalMs)}):`, ...lines].join('\n');
}

/** The human summary: timeline, image, bump commit, deploy verdict, rendered-manifest diff. */
export function formatResult(r: PipelineResult): string {
  const out: string[] = ['', formatTimeline(r.stages, r.totalMs), ''];
  out.push(
    `result: ${r.result}${r.sha ? ` (source ${r.sha}${r.dirty ? ', dirty working tree' : ''})` : ''}`,
  );
  if (r.image)
    out.push(
      `image:  ${r.image.ref}${r.image.reused ? ' (already in the registry; build skipped)' : ''}`,
    );
  if (r.bump) {
    out.push(
      `bump:   ${r.bump.status} ${r.bump.commit} on ${r.bump.branch} of ${r.bump.remote}${r.bump.pushed ? ' (pushed)' : ''}`,
      `        ${r.bump.message}`,
    );
  }
  if (r.deploy) {
    const what = r.deploy.ok
      ? `healthy${r.deploy.label ? ` (POST /score -> ${r.deploy.label})` : ''}`
      : `FAILED: ${r.deploy.reason ?? ''}`;
    out.push(`deploy: ${r.deploy.mode} check ${what}`);
  }
  if (r.revert) out.push(`revert: ${r.revert.status} ${r.revert.commit}`);
  if (r.error) out.push(`error:  ${r.error}`);
  if (r.diff !== undefined) {
    out.push(
      '',
      r.diff === ''
        ? 'rendered manifests: no change'
        : `rendered manifests (${r.bump?.overlay ?? 'overlay'}):\n${r.diff.trimEnd()}`,
    );
  }
  return out.join('\n');
}
