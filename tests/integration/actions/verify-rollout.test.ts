// The bundled verify-rollout action against the fake Kubernetes API server (loopback HTTP, the real
// client) and a real bare git remote holding a real bump commit made by the bump-overlay bundle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import type { FakeKubeApiServer, KubeObject } from '../../fakes/fake-kube-apiserver.js';
import { appCommit, createWorkingClone } from '../../helpers/git-fixture.js';
import type { WorkingClone } from '../../helpers/git-fixture.js';
import { errors, repoRoot, runAction } from './run-action.js';

const fixtures = join(repoRoot, 'tests/unit/delivery/fixtures');
const rollouts = JSON.parse(readFileSync(join(fixtures, 'rollout-healthy.json'), 'utf8')) as {
  deployment: KubeObject;
  replicaSets: KubeObject[];
  pods: KubeObject[];
}[];
const argo = JSON.parse(readFileSync(join(fixtures, 'argocd-sequence.json'), 'utf8')) as {
  newRevision: string;
  apps: Record<string, KubeObject>;
};
const DIGEST = `sha256:${'cd'.repeat(32)}`;

/** An Argo CD Application from the fixtures, at `revision`, whose transitions happened an hour ago. */
function application(state: string, revision: string): KubeObject {
  const hourAgo = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const text = JSON.stringify(argo.apps[state])
    .replaceAll(argo.newRevision, revision)
    .replace(/"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, `"${hourAgo}"`);
  return JSON.parse(text) as KubeObject;
}

let fx: WorkingClone;
let fake: FakeKubeApiServer;
let kubeconfig: string;
let bump: string;

beforeEach(async () => {
  fx = createWorkingClone();
  const source = appCommit(fx, '2');
  const bumped = await runAction(
    'bump-overlay',
    {
      overlay: 'overlays/minikube',
      image: 'score-api',
      digest: DIGEST,
      'repository-path': fx.clone,
    },
    { workspace: fx.clone, env: { GITHUB_SHA: source } },
  );
  if (bumped.outputs.status !== 'committed')
    throw new Error(`bump-overlay did not commit:\n${bumped.stdout}${bumped.stderr}`);
  bump = bumped.outputs.commit!;
  fake = await startFakeKubeApiServer();
  kubeconfig = fake.writeKubeconfig(fx.dir);
  // The cluster runs what the bump pins: verify checks the Deployment's pod template for its digest.
  const step = JSON.parse(
    JSON.stringify(rollouts[rollouts.length - 1]!).replaceAll(`sha256:${'2'.repeat(64)}`, DIGEST),
  ) as (typeof rollouts)[number];
  for (const obj of [step.deployment, ...step.replicaSets, ...step.pods]) fake.put(obj);
  // The release's pods answer the smoke request through the service proxy.
  fake.serviceProxy = ({ service, path, body }) =>
    service === 'score-api:http' && path === 'score' && JSON.stringify(body).includes('5.1')
      ? { status: 200, body: { score: [{ label: 'setosa' }] } }
      : { status: 404, body: 'not found' };
});
afterEach(async () => {
  await fake?.close();
  fx.cleanup();
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    app: 'score-api-minikube',
    revision: bump,
    deployment: 'score-api',
    namespace: 'score',
    kubeconfig,
    timeout: '30',
    'poll-interval': '1',
    'repository-path': fx.clone,
    ...extra,
  };
}

test('a synced, healthy rollout: result healthy, timings, a timeline summary, and an Argo CD refresh', async () => {
  fake.put(application('healthy-settling', bump));
  const run = await runAction('verify-rollout', inputs(), {
    workspace: fx.clone,
    timeoutMs: 60_000,
  });
  expect(errors(run)).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({
    result: 'healthy',
    reason: '',
    'time-to-recovered': '',
    'revert-commit': '',
    'live-revision': bump,
    smoke: 'POST /score labelled the known input "setosa"',
  });
  expect(run.outputs['time-to-synced']).toMatch(/^\d+$/);
  expect(run.outputs['time-to-ready']).toMatch(/^\d+$/);
  expect(run.summary).toContain('### Timeline');
  expect(run.summary).toMatch(/\| \d+\.\d s \| Argo CD synced /);
  expect(
    fake.requests.some(
      (r) => r.method === 'PATCH' && r.path.endsWith('/applications/score-api-minikube'),
    ),
  ).toBe(true);
  expect(fx.git(fx.remote, 'rev-parse', 'main')).toBe(bump);
});

test('a degraded rollout is reverted, the previous version comes back, and the step fails with the reason', async () => {
  fake.put(application('degraded', bump));
  // The "cluster" follows the repository: once the revert lands on main, Argo CD syncs it and is healthy.
  fake.onRequest = () => {
    const head = fx.git(fx.remote, 'rev-parse', 'main');
    if (head !== bump) fake.put(application('healthy-settling', head));
  };
  const run = await runAction('verify-rollout', inputs(), {
    workspace: fx.clone,
    timeoutMs: 60_000,
  });
  expect(run.code).toBe(1);
  const head = fx.git(fx.remote, 'rev-parse', 'main');
  expect(head).not.toBe(bump);
  expect(fx.git(fx.remote, 'log', '-1', '--format=%s', 'main')).toMatch(/^rollback\(minikube\): /);
  expect(fx.git(fx.remote, 'show', 'main:overlays/minikube/kustomization.yaml')).toContain(
    `digest: sha256:${'1'.repeat(64)}`,
  );
  expect(run.outputs).toMatchObject({ result: 'rolled-back', 'revert-commit': head });
  expect(run.outputs.reason).toMatch(/Argo CD degraded/);
  expect(run.outputs['time-to-recovered']).toMatch(/^\d+$/);
  const failure = errors(run).at(-1)?.message ?? '';
  expect(failure).toContain(`rolled back (revert ${head})`);
  expect(failure).toContain(run.outputs.reason);
  expect(run.summary).toContain('rolled-back');
});

test('bad input: exit code 1 naming it, and not one request to the cluster', async () => {
  const run = await runAction('verify-rollout', inputs({ timeout: 'forever' }), {
    workspace: fx.clone,
  });
  expect(run.code).toBe(1);
  expect(errors(run).map((e) => e.message)).toEqual([
    "timeout: expected an integer seconds, got 'forever'",
  ]);
  expect(fake.requests).toEqual([]);
});
