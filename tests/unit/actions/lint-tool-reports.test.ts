import {
  parseEslintJson,
  parseTscOutput,
  repoPath,
} from '../../../actions/lint/src/tool-reports.js';

// Captured from `npx eslint --format json` with this repository's config (trimmed to the fields used).
const eslintOutput = JSON.stringify([
  {
    filePath: '/ws/app/src/bad.ts',
    messages: [
      {
        ruleId: '@typescript-eslint/no-unused-vars',
        severity: 2,
        message: "'unused' is assigned a value but never used.",
        line: 1,
        column: 7,
      },
      {
        ruleId: 'prefer-const',
        severity: 1,
        message: "'y' is never reassigned.",
        line: 3,
        column: 5,
      },
      {
        ruleId: null,
        fatal: true,
        severity: 2,
        message: 'Parsing error: Unexpected token',
        line: 9,
        column: 1,
      },
    ],
    errorCount: 2,
    warningCount: 1,
  },
  { filePath: '/ws/app/src/clean.ts', messages: [], errorCount: 0, warningCount: 0 },
]);

describe('parseEslintJson', () => {
  test('one problem per message, paths relative to the repository root', () => {
    const problems = parseEslintJson(eslintOutput, '/ws/app', '/ws');
    expect(problems).toEqual([
      {
        source: 'eslint',
        file: 'app/src/bad.ts',
        line: 1,
        column: 7,
        rule: '@typescript-eslint/no-unused-vars',
        severity: 'error',
        message: "'unused' is assigned a value but never used.",
      },
      expect.objectContaining({ rule: 'prefer-const', severity: 'warning', line: 3 }),
      expect.objectContaining({ rule: 'parse-error', severity: 'error', line: 9 }),
    ]);
  });

  test('output that is not JSON is a tool failure, not zero findings', () => {
    expect(() =>
      parseEslintJson(
        "Oops! Something went wrong! :(\nESLint couldn't find a config",
        '/ws',
        '/ws',
      ),
    ).toThrow(/eslint did not print JSON/);
  });
});

describe('parseTscOutput', () => {
  test('located and global diagnostics, continuation lines joined', () => {
    const text = [
      "src/bad.ts(2,14): error TS2322: Type 'string' is not assignable to type 'number'.",
      "service/src/x.ts(10,3): error TS2345: Argument of type '{ a: string; }' is not assignable to parameter of type 'B'.",
      "  Property 'b' is missing in type '{ a: string; }' but required in type 'B'.",
      "error TS5083: Cannot read file '/ws/tsconfig.base.json'.",
      '',
    ].join('\n');
    const problems = parseTscOutput(text, '/ws/app', '/ws');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toEqual({
      source: 'typecheck',
      file: 'app/src/bad.ts',
      line: 2,
      column: 14,
      severity: 'error',
      rule: 'TS2322',
      message: "Type 'string' is not assignable to type 'number'.",
    });
    expect(problems[1]!.message).toContain("\nProperty 'b' is missing");
    expect(problems[2]).toMatchObject({ rule: 'TS5083' });
    expect(problems[2]!.file).toBeUndefined();
  });

  test('no output means no problems', () => {
    expect(parseTscOutput('', '/ws', '/ws')).toEqual([]);
  });
});

describe('repoPath', () => {
  test('keeps paths outside the root absolute', () => {
    expect(repoPath('/elsewhere/a.ts', '/ws', '/ws')).toBe('/elsewhere/a.ts');
    expect(repoPath('a.ts', '/ws/sub', '/ws')).toBe('sub/a.ts');
  });
});
