/**
 * A unified diff (the `diff -u` / `git diff` text format) of two texts, used to show the rendered manifests
 * a promotion changes. Myers' O(ND) algorithm over lines, so small changes to large manifests stay cheap.
 */

/** One line of an edit script: kept (space), removed (-) or added (+). */
export type Op = { kind: ' ' | '-' | '+'; line: string };

/** Options for unifiedDiff. */
export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change. Default 3. */
  context?: number;
}

// A last line without its newline carries this mark, so it differs from the same text with a newline.
const NO_EOL = '\u0000';

function splitLines(text: string): string[] {
  if (text === '') return [];
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  if (!finalNewline) lines[lines.length - 1] += NO_EOL;
  return lines;
}

/** The edit script turning `a` into `b` (Myers' greedy shortest edit script). */
export function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace backwards to recover the path.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[x - 1] as string });
      x -= 1;
      y -= 1;
    }
    if (d > 0) {
      if (down) ops.push({ kind: '+', line: b[y - 1] as string });
      else ops.push({ kind: '-', line: a[x - 1] as string });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Unified diff of `before` and `after` with `---`/`+++` headers; '' when the texts are equal. */
export function unifiedDiff(
  before: string,
  after: string,
  fromLabel = 'before',
  toLabel = 'after',
  opts: UnifiedDiffOptions = {},
): string {
  if (before === after) return '';
  const context = opts.context ?? 3;
  const ops = diffLines(splitLines(before), splitLines(after));
  const out: string[] = [`--- ${fromLabel}`, `+++ ${toLabel}`];

  let i = 0;
  let aLine = 0;
  let bLine = 0;
  const positions = ops.map((op) => {
    const pos = { a: aLine, b: bLine };
    if (op.kind !== '+') aLine += 1;
    if (op.kind !== '-') bLine += 1;
    return pos;
  });
  while (i < ops.length) {
    if ((ops[i] as Op).kind === ' ') {
      i += 1;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change within reach.
    const start = Math.max(0, i - context);
    let end = i;
    let lastChange = i;
    while (end < ops.length) {
      if ((ops[end] as Op).kind !== ' ') lastChange = end;
      else if (end - lastChange > 2 * context) break;
      end += 1;
    }
    end = Math.min(ops.length, lastChange + context + 1);
    const hunk = ops.slice(start, end);
    const from = positions[start] as { a: number; b: number };
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${range(from.a, aCount)} +${range(from.b, bCount)} @@`);
    for (const op of hunk) {
      if (op.line.endsWith(NO_EOL)) {
        out.push(`${op.kind}${op.line.slice(0, -1)}`, '\\ No newline at end of file');
      } else {
        out.push(`${op.kind}${op.line}`);
      }
    }
    i = end;
  }
  return `${out.join('\n')}\n`;
}

function range(start: number, count: number): string {
  // diff(1) numbers from 1; an empty range names the line before it.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/**
 * Cuts `text` to at most `maxChars` at a line boundary and says how much was left out; never splits a
 * surrogate pair or leaves half a line.
 */
export function truncateLines(
  text: string,
  maxChars: number,
): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const totalLines = text.split('\n').length;
  const note = (kept: number) => `... ${totalLines - kept} more lines not shown ...\n`;
  let cut = text.lastIndexOf('\n', Math.max(0, maxChars - note(0).length - 16));
  if (cut < 0) cut = 0;
  const head = cut === 0 ? '' : text.slice(0, cut + 1);
  const kept = head === '' ? 0 : head.split('\n').length - 1;
  return { text: `${head}${note(kept)}`, truncated: true };
}
