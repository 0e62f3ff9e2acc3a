// Parsers for what ESLint (--format json) and tsc (--pretty false) print, into findings with file and line.
import { isAbsolute, join, relative, sep } from 'node:path';
import { GitopsError } from '../../../gitops/errors.js';

/** One problem to annotate; `file` is relative to the repository root when known. */
export interface LintProblem {
  source: 'eslint' | 'typecheck' | 'manifests';
  file?: string;
  line?: number;
  column?: number;
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}

/** A path as the repository sees it: relative to root with '/' when inside it. */
export function repoPath(file: string, cwd: string, root: string): string {
  const abs = isAbsolute(file) ? file : join(cwd, file);
  const rel = relative(root, abs);
  const inside = rel && !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : abs).split(sep).join('/');
}

/** Parses `eslint --format json` output. */
export function parseEslintJson(text: string, cwd: string, root: string): LintProblem[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new GitopsError(
      `eslint did not print JSON (${(err as Error).message}): ${text.slice(0, 300)}`,
      'LINT_TOOL_FAILED',
    );
  }
  if (!Array.isArray(data))
    throw new GitopsError('eslint JSON output is not an array of file results', 'LINT_TOOL_FAILED');
  const problems: LintProblem[] = [];
  for (const fileResult of data as { filePath?: string; messages?: unknown[] }[]) {
    for (const raw of fileResult.messages ?? []) {
      const m = raw as {
        ruleId?: string | null;
        severity?: number;
        message?: string;
        line?: number;
        column?: number;
        fatal?: boolean;
      };
      problems.push({
        source: 'eslint',
        file: fileResult.filePath ? repoPath(fileResult.filePath, cwd, root) : undefined,
        line: m.line,
        column: m.column,
        rule: m.ruleId ?? (m.fatal ? 'parse-error' : 'eslint'),
        severity: m.severity === 2 ? 'error' : 'warning',
        message: m.message ?? '',
      });
    }
  }
  return problems;
}

const TSC_LINE = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$/;
const TSC_GLOBAL = /^(error|warning) (TS\d+): (.*)$/;

/** Parses `tsc --noEmit --pretty false` output; continuation lines join their diagnostic. */
export function parseTscOutput(text: string, cwd: string, root: string): LintProblem[] {
  const problems: LintProblem[] = [];
  for (const line of text.split(/\r?\n/)) {
    const located = TSC_LINE.exec(line);
    const global = located ? undefined : TSC_GLOBAL.exec(line);
    if (located) {
      problems.push({
        source: 'typecheck',
        file: repoPath(located[1]!, cwd, root),
        line: Number(located[2]),
        column: Number(located[3]),
        severity: located[4] === 'error' ? 'error' : 'warning',
        rule: located[5]!,
        message: located[6]!,
      });
    } else if (global) {
      problems.push({
        source: 'typecheck',
        severity: global[1] === 'error' ? 'error' : 'warning',
        rule: global[2]!,
        message: global[3]!,
      });
    } else if (/^\s+\S/.test(line) && problems.length) {
      const last = problems[problems.length - 1]!;
      last.message += `\n${line.trim()}`;
    }
  }
  return problems;
}
