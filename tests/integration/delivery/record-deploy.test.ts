// Recording a deploy on GitHub (flows/record-deploy.ts) against the fake GitHub API and a real git remote:
// the Deployment once (created, or GitHub Actions' own adopted), its statuses with both URLs, the
// verification status a promotion reads back, the source commit's status; a retry writes nothing twice.
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import {
  finishDeploy,
  readDeployedChange,
  startDeploy,
} from '../../../gitops/flows/record-deploy.js';
import type { DeployRecordOptions } from '../../../gitops/flows/record-deploy.js';
import type { VerifyOutcome } from '../../../gitops/rules/deploy-record.js';
import { InputError } from '../../../gitops/errors.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { fakeTarget } from '../../helpers/github.js';
import { createGitFixture, digestFor, fixtureBump } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

let fx: GitFixture;
let gh: FakeGithubApi;
let bump: string;
let source: string;

beforeEach(async () => {
  fx = await createGitFixture({ appCommits: 2 });
  source = fx.commits[2]!;
  const res = await bumpOverlay(fixtureBump(fx.remote, source));
  bump = res.commit;
  gh = await startFakeGithubApi({ gitRemote: fx.remote });
});
afterEach(async () => {
  await gh.close();
  await fx.cleanup();
});

const URLS = {
  environmentUrl: 'http://score-api.minikube.test:30080',
  logUrl: 'https://github.com/acme/score-api-gitops/actions/runs/42',
};

async function options(extra: Partial<DeployRecordOptions> = {}): Promise<DeployRecordOptions> {
  return {
    github: fakeTarget(gh),
    environment: 'minikube',
    revision: bump,
    ...URLS,
    change: await readDeployedChange(fx.remote, bump),
    ...extra,
  };
}

const finish = async (
  outcome: VerifyOutcome,
  extra: Partial<DeployRecordOptions> = {},
  reason = 'pods crash-looping',
) =>
  finishDeploy({
    ...(await options(extra)),
    verdict: {
      outcome,
      environment: extra.environment ?? 'minikube',
      revision: bump,
      reason,
      revertCommit: 'a'.repeat(40),
    },
  });

const deploymentStates = (id: number) =>
  gh.records.deploymentStatuses.filter((s) => s.deploymentId === id).map((s) => s.state);
const statusesOf = (sha: string) =>
  gh.records.statuses.filter((s) => s.sha === sha).map((s) => `${s.context}=${s.state}`);

it('a healthy deploy: one Deployment, in_progress then success, the verification and source statuses, once', async () => {
  const started = await startDeploy(await options());
  expect(started).toMatchObject({ deployment: 'created', written: 2, sourceCommit: source });
  const [dep] = gh.records.deployments;
  expect(dep).toMatchObject({
    id: started.deploymentId,
    sha: bump,
    environment: 'minikube',
    task: 'deploy',
    creator: 'github-actions[bot]',
    payload: { gitops: { revision: bump, source_commit: source, digest: digestFor(source) } },
  });
  const done = await finish('healthy');
  expect(done).toMatchObject({
    deploymentId: started.deploymentId,
    deployment: 'reused',
    written: 3,
  });
  expect(deploymentStates(started.deploymentId)).toEqual(['in_progress', 'success']);
  expect(
    gh.records.deploymentStatuses.every(
      (s) => s.environmentUrl === URLS.environmentUrl && s.logUrl === URLS.logUrl,
    ),
  ).toBe(true);
  expect(statusesOf(bump)).toEqual([
    'gitops/verify/minikube=pending',
    'gitops/verify/minikube=success',
  ]);
  expect(statusesOf(source)).toEqual(['gitops/deploy/minikube=success']);

  // The whole step again (a re-run of the job): nothing new anywhere.
  expect((await startDeploy(await options())).written).toBe(0);
  expect((await finish('healthy')).written).toBe(0);
  expect(gh.records.deployments).toHaveLength(1);
  expect(deploymentStates(started.deploymentId)).toEqual(['in_progress', 'success']);
  expect(gh.records.statuses).toHaveLength(3);
});

it('a rolled-back deploy: failure with the verdict, then inactive; failed statuses on revision and source', async () => {
  const { deploymentId } = await startDeploy(await options());
  await finish('rolled-back');
  await finish('rolled-back');
  expect(deploymentStates(deploymentId)).toEqual(['in_progress', 'failure', 'inactive']);
  const [, failure, inactive] = gh.records.deploymentStatuses;
  expect(failure?.description).toBe('pods crash-looping');
  expect(inactive?.description).toBe('rolled back by aaaaaaa: pods crash-looping');
  expect(statusesOf(bump)).toEqual([
    'gitops/verify/minikube=pending',
    'gitops/verify/minikube=failure',
  ]);
  expect(gh.records.statuses.find((s) => s.sha === source)).toMatchObject({
    context: 'gitops/deploy/minikube',
    state: 'failure',
    description: 'rolled back on minikube: pods crash-looping',
    targetUrl: URLS.logUrl,
  });
});

it('superseded leaves the Deployment inactive and no commit status; no result is an error', async () => {
  const { deploymentId } = await startDeploy(await options());
  await finish('superseded', {}, 'a newer bump replaced it');
  expect(deploymentStates(deploymentId)).toEqual(['in_progress', 'inactive']);
  expect(statusesOf(source)).toEqual([]);
  await finish('error', {}, 'verify ended without a result');
  expect(deploymentStates(deploymentId)).toEqual(['in_progress', 'inactive', 'error']);
  expect(statusesOf(bump)).toEqual([
    'gitops/verify/minikube=pending',
    'gitops/verify/minikube=error',
  ]);
});

it('adopts the Deployment GitHub Actions made for a job naming environment:, instead of a second one', async () => {
  const actions = gh.records.actionsDeployment({
    sha: bump,
    environment: 'gke',
    ref: 'main',
    logUrl: URLS.logUrl,
  });
  const started = await startDeploy(await options({ environment: 'gke', adopt: true }));
  expect(started).toMatchObject({ deploymentId: actions.id, deployment: 'adopted' });
  await finish('healthy', { environment: 'gke', adopt: true });
  expect(gh.records.deployments).toHaveLength(1);
  expect(deploymentStates(actions.id)).toEqual(['queued', 'in_progress', 'in_progress', 'success']);

  // Without one (act runs no environments), it is created, and said so.
  const logs: string[] = [];
  const other = await startDeploy(
    await options({ environment: 'staging', adopt: true, log: (l) => logs.push(l) }),
  );
  expect(other.deployment).toBe('created');
  expect(logs.join('\n')).toContain('no Deployment of');
});

it('a hand edit (no gitops trailers) is recorded without a source status', async () => {
  const logs: string[] = [];
  const change = await readDeployedChange(fx.remote, fx.commits[1]!, (l) => logs.push(l));
  expect(change).toBeUndefined();
  expect(logs.join('\n')).toContain('is not a gitops bump or promotion');
  const res = await finishDeploy({
    ...(await options({ revision: fx.commits[1]!, change })),
    verdict: {
      outcome: 'failed',
      environment: 'minikube',
      revision: fx.commits[1]!,
      reason: 'degraded',
    },
  });
  expect(res.sourceCommit).toBeUndefined();
  expect(gh.records.statuses.map((s) => s.context)).toEqual(['gitops/verify/minikube']);
});

it('refuses bad input before any request', async () => {
  const base = await options();
  await expect(startDeploy({ ...base, revision: 'abc' })).rejects.toThrow(InputError);
  await expect(startDeploy({ ...base, revision: 'abc' })).rejects.toThrow(/revision/);
  await expect(startDeploy({ ...base, environmentUrl: 'score.example.com' })).rejects.toThrow(
    /environment-url/,
  );
  await expect(startDeploy({ ...base, logUrl: 'ftp://x' })).rejects.toThrow(/log-url/);
  await expect(startDeploy({ ...base, environment: 'GKE!' })).rejects.toThrow(/environment/);
  await expect(
    finishDeploy({
      ...base,
      deploymentId: 9,
      verdict: { outcome: 'healthy', environment: 'minikube', revision: bump },
    }),
  ).rejects.toThrow(/deployment-id/);
  expect(gh.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
});
