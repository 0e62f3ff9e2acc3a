// The pure rules of promotion and deploy records: what a kustomization reads, the one edit pinning the base,
// which overlays the workflows promote into, what each verify outcome records, and the branch names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isRemoteReference,
  kustomizationReferences,
  replaceResource,
  resourceDirectories,
} from '../../../gitops/rules/kustomization-paths.js';
import {
  isPromotionBranch,
  parseOutcome,
  promotionBranch,
  runUrl,
  sourceRevertBranch,
  verdictRecords,
} from '../../../gitops/rules/deploy-record.js';
import { promotionTargets } from '../../../gitops/lint/promoted-overlay.js';
import { InputError } from '../../../gitops/errors.js';
import { REPO_ROOT } from '../../helpers/git-fixture.js';

const KUSTOMIZATION = `# an overlay
resources:
  - ../../deploy   # the live base
  - ingress.yaml
  - https://github.com/acme/base?ref=v1
components:
  - ../../components/tls
patches:
  - path: drain.yaml
    target: { kind: Deployment }
  - patch: '[]'
configMapGenerator:
  - name: cfg
    files:
      - app.conf
      - key=../../secrets/key.txt
    envs:
      - vars.env
helmGlobals:
  chartHome: charts
`;

describe('kustomization references', () => {
  it('lists every path with its field and line, and which are remote', () => {
    expect(kustomizationReferences(KUSTOMIZATION, 'k.yaml')).toEqual([
      { field: 'resources', path: '../../deploy', line: 3, remote: false },
      { field: 'resources', path: 'ingress.yaml', line: 4, remote: false },
      { field: 'resources', path: 'https://github.com/acme/base?ref=v1', line: 5, remote: true },
      { field: 'components', path: '../../components/tls', line: 7, remote: false },
      { field: 'patches.path', path: 'drain.yaml', line: 9, remote: false },
      { field: 'configMapGenerator.files', path: 'app.conf', line: 15, remote: false },
      { field: 'configMapGenerator.files', path: '../../secrets/key.txt', line: 16, remote: false },
      { field: 'configMapGenerator.envs', path: 'vars.env', line: 18, remote: false },
      { field: 'helmGlobals.chartHome', path: 'charts', line: 20, remote: false },
    ]);
    expect(resourceDirectories(KUSTOMIZATION, 'k.yaml')).toEqual(['../../deploy']);
    expect(isRemoteReference('git@github.com:acme/base.git')).toBe(true);
    expect(isRemoteReference('github.com/acme/base/deploy?ref=abc')).toBe(true);
    expect(isRemoteReference('../base')).toBe(false);
    expect(kustomizationReferences('', 'k.yaml')).toEqual([]);
    expect(() => kustomizationReferences('- a\n', 'k.yaml')).toThrow(InputError);
  });

  it('replaces one resources entry and keeps every other byte', () => {
    const out = replaceResource(KUSTOMIZATION, '../../deploy', 'base', 'k.yaml');
    expect(out).toBe(KUSTOMIZATION.replace('  - ../../deploy   #', '  - base   #'));
    expect(() => replaceResource(KUSTOMIZATION, '../deploy', 'base', 'k.yaml')).toThrow(
      "k.yaml: has no resources entry '../deploy'",
    );
  });
});

describe('promotion targets of the workflows', () => {
  it('are the `to:` of every ./actions/promote step; this repository promotes into overlays/gke', () => {
    const wf = (to: string) =>
      `jobs:\n  p:\n    steps:\n      - uses: ./actions/promote\n        with:\n          from: overlays/a\n          to: ${to}\n`;
    expect(
      promotionTargets(
        new Map([
          ['a.yml', wf('./overlays/prod/')],
          ['b.yml', wf('${{ inputs.to }}')],
          ['c.yml', 'jobs: [unparsable'],
        ]),
      ),
    ).toEqual(['overlays/prod']);
    const promoteYml = readFileSync(join(REPO_ROOT, '.github/workflows/promote.yml'), 'utf8');
    expect(promotionTargets(new Map([['promote.yml', promoteYml]]))).toEqual(['overlays/gke']);
  });
});

describe('deploy records', () => {
  const v = { environment: 'minikube', revision: 'a'.repeat(40) };
  it('maps each verify outcome to its statuses', () => {
    expect(verdictRecords({ ...v, outcome: 'healthy' })).toEqual({
      deployment: [{ state: 'success', description: 'healthy on minikube at aaaaaaa' }],
      revision: { state: 'success', description: 'verified healthy on minikube' },
      source: { state: 'success', description: 'live on minikube (aaaaaaa)' },
    });
    const rolled = verdictRecords({
      ...v,
      outcome: 'rolled-back',
      reason: 'CrashLoopBackOff',
      revertCommit: 'b'.repeat(40),
    });
    expect(rolled.deployment.map((s) => s.state)).toEqual(['failure', 'inactive']);
    expect(rolled.deployment[1]?.description).toBe('rolled back by bbbbbbb: CrashLoopBackOff');
    expect(rolled.source).toEqual({
      state: 'failure',
      description: 'rolled back on minikube: CrashLoopBackOff',
    });
    expect(verdictRecords({ ...v, outcome: 'failed' }).deployment).toEqual([
      { state: 'failure', description: 'no reason given' },
    ]);
    expect(verdictRecords({ ...v, outcome: 'superseded' })).toEqual({
      deployment: [
        { state: 'inactive', description: 'superseded by a newer release: no reason given' },
      ],
    });
    expect(verdictRecords({ ...v, outcome: 'error' }).revision?.state).toBe('error');
    const paused = verdictRecords({ ...v, outcome: 'suspended', reason: 'spec.paused is true' });
    expect(paused.deployment).toEqual([
      { state: 'error', description: 'suspended (Deployment paused): spec.paused is true' },
    ]);
    expect(paused.revision).toEqual({
      state: 'error',
      description: 'not verified on minikube: paused',
    });
    expect(paused.source).toBeUndefined();
  });

  it('reads verify result outputs, empty as error, anything else refused naming the input', () => {
    expect(parseOutcome('rolled-back')).toBe('rolled-back');
    expect(parseOutcome(' ')).toBe('error');
    expect(() => parseOutcome('ok')).toThrow(
      "result: expected one of healthy, rolled-back, failed, suspended, superseded, error (or empty), got 'ok'",
    );
  });

  it('names branches per digest and per rolled-back source, and the run URL', () => {
    const d = `sha256:${'0123456789ab'.repeat(5)}cdef`;
    expect(promotionBranch('gke', d)).toBe('promote/gke/sha256-0123456789ab');
    expect(isPromotionBranch('gke', 'promote/gke/sha256-0123456789ab')).toBe(true);
    expect(isPromotionBranch('gke', 'promote/gke')).toBe(true);
    expect(isPromotionBranch('gke', 'promote/gke-eu/sha256-0')).toBe(false);
    expect(sourceRevertBranch('gke', 'c'.repeat(40))).toBe('gitops/revert-source/gke/cccccccccccc');
    expect(
      runUrl({
        GITHUB_SERVER_URL: 'https://github.com/',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '9',
        GITHUB_RUN_ATTEMPT: '2',
      }),
    ).toBe('https://github.com/o/r/actions/runs/9/attempts/2');
    expect(runUrl({ GITHUB_REPOSITORY: 'o/r' })).toBeUndefined();
  });
});
