// The one shape every lint check reports in, so the lint action can annotate any of them.

/** One problem at a file and line (file relative to the repository root, '/' separated, line 1-based). */
export interface Finding {
  file: string;
  line: number;
  column?: number;
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}

/** Sorts findings by file, line, column and rule, for stable output. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.rule.localeCompare(b.rule) ||
      a.message.localeCompare(b.message),
  );
}

/** Formats a finding as one `file:line:col: severity rule: message` line. */
export function formatFinding(f: Finding): string {
  const col = f.column === undefined ? '' : `:${f.column}`;
  return `${f.file}:${f.line}${col}: ${f.severity} ${f.rule}: ${f.message}`;
}
