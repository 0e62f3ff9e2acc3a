// The bundled record-deploy action, run the way the runner runs it, against a real bare git remote and the
// fake GitHub API (tests/fakes/fake-github-api.ts: GitHub cannot be reached from the test machines): start
// before verify, finish after it; after a rollback, the pull request reverting the source.
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { revertDeployment } from '../../../gitops/flows/revert.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { appCommit, createWorkingClone, fixtureBump } from '../../helpers/git-fixture.js';
import type { WorkingClone } from '../../helpers/git-fixture.js';
import { errors, runAction } from './run-action.js';

const TOKEN = 'ghs_fakeTokenForRecordDeploy012345678';
const RUN = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/deploy',
  GITHUB_RUN_ID: '77',
};
const LOG_URL = 'https://github.com/acme/deploy/actions/runs/77';

let fx: WorkingClone;
let github: FakeGithubApi;
let source: string;
let bump: string;
beforeEach(async () => {
  fx = createWorkingClone();
  source = appCommit(fx, '2');
  const res = await bumpOverlay(fixtureBump(fx.remote, source));
  bump = res.commit;
  github = await startFakeGithubApi({
    owner: 'acme',
    repo: 'deploy',
    token: TOKEN,
    gitRemote: fx.remote,
  });
  github.records.logins['fixture@example.test'] = 'app-dev';
});
afterEach(async () => {
  await github.close();
  fx.cleanup();
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    environment: 'minikube',
    revision: bump,
    'environment-url': 'http://score-api.minikube.test:30080',
    token: TOKEN,
    'api-url': github.url,
    'repository-path': fx.clone,
    ...extra,
  };
}

test('start, then finish healthy: one Deployment, its statuses and the commit statuses, token masked', async () => {
  const start = await runAction('record-deploy', inputs({ phase: 'start' }), {
    workspace: fx.clone,
    env: RUN,
  });
  expect(start.stderr).toBe('');
  expect(start.code).toBe(0);
  const id = start.outputs['deployment-id'];
  expect(id).toMatch(/^\d+$/);
  expect(start.outputs['source-commit']).toBe(source);
  const finish = await runAction(
    'record-deploy',
    inputs({ phase: 'finish', 'deployment-id': id!, result: 'healthy' }),
    { workspace: fx.clone, env: RUN },
  );
  expect(finish.code).toBe(0);
  expect(finish.outputs).toMatchObject({
    'deployment-id': id,
    'revert-source': '',
    'revert-url': '',
  });
  expect(github.records.deploymentStatuses.map((s) => [s.state, s.logUrl])).toEqual([
    ['in_progress', LOG_URL],
    ['success', LOG_URL],
  ]);
  expect(github.records.statuses.map((s) => [s.sha, s.context, s.state])).toEqual([
    [bump, 'gitops/verify/minikube', 'pending'],
    [bump, 'gitops/verify/minikube', 'success'],
    [source, 'gitops/deploy/minikube', 'success'],
  ]);
  expect(finish.summary).toContain('## Deploy record (finish)');
  expect(start.stdout.split('\n')[0]).toBe(`::add-mask::${TOKEN}`);
  expect(`${start.stdout}${finish.stdout}`.split(TOKEN)).toHaveLength(3);
});

test('finish rolled-back: failure then inactive, failed source status, and the revert pull request, once', async () => {
  const rollback = await revertDeployment({
    repo: fx.remote,
    commit: bump,
    reason: 'crash loop',
    push: true,
  });
  const finish = () =>
    runAction(
      'record-deploy',
      inputs({
        phase: 'finish',
        result: 'rolled-back',
        reason: 'pods crash-looping',
        'revert-commit': rollback.commit,
      }),
      { workspace: fx.clone, env: RUN },
    );
  const first = await finish();
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.outputs).toMatchObject({
    'revert-source': 'pull-request',
    'revert-url': 'https://github.com/acme/deploy/pull/1',
  });
  expect(github.records.deploymentStatuses.map((s) => s.state)).toEqual(['failure', 'inactive']);
  expect(github.records.statuses.find((s) => s.sha === source)).toMatchObject({
    state: 'failure',
    context: 'gitops/deploy/minikube',
  });
  const [pull] = github.pulls;
  expect(pull?.head).toBe(`gitops/revert-source/minikube/${source.slice(0, 12)}`);
  expect(pull?.body).toContain('@app-dev: ');
  const again = await finish();
  expect(again.code).toBe(0);
  expect(again.outputs['revert-source']).toBe('exists');
  expect(github.pulls).toHaveLength(1);
  expect(github.records.deploymentStatuses).toHaveLength(2);
  expect(github.records.statuses).toHaveLength(2);
});

test.each([
  ['phase', { phase: '' }],
  ['phase', { phase: 'middle' }],
  ['revision', { phase: 'start', revision: 'HEAD' }],
  ['environment-url', { phase: 'start', 'environment-url': 'score-api' }],
  ['result', { phase: 'finish', result: 'fine' }],
  ['deployment-id', { phase: 'finish', result: 'healthy', 'deployment-id': 'latest' }],
  ['token', { phase: 'start', token: '' }],
])('bad %s: exit code 1 naming it, no API call', async (name, extra) => {
  const run = await runAction('record-deploy', inputs(extra), { workspace: fx.clone, env: RUN });
  expect(run.code).toBe(1);
  expect(errors(run)[0]?.message.startsWith(`${name}: `)).toBe(true);
  expect(github.requests).toEqual([]);
});
