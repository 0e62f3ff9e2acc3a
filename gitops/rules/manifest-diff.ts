/**
 * A unified diff (the `diff -u` / `git diff` text format) of two texts, used to show the rendered manifests
 * a promotion or a bump changes; the diff itself is the `diff` package's (jsdiff).
 */
import { createTwoFilesPatch, structuredPatch } from 'diff';

/** Options for unifiedDiff. */
export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change. Default 3. */
  context?: number;
}

/** Unified diff of `before` and `after` with `---`/`+++` headers; '' when the texts are equal. */
export function unifiedDiff(
  before: string,
  after: string,
  fromLabel = 'before',
  toLabel = 'after',
  opts: UnifiedDiffOptions = {},
): string {
  const context = opts.context ?? 3;
  if (
    structuredPatch(fromLabel, toLabel, before, after, undefined, undefined, { context }).hunks
      .length === 0
  )
    return '';
  return createTwoFilesPatch(fromLabel, toLabel, before, after, undefined, undefined, {
    context,
    headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true },
  });
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
