import { checkWorkflowPolicy, isShaPinned } from '../../../gitops/lint/workflow-policy.js';
import { parseActionlintJson } from '../../../gitops/lint/workflows.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function workflow(lines: string[]): string {
  return lines.join('\n') + '\n';
}

describe('workflow policy', () => {
  it('accepts pinned actions, read-only top-level permissions, job permissions and concurrency', () => {
    const text = workflow([
      'on: push',
      'permissions: {}',
      'concurrency: { group: x }',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      contents: write',
      '    steps:',
      `      - uses: actions/checkout@${SHA} # v5.0.0`,
      '      - uses: ./actions/lint',
      '      - uses: docker://alpine:3',
    ]);
    expect(checkWorkflowPolicy('.github/workflows/a.yml', text)).toEqual([]);
  });

  it('reports a tag-pinned action at its line and a SHA without a version comment as a warning', () => {
    const text = workflow([
      'on: push',
      'permissions:',
      '  contents: read',
      'concurrency: x',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    permissions: {}',
      '    steps:',
      '      - name: co',
      '        uses: actions/checkout@v4',
      `      - uses: actions/setup-node@${SHA}`,
    ]);
    const findings = checkWorkflowPolicy('w.yml', text);
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['workflow/pinned-action', 'error', 11],
      ['workflow/pin-comment', 'warning', 12],
    ]);
    expect(findings[0]?.message).toContain('actions/checkout@v4');
  });

  it('requires top-level permissions that grant no write', () => {
    const base = [
      'on: push',
      'concurrency: x',
      'jobs:',
      '  a:',
      '    runs-on: x',
      '    permissions: {}',
      '    steps: []',
    ];
    expect(checkWorkflowPolicy('w.yml', workflow(base)).map((f) => f.rule)).toEqual([
      'workflow/permissions',
    ]);
    const write = workflow(['permissions:', '  contents: write', ...base]);
    const [f] = checkWorkflowPolicy('w.yml', write);
    expect(f).toMatchObject({ rule: 'workflow/permissions', line: 1 });
    expect(
      checkWorkflowPolicy('w.yml', workflow(['permissions: write-all', ...base]))[0]?.rule,
    ).toBe('workflow/permissions');
  });

  it('requires permissions on every job, including reusable-workflow calls, and checks their pins', () => {
    const text = workflow([
      'on: push',
      'permissions: {}',
      'jobs:',
      '  a:',
      '    uses: ./.github/workflows/ci.yml',
      '  b:',
      '    uses: org/repo/.github/workflows/x.yml@main',
      '    permissions: write-all',
    ]);
    expect(checkWorkflowPolicy('w.yml', text).map((f) => [f.rule, f.line])).toEqual([
      ['workflow/job-permissions', 4],
      ['workflow/job-permissions', 8],
      ['workflow/pinned-action', 7],
      ['workflow/concurrency', 1],
    ]);
  });

  it('recognises SHA pins', () => {
    expect(isShaPinned(`google-github-actions/auth@${SHA}`)).toBe(true);
    expect(isShaPinned(`org/repo/path/to/action@${SHA}`)).toBe(true);
    expect(isShaPinned('org/repo@v1.2.3')).toBe(false);
    expect(isShaPinned(`org/repo@${SHA.slice(0, 39)}`)).toBe(false);
  });
});

describe('actionlint output', () => {
  it('parses the JSON format into findings', () => {
    const json = JSON.stringify([
      {
        message: 'label "x" is unknown',
        filepath: '.github/workflows/a.yml',
        line: 5,
        column: 28,
        kind: 'runner-label',
      },
    ]);
    expect(parseActionlintJson(json)).toEqual([
      {
        file: '.github/workflows/a.yml',
        line: 5,
        column: 28,
        rule: 'actionlint/runner-label',
        severity: 'error',
        message: 'label "x" is unknown',
      },
    ]);
    expect(parseActionlintJson('[]\n')).toEqual([]);
    expect(() => parseActionlintJson('boom')).toThrow(/not JSON/);
  });
});
