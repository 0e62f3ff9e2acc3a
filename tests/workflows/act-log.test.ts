// How the workflow tests read act's JSON log (lines as act v0.2.89 writes them, taken from a run of
// deploy.yml), and the GKE stand-in's namespace rewrite.
import { summarize } from './harness/act.js';
import { rewriteNamespace, rewriteNamespaceFields } from './harness/gke-stand-in.js';

const line = (o: Record<string, unknown>): Record<string, unknown> => ({
  dryrun: false,
  level: 'info',
  matrix: {},
  ...o,
});

const LOG = [
  line({
    job: 'deploy/what changed (source, or overlays only)',
    jobID: 'changes',
    msg: '⭐ Run Set up job',
    time: '2026-12-01T07:03:41Z',
  }),
  line({
    job: 'deploy/what changed (source, or overlays only)',
    jobID: 'changes',
    msg: 'source change at abc\n',
    raw_output: true,
    time: '2026-12-01T07:03:41Z',
  }),
  line({
    job: 'deploy/what changed (source, or overlays only)',
    jobID: 'changes',
    msg: '  ✅  Success - Main actions/checkout@x',
    stage: 'Main',
    step: 'actions/checkout@x',
    stepID: ['0', '0'],
    stepResult: 'success',
    time: '2026-12-01T07:03:41Z',
  }),
  line({
    job: 'deploy/what changed (source, or overlays only)',
    jobID: 'changes',
    msg: '  ✅  Success - Main actions/checkout@x',
    stage: 'Main',
    step: 'actions/checkout@x',
    stepID: ['0'],
    stepResult: 'success',
    executionTime: 173872273,
    time: '2026-12-01T07:03:41Z',
  }),
  line({
    job: 'deploy/what changed (source, or overlays only)',
    jobID: 'changes',
    jobResult: 'success',
    msg: '🏁  Job succeeded',
    time: '2026-12-01T07:03:42Z',
  }),
  line({
    job: 'deploy/manifest checks (overlay-only change)  ',
    jobID: 'manifests',
    jobResult: 'skipped',
    level: 'debug',
    msg: "Skipping job 'manifest checks (overlay-only change)' due to '${{ needs.changes.outputs.kind == 'overlays' }}'",
    time: '2026-12-01T07:03:42Z',
  }),
  line({ job: 'deploy/ci', jobID: 'ci', msg: '⭐ Run Set up job', time: '2026-12-01T07:03:42Z' }),
  line({
    job: 'ci/ci/image build (no push)            ',
    jobID: 'image',
    msg: '⭐ Run Set up job',
    time: '2026-12-01T07:03:43Z',
  }),
  line({
    job: 'ci/ci/image build (no push)            ',
    jobID: 'image',
    jobResult: 'success',
    msg: '🏁  Job succeeded',
    time: '2026-12-01T07:04:34Z',
  }),
  line({
    job: 'ci/ci/test                             ',
    jobID: 'test',
    msg: '⭐ Run Set up job',
    time: '2026-12-01T07:03:43Z',
  }),
  line({
    job: 'ci/ci/test                             ',
    jobID: 'test',
    msg: 'FAIL tests/x.test.ts\n',
    raw_output: true,
    time: '2026-12-01T07:20:00Z',
  }),
  line({
    job: 'ci/ci/test                             ',
    jobID: 'test',
    jobResult: 'failure',
    msg: '🏁  Job failed',
    time: '2026-12-01T07:23:02Z',
  }),
];

describe("act's JSON log", () => {
  const { jobs, output } = summarize(LOG);
  const byKey = Object.fromEntries(jobs.map((j) => [j.key, j]));

  it('reports each job once under its key, a called workflow job as caller/id, with its result and time', () => {
    expect(Object.keys(byKey).sort()).toEqual([
      'changes',
      'ci',
      'ci/image',
      'ci/test',
      'manifests',
    ]);
    expect(byKey.changes).toMatchObject({
      result: 'success',
      durationMs: 1000,
      name: 'deploy/what changed (source, or overlays only)',
    });
    expect(byKey.manifests).toMatchObject({
      result: 'skipped',
      name: 'deploy/manifest checks (overlay-only change)',
    });
    expect(byKey['ci/image']).toMatchObject({ result: 'success', durationMs: 51_000 });
    expect(byKey['ci/test']).toMatchObject({ result: 'failure', durationMs: 1_159_000 });
    // The caller of the reusable workflow has no result of its own.
    expect(byKey.ci?.caller).toBe(true);
  });

  it('keeps the outer steps only (not a composite action inner step twice), with their duration', () => {
    expect(byKey.changes?.steps).toEqual([
      { name: 'actions/checkout@x', result: 'success', durationMs: 174 },
    ]);
  });

  it("keeps what each job's steps printed", () => {
    expect(output.get('ci/ci/test')).toEqual(['FAIL tests/x.test.ts']);
  });
});

describe('the GKE stand-in', () => {
  it.each([
    [
      '/apis/apps/v1/namespaces/score-api/deployments/score-api',
      '/apis/apps/v1/namespaces/score-api-gke/deployments/score-api',
    ],
    [
      '/api/v1/namespaces/score-api/pods?labelSelector=a%3Db',
      '/api/v1/namespaces/score-api-gke/pods?labelSelector=a%3Db',
    ],
    ['/api/v1/namespaces/score-api', '/api/v1/namespaces/score-api-gke'],
    [
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/score-api-gke',
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/score-api-gke',
    ],
    ['/api/v1/namespaces/score-api-other/pods', '/api/v1/namespaces/score-api-other/pods'],
  ])('rewrites %s to %s', (from, to) => {
    expect(rewriteNamespace(from, 'score-api', 'score-api-gke')).toBe(to);
  });

  it('answers with the objects in the namespace the client asked for', () => {
    const body = JSON.stringify({
      metadata: { namespace: 'score-api-gke', name: 'x' },
      spec: { namespace: 'score-api-gke-2' },
    });
    expect(JSON.parse(rewriteNamespaceFields(body, 'score-api-gke', 'score-api'))).toEqual({
      metadata: { namespace: 'score-api', name: 'x' },
      spec: { namespace: 'score-api-gke-2' },
    });
  });
});
