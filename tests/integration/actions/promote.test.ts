// The bundled promote action: a real bare git remote, real Kustomize rendering, and a fake GitHub API
// (tests/fakes/fake-github-api.ts: GitHub cannot be reached from the test machines).
import { addOverlay, createWorkingClone } from '../../helpers/git-fixture.js';
import type { WorkingClone } from '../../helpers/git-fixture.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { errors, runAction } from './run-action.js';

const TOKEN = 'ghs_fakeTokenForPromote0123456789';
const MINIKUBE_DIGEST = `sha256:${'1'.repeat(64)}`;
const GKE = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../deploy
images:
  - name: score-api
    newName: europe-docker.pkg.dev/example/score/score-api
    newTag: ${'b0'.repeat(20)}
    digest: sha256:${'0'.repeat(64)}
`;

let fx: WorkingClone;
let github: FakeGithubApi;
beforeEach(async () => {
  fx = createWorkingClone();
  addOverlay(fx, 'gke', GKE);
  github = await startFakeGithubApi({
    owner: 'acme',
    repo: 'deploy',
    token: TOKEN,
    gitRemote: fx.remote,
  });
});
afterEach(async () => {
  await github.close();
  fx.cleanup();
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    from: 'overlays/minikube',
    to: 'overlays/gke',
    token: TOKEN,
    repository: 'acme/deploy',
    'api-url': github.url,
    'repository-path': fx.clone,
    ...extra,
  };
}

test('opens a pull request pinning the minikube digest in gke, and a rerun updates it', async () => {
  const first = await runAction('promote', inputs(), { workspace: fx.clone });
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.outputs).toMatchObject({
    changed: 'true',
    digest: MINIKUBE_DIGEST,
    branch: 'promote/gke',
    'pull-request-number': '1',
    url: 'https://github.com/acme/deploy/pull/1',
  });
  const pinned = fx.git(fx.remote, 'show', 'promote/gke:overlays/gke/kustomization.yaml');
  expect(pinned).toContain(`digest: ${MINIKUBE_DIGEST}`);
  expect(pinned).toContain('newName: europe-docker.pkg.dev/example/score/score-api');
  const [pull] = github.pulls;
  expect(pull).toMatchObject({ head: 'promote/gke', base: 'main' });
  expect(pull!.body).toContain(MINIKUBE_DIGEST);
  expect(pull!.body).toMatch(/^[-+].*image: europe-docker\.pkg\.dev\/example\/score\/score-api/m); // rendered diff
  expect(first.summary).toContain('### Rendered manifest diff');
  // The token was masked first and never printed anywhere else.
  expect(first.stdout.split('\n')[0]).toBe(`::add-mask::${TOKEN}`);
  expect(first.stdout.split(TOKEN)).toHaveLength(2);

  const second = await runAction('promote', inputs(), { workspace: fx.clone });
  expect(second.code).toBe(0);
  expect(second.outputs['pull-request-number']).toBe('1');
  expect(github.pulls).toHaveLength(1);
});

test('the token can come from GITHUB_TOKEN, and without any token the step fails naming the input', async () => {
  const noToken = await runAction('promote', inputs({ token: '' }), { workspace: fx.clone });
  expect(noToken.code).toBe(1);
  expect(errors(noToken)[0]?.message).toMatch(/^token: is required when open-pr is true/);
  expect(github.requests).toEqual([]);
  expect(() => fx.git(fx.remote, 'rev-parse', '--verify', 'promote/gke')).toThrow();

  const fromEnv = await runAction('promote', inputs({ token: '' }), {
    workspace: fx.clone,
    env: { GITHUB_TOKEN: TOKEN },
  });
  expect(fromEnv.code).toBe(0);
  expect(github.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
});

test.each([
  ['to', { to: 'overlays/minikube' }],
  ['from', { from: '../outside' }],
  ['api-url', { 'api-url': 'not a url' }],
  ['repository', { repository: 'no-slash' }],
  ['open-pr', { 'open-pr': 'maybe' }],
])('bad %s: exit code 1 naming it, no branch pushed and no API call', async (name, extra) => {
  const run = await runAction('promote', inputs(extra), { workspace: fx.clone });
  expect(run.code).toBe(1);
  expect(errors(run)[0]?.message.startsWith(`${name}: `)).toBe(true);
  expect(github.requests).toEqual([]);
  expect(() => fx.git(fx.remote, 'rev-parse', '--verify', 'promote/gke')).toThrow();
});
