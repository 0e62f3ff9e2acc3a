import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { truncateLines, unifiedDiff } from '../../../gitops/rules/manifest-diff.js';

/** Applies `patch` to `before` with the real git apply and returns the result. */
function applyWithGit(before: string, patch: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'udiff-'));
  try {
    writeFileSync(join(dir, 'f.yaml'), before);
    writeFileSync(join(dir, 'p.diff'), patch);
    execFileSync('git', ['apply', 'p.diff'], { cwd: dir });
    return readFileSync(join(dir, 'f.yaml'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('unifiedDiff', () => {
  it('matches diff -u for a one-line change in a manifest', () => {
    const before = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '      - image: r/score-api:1@sha256:aa',
      '        name: score-api',
      '---',
      'kind: Service',
      '',
    ].join('\n');
    const after = before.replace('1@sha256:aa', '2@sha256:bb');
    const diff = unifiedDiff(before, after, 'a/f.yaml', 'b/f.yaml');
    expect(diff).toBe(
      [
        '--- a/f.yaml',
        '+++ b/f.yaml',
        '@@ -4,7 +4,7 @@',
        '   template:',
        '     spec:',
        '       containers:',
        '-      - image: r/score-api:1@sha256:aa',
        '+      - image: r/score-api:2@sha256:bb',
        '         name: score-api',
        ' ---',
        ' kind: Service',
        '',
      ].join('\n'),
    );
  });

  it('is empty for equal texts and handles empty sides and a missing final newline', () => {
    expect(unifiedDiff('a\n', 'a\n')).toBe('');
    expect(unifiedDiff('', 'x\n')).toBe('--- before\n+++ after\n@@ -0,0 +1,1 @@\n+x\n');
    expect(unifiedDiff('x', 'x\n')).toContain('-x\n\\ No newline at end of file\n+x\n');
  });

  it('produces patches that git apply turns into the new text (random edits)', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 25; round += 1) {
      const before = Array.from({ length: 5 + rand(60) }, () => `line ${rand(12)}`);
      const after = [...before];
      for (let e = 0; e < 1 + rand(6); e += 1) {
        const at = rand(after.length + 1);
        const what = rand(3);
        if (what === 0) after.splice(at, 1);
        else if (what === 1) after.splice(at, 0, `new ${rand(100)}`);
        else after[at] = `changed ${rand(100)}`;
      }
      const a = `${before.join('\n')}\n`;
      const b = `${after.join('\n')}\n`;
      const patch = unifiedDiff(a, b, 'a/f.yaml', 'b/f.yaml');
      if (a === b) continue;
      expect(applyWithGit(a, patch)).toBe(b);
    }
  });
});

describe('truncateLines', () => {
  it('keeps short text and cuts long text at a line boundary with a note', () => {
    expect(truncateLines('a\nb\n', 100)).toEqual({ text: 'a\nb\n', truncated: false });
    const long = Array.from({ length: 1000 }, (_, i) => `+line ${i}`).join('\n');
    const { text, truncated } = truncateLines(long, 500);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(500);
    expect(text).toMatch(/\n\.\.\. \d+ more lines not shown \.\.\.\n$/);
    expect(
      text
        .split('\n')
        .slice(0, -2)
        .every((l) => /^\+line \d+$/.test(l)),
    ).toBe(true);
  });
});
