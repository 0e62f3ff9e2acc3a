// Input handling of every entry point on plain data: a bad input fails with a message naming it,
// and the side-effecting part (builder, bumper, promoter, cluster) is never reached.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPushAction } from '../../../actions/build-push/src/main.js';
import { bumpOverlayAction } from '../../../actions/bump-overlay/src/main.js';
import { promoteAction } from '../../../actions/promote/src/main.js';
import { verifyRolloutAction } from '../../../actions/verify-rollout/src/main.js';
import type { VerifyDeps } from '../../../actions/verify-rollout/src/main.js';
import { runAction } from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import type { KubeClient } from '../../../gitops/adapters/kube-api.js';
import { recordingRuntime } from './recording-runtime.js';

const SHA = 'f'.repeat(40);
const DIGEST = `sha256:${'e'.repeat(64)}`;
let ws: string;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'entry-inputs-'));
  mkdirSync(join(ws, '.git'));
  for (const env of ['minikube', 'gke']) {
    mkdirSync(join(ws, 'overlays', env), { recursive: true });
    writeFileSync(join(ws, 'overlays', env, 'kustomization.yaml'), 'resources: []\n');
  }
  writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\n');
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

/** Runs the body like a workflow step would and returns the recording and whether the side effect ran. */
async function step(
  body: (rt: ActionRuntime, effect: () => never) => Promise<void>,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
) {
  const { rt, rec } = recordingRuntime(inputs, { GITHUB_WORKSPACE: ws, ...env });
  let effects = 0;
  const effect = (): never => {
    effects += 1;
    throw new Error('side effect reached');
  };
  await runAction((r) => body(r, effect), rt);
  return { rec, effects };
}

describe('build-push', () => {
  const good = {
    image: '127.0.0.1:5000/score-api',
    'registry-username': 'ci',
    'registry-password': 's3cret-pw',
  };
  test.each([
    [
      'image',
      { image: '127.0.0.1:5000/score-api:latest' },
      'image: expected an image repository without tag or digest',
    ],
    ['image', { image: '' }, 'image: is required'],
    ['sha', { sha: 'abc' }, "sha: 'abc' is not a full commit SHA"],
    ['context', { context: 'nope' }, 'context: expected a directory'],
    ['dockerfile', { dockerfile: 'Missing.Dockerfile' }, 'dockerfile: expected a Dockerfile'],
    ['build-args', { 'build-args': 'BASE_IMAGE' }, 'build-args: line 1: expected KEY=VALUE'],
    [
      'registry-username',
      { 'registry-username': '' },
      'registry-username: is required when registry-password is set',
    ],
    ['network', { network: 'host;rm -rf /' }, 'network: expected a network name'],
    ['push', { push: 'no' }, "push: expected true or false, got 'no'"],
  ])('bad %s', async (_name, extra, message) => {
    const { rec, effects } = await step(
      (rt, effect) => buildPushAction(rt, effect),
      { ...good, ...extra },
      { GITHUB_SHA: SHA },
    );
    expect(rec.failed).toContain(message);
    expect(effects).toBe(0);
  });

  test('masks the registry password before reading any other input', async () => {
    const { rec } = await step((rt, effect) => buildPushAction(rt, effect), {
      ...good,
      sha: 'bad',
    });
    expect(rec.secrets).toEqual(['s3cret-pw']);
    expect(rec.calls.indexOf('setSecret')).toBeLessThan(rec.calls.indexOf('input:image'));
    expect(rec.failed).not.toContain('s3cret-pw');
  });

  test('a password with surrounding whitespace is masked exactly once, trimmed', async () => {
    const { rec } = await step((rt, effect) => buildPushAction(rt, effect), {
      ...good,
      'registry-password': '  s3cret-pw\n',
      sha: 'bad',
    });
    expect(rec.secrets).toEqual(['s3cret-pw']);
    expect(rec.calls.filter((c) => c === 'setSecret')).toHaveLength(1);
  });

  test('good inputs reach the builder with both auth fields and the build args', async () => {
    const { rt, rec } = recordingRuntime(
      { ...good, 'build-args': 'BASE_IMAGE=node:20\nVERSION=1', network: 'host' },
      { GITHUB_WORKSPACE: ws, GITHUB_SHA: SHA },
    );
    await buildPushAction(rt, async (opts) => {
      expect(opts).toMatchObject({
        image: '127.0.0.1:5000/score-api',
        context: ws,
        sha: SHA,
        push: true,
        network: 'host',
        buildArgs: { BASE_IMAGE: 'node:20', VERSION: '1' },
        registryAuth: { username: 'ci', password: 's3cret-pw' },
      });
      return {
        image: opts.image,
        tags: [`${opts.image}:${SHA}`, `${opts.image}:${SHA.slice(0, 7)}`],
        digest: DIGEST,
        ref: `${opts.image}:${SHA}@${DIGEST}`,
      };
    });
    expect(rec.outputs).toEqual({
      digest: DIGEST,
      image: `127.0.0.1:5000/score-api:${SHA}@${DIGEST}`,
      tags: `127.0.0.1:5000/score-api:${SHA}\n127.0.0.1:5000/score-api:${SHA.slice(0, 7)}`,
    });
    expect(rec.summary).toContain(DIGEST);
  });
});

describe('bump-overlay', () => {
  const good = {
    overlay: 'overlays/minikube',
    image: 'score-api',
    digest: DIGEST,
    'repository-path': ws,
  };
  test.each([
    [
      'overlay',
      { overlay: 'overlays/prod' },
      "overlay: 'overlays/prod' is not a directory in the repository",
    ],
    ['overlay', { overlay: '../x' }, 'overlay: expected a path relative to the repository root'],
    ['image', { image: 'score-api@sha256:abc' }, 'image: '],
    ['digest', { digest: '' }, 'digest: is required'],
    ['digest', { digest: 'sha256:XYZ' }, "digest: 'sha256:XYZ' is not a digest"],
    ['tag', { tag: '.bad' }, "tag: '.bad' is not a valid tag"],
    [
      'source-commit',
      { 'source-commit': 'HEAD' },
      "source-commit: 'HEAD' is not a full commit SHA",
    ],
    ['branch', { branch: '-delete' }, "branch: '-delete' is not a valid branch name"],
    ['max-attempts', { 'max-attempts': '0' }, 'max-attempts: expected at least 1, got 0'],
    [
      'repository-path',
      { 'repository-path': '/nonexistent/repo' },
      'repository-path: expected a git working copy',
    ],
  ])('bad %s', async (_name, extra, message) => {
    const rt = {
      ...good,
      'repository-path': (extra as Record<string, string>)['repository-path'] ?? ws,
    };
    const { rec, effects } = await step(
      (r, effect) => bumpOverlayAction(r, effect),
      { ...rt, ...extra },
      { GITHUB_SHA: SHA },
    );
    expect(rec.failed).toContain(message);
    expect(effects).toBe(0);
  });

  test('the token is masked exactly once, before any other input is read', async () => {
    const { rec } = await step(
      (rt, effect) => bumpOverlayAction(rt, effect),
      { ...good, token: ' ghs_tok ', digest: 'bad' },
      { GITHUB_SHA: SHA },
    );
    expect(rec.secrets).toEqual(['ghs_tok']);
    expect(rec.calls.indexOf('setSecret')).toBe(1); // right after input:token
    expect(rec.calls.filter((c) => c === 'setSecret')).toHaveLength(1);
    expect(rec.failed).toContain('digest: ');
  });

  test('defaults tag and source commit to GITHUB_SHA and maps the result to outputs', async () => {
    const { rt, rec } = recordingRuntime(
      { ...good, token: 'ghs_tok' },
      { GITHUB_WORKSPACE: ws, GITHUB_SHA: SHA },
    );
    await bumpOverlayAction(rt, async (opts) => {
      expect(opts).toMatchObject({
        repo: ws,
        branch: 'main',
        overlay: 'overlays/minikube',
        sourceCommit: SHA,
        push: true,
        force: false,
      });
      expect(opts.image).toEqual({
        name: 'score-api',
        newName: undefined,
        newTag: SHA,
        digest: DIGEST,
      });
      return {
        status: 'committed',
        changed: true,
        commit: 'a'.repeat(40),
        pushed: true,
        attempts: 1,
        message: 'pinned',
        ref: `127.0.0.1:5000/score-api:${SHA}@${DIGEST}`,
        environment: 'minikube',
        overlay: 'overlays/minikube',
        file: 'overlays/minikube/kustomization.yaml',
        previous: { name: 'score-api', newTag: 'old', digest: `sha256:${'0'.repeat(64)}` },
      };
    });
    expect(rec.secrets).toEqual(['ghs_tok']);
    expect(rec.outputs).toEqual({
      status: 'committed',
      changed: 'true',
      commit: 'a'.repeat(40),
      pushed: 'true',
      'previous-tag': 'old',
      'previous-digest': `sha256:${'0'.repeat(64)}`,
    });
    expect(rec.failed).toBeUndefined();
  });
});

describe('promote', () => {
  const good = {
    from: 'overlays/minikube',
    to: 'overlays/gke',
    token: 'ghs_x',
    repository: 'o/r',
    'repository-path': ws,
  };
  test.each([
    [
      'from',
      { from: 'overlays/none' },
      "from: 'overlays/none' is not a directory in the repository",
    ],
    ['to', { to: 'overlays/minikube' }, "to: must differ from 'from'"],
    ['token', { token: '' }, 'token: is required when open-pr is true'],
    ['repository', { repository: 'o/r/x' }, "repository: expected owner/repo, got 'o/r/x'"],
    ['api-url', { 'api-url': 'file:///etc' }, 'api-url: expected an http(s) URL'],
    ['push', { push: 'false' }, 'push: must be true when open-pr is true'],
  ])('bad %s', async (_name, extra, message) => {
    const { rec, effects } = await step((rt, effect) => promoteAction(rt, effect), {
      ...good,
      ...extra,
    });
    expect(rec.failed).toContain(message);
    expect(effects).toBe(0);
  });

  test('open-pr false needs no token; api-url falls back to GITHUB_API_URL then api.github.com', async () => {
    const seen: unknown[] = [];
    const promoter = async (opts: unknown) => {
      seen.push(opts);
      return {
        changed: false,
        branch: 'promote/gke',
        pushed: false,
        diff: '',
        digest: DIGEST,
        image: { name: 'score-api' },
      };
    };
    const noPr = recordingRuntime(
      { ...good, token: '', 'open-pr': 'false' },
      { GITHUB_WORKSPACE: ws },
    );
    await promoteAction(noPr.rt, promoter);
    expect(seen[0]).toMatchObject({ openPr: false, github: undefined });
    expect(noPr.rec.outputs).toMatchObject({
      changed: 'false',
      'pull-request-number': '',
      url: '',
    });

    const env = recordingRuntime(
      { ...good, token: '' },
      {
        GITHUB_WORKSPACE: ws,
        GITHUB_TOKEN: 'ghs_env',
        GITHUB_API_URL: 'https://ghe.example/api/v3',
      },
    );
    await promoteAction(env.rt, promoter);
    expect(seen[1]).toMatchObject({
      github: { token: 'ghs_env', owner: 'o', repo: 'r', apiUrl: 'https://ghe.example/api/v3' },
    });
    expect(env.rec.secrets).toEqual(['ghs_env']);

    const dflt = recordingRuntime(good, { GITHUB_WORKSPACE: ws });
    await promoteAction(dflt.rt, promoter);
    expect(seen[2]).toMatchObject({ github: { apiUrl: 'https://api.github.com' } });
  });
});

describe('verify-rollout', () => {
  const good = {
    app: 'score-api-minikube',
    revision: SHA,
    deployment: 'score-api',
    namespace: 'score',
    'repository-path': ws,
  };
  const deps = (effect: () => never): VerifyDeps => ({ kube: effect, verify: effect });
  test.each([
    [
      'app',
      { app: 'Score_API' },
      "app: expected a DNS-1123 name (a-z, 0-9, -, .), got 'Score_API'",
    ],
    ['revision', { revision: '' }, 'revision: is required'],
    ['revision', { revision: 'main' }, "revision: 'main' is not a full commit SHA"],
    ['namespace', { namespace: 'a.b' }, 'namespace: expected a DNS-1123 label'],
    ['timeout', { timeout: '0' }, 'timeout: expected at least 1 seconds, got 0'],
    ['rollback', { rollback: 'sure' }, "rollback: expected true or false, got 'sure'"],
    ['kubeconfig', { kubeconfig: 'missing.yaml' }, 'kubeconfig: expected a kubeconfig file'],
    [
      'repository-path',
      { 'repository-path': '/no/such' },
      'repository-path: expected a git working copy to revert the bump in (rollback is true)',
    ],
    ['smoke', { smoke: 'maybe' }, "smoke: expected true or false, got 'maybe'"],
    ['smoke-input', { 'smoke-input': '[1,2]' }, 'smoke-input: expected a JSON object'],
    ['service', { service: 'Score API' }, 'service: expected a DNS-1123 name'],
    ['service-port', { 'service-port': 'http!' }, 'service-port: expected a Service port name'],
  ])('bad %s', async (_name, extra, message) => {
    const { rec, effects } = await step((rt, effect) => verifyRolloutAction(rt, deps(effect)), {
      ...good,
      ...extra,
    });
    expect(rec.failed).toContain(message);
    expect(effects).toBe(0);
  });

  test('a rolled-back rollout sets every output, writes the timeline and fails the step with the reason', async () => {
    const { rt, rec } = recordingRuntime({ ...good, timeout: '60' }, { GITHUB_WORKSPACE: ws });
    const kube = {} as KubeClient;
    await verifyRolloutAction(rt, {
      kube: () => kube,
      verify: async (opts) => {
        expect(opts).toMatchObject({
          kube,
          timeoutMs: 60_000,
          pollMs: 5000,
          rollback: { repo: ws, branch: 'main', commit: SHA },
          smoke: {
            service: 'score-api',
            port: 'http',
            request: { path: 'score', body: { X: [5.1, 3.5, 1.4, 0.2] }, label: 'setosa' },
          },
        });
        return {
          result: 'rolled-back',
          reason: 'CrashLoopBackOff: container score-api restarted 4 times',
          timings: { toSyncedMs: 4200, toRecoveredMs: 31_000 },
          timeline: [
            { atMs: 0, event: 'refresh requested' },
            { atMs: 4200, event: 'synced at ffffff' },
            { atMs: 20_000, event: 'rollout failed' },
          ],
          revertCommit: 'b'.repeat(40),
        };
      },
    });
    expect(rec.outputs).toEqual({
      result: 'rolled-back',
      reason: 'CrashLoopBackOff: container score-api restarted 4 times',
      'time-to-synced': '4',
      'time-to-ready': '',
      'time-to-recovered': '31',
      'revert-commit': 'b'.repeat(40),
      'live-revision': '',
      'superseded-by': '',
      smoke: '',
    });
    expect(rec.summary).toContain('| 4.2 s | synced at ffffff |');
    expect(rec.failed).toBe(
      `verify-rollout: rollout of fffffff rolled back (revert ${'b'.repeat(40)}): CrashLoopBackOff: container score-api restarted 4 times`,
    );
  });

  test('suspended fails the step without a revert; superseded passes it; both say so in the outputs', async () => {
    const run = async (result: 'suspended' | 'superseded', extra: Record<string, string> = {}) => {
      const { rt, rec } = recordingRuntime({ ...good, ...extra }, { GITHUB_WORKSPACE: ws });
      let seen: Record<string, unknown> = {};
      await verifyRolloutAction(rt, {
        kube: () => ({}) as KubeClient,
        verify: async (opts) => {
          seen = opts as unknown as Record<string, unknown>;
          return {
            result,
            reason:
              result === 'suspended' ? 'deployment "score-api" is paused' : 'pins other images',
            ...(result === 'superseded' ? { supersededBy: 'd'.repeat(40) } : {}),
            timings: {},
            timeline: [],
          };
        },
      });
      return { rec, seen };
    };
    const suspended = await run('suspended');
    expect(suspended.rec.outputs).toMatchObject({ result: 'suspended', 'revert-commit': '' });
    expect(suspended.rec.failed).toContain('suspended (the Deployment is paused; not reverted)');
    const superseded = await run('superseded', {
      rollback: 'false',
      smoke: 'false',
    });
    expect(superseded.rec.outputs).toMatchObject({
      result: 'superseded',
      'superseded-by': 'd'.repeat(40),
    });
    expect(superseded.rec.failed).toBeUndefined();
    // Without a rollback the checkout is still read to follow a descendant; the smoke can be skipped.
    expect(superseded.seen).toMatchObject({ source: { repo: ws, branch: 'main' }, smoke: false });
    expect(superseded.seen.rollback).toBeUndefined();
  });
});
