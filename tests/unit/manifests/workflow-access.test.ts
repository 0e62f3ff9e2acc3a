import { checkWorkflowAccess, workflowFacts } from '../../../gitops/lint/workflow-access.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const AUTH = `google-github-actions/auth@${SHA} # v3.0.0`;

function workflow(lines: string[]): string {
  return lines.join('\n') + '\n';
}

function gcpJob(extra: string[]): string[] {
  return [
    '  deploy:',
    '    runs-on: ubuntu-latest',
    ...extra,
    '    steps:',
    `      - uses: ${AUTH}`,
    '        with: { workload_identity_provider: x, service_account: y }',
  ];
}

const rules = (text: string, facts?: Parameters<typeof checkWorkflowAccess>[2]) =>
  checkWorkflowAccess('w.yml', text, facts).map((f) => [f.rule, f.line]);

describe('workflow access', () => {
  it('accepts a GKE job in the gke environment with the token it uses', () => {
    const text = workflow([
      'on: push',
      'jobs:',
      ...gcpJob(['    environment: gke', '    permissions:', '      id-token: write']),
    ]);
    expect(checkWorkflowAccess('w.yml', text)).toEqual([]);
    const named = text.replace('environment: gke', 'environment: { name: gke, url: https://x }');
    expect(checkWorkflowAccess('w.yml', named)).toEqual([]);
  });

  it('requires the gke environment on a job using a google-github-actions action', () => {
    const text = workflow([
      'on: push',
      'jobs:',
      ...gcpJob(['    environment: staging', '    permissions:', '      id-token: write']),
    ]);
    const [f] = checkWorkflowAccess('w.yml', text);
    expect(f).toMatchObject({ rule: 'workflow/gke-environment', line: 3, severity: 'error' });
    expect(f?.message).toContain('google-github-actions/auth');
  });

  it('grants id-token: write only to jobs that exchange a token, and to every one that does', () => {
    const text = workflow([
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    permissions: { contents: read, id-token: write }',
      '    steps: [{ run: make }]',
      '  script:',
      '    runs-on: ubuntu-latest',
      '    permissions: { id-token: write }',
      '    steps:',
      '      - run: curl "$ACTIONS_ID_TOKEN_REQUEST_URL"',
      ...gcpJob(['    environment: gke', '    permissions: { contents: read }']),
      '  everything:',
      '    runs-on: ubuntu-latest',
      '    permissions: write-all',
      '    steps: [{ run: make }]',
    ]);
    expect(rules(text)).toEqual([
      ['workflow/id-token', 3],
      ['workflow/id-token', 12],
      ['workflow/id-token', 19],
    ]);
  });

  it('judges a reusable-workflow call by what the called workflow does', () => {
    const caller = workflow([
      'on: push',
      'jobs:',
      '  call:',
      '    uses: ./.github/workflows/gke.yml',
      '    permissions: { id-token: write }',
      '  remote:',
      '    uses: org/repo/.github/workflows/x.yml@main',
      '    permissions: { id-token: write }',
    ]);
    const gke = workflowFacts(
      workflow(['on: workflow_call', 'jobs:', ...gcpJob(['    environment: gke'])]),
    );
    expect(gke).toEqual({ usesOidc: true, selfHosted: false });
    expect(rules(caller, new Map([['.github/workflows/gke.yml', gke]]))).toEqual([]);
    expect(
      rules(
        caller,
        new Map([['.github/workflows/gke.yml', { usesOidc: false, selfHosted: false }]]),
      ),
    ).toEqual([['workflow/id-token', 3]]);
  });

  it('keeps pull_request workflows off self-hosted runners, directly or through a call', () => {
    const text = workflow([
      'on:',
      '  pull_request:',
      '  push:',
      'jobs:',
      '  hosted:',
      '    runs-on: ubuntu-24.04',
      '    steps: [{ run: make }]',
      '  runner:',
      '    runs-on: [self-hosted, minikube]',
      '    steps: [{ run: make }]',
      '  label-only:',
      '    runs-on: minikube',
      '    steps: [{ run: make }]',
      '  group:',
      '    runs-on: { group: deployers }',
      '    steps: [{ run: make }]',
      '  call:',
      '    uses: ./.github/workflows/deploy.yml',
    ]);
    const facts = new Map([
      ['.github/workflows/deploy.yml', { usesOidc: false, selfHosted: true }],
    ]);
    expect(rules(text, facts)).toEqual([
      ['workflow/self-hosted-pull-request', 8],
      ['workflow/self-hosted-pull-request', 11],
      ['workflow/self-hosted-pull-request', 14],
      ['workflow/self-hosted-pull-request', 17],
    ]);
    expect(rules(text.replace('  pull_request:\n', ''), facts)).toEqual([]);
    expect(
      rules(workflow(['on: [pull_request_target]', 'jobs:', '  a:', '    runs-on: [self-hosted]'])),
    ).toEqual([['workflow/self-hosted-pull-request', 3]]);
  });
});
