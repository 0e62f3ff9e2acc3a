// The pipeline's pure pieces on plain data: flags/environment resolution, the pinned image name, secret
// masking, the /score label lookup, the timeline, and exit codes.
import { InputError } from '../../../gitops/errors.js';
import { pinnedName, sameLoopbackRegistry } from '../../../scripts/pipeline/bump-stage.js';
import { findLabel } from '../../../scripts/pipeline/container-check.js';
import {
  DEFAULT_REGISTRY,
  HelpRequested,
  resolveConfig,
} from '../../../scripts/pipeline/defaults.js';
import { Redactor, redactorFromEnv } from '../../../gitops/rules/redact.js';
import { formatResult, formatTimeline } from '../../../scripts/pipeline/report.js';

const ROOT = '/repo';

describe('resolveConfig', () => {
  it('embeds defaults when nothing is configured', () => {
    const c = resolveConfig([], {}, ROOT);
    expect(c).toMatchObject({
      registry: DEFAULT_REGISTRY,
      registryGiven: false,
      remote: '/repo/.cache/gitops-remote.git',
      remoteGiven: false,
      overlay: 'overlays/minikube',
      branch: 'main',
      skipLint: false,
      skipTests: false,
      json: false,
    });
    expect(c.kubeconfig).toBeUndefined();
    expect(c.registryAuth).toBeUndefined();
  });

  it('takes environment variables, and flags over them', () => {
    const env = {
      PIPELINE_REGISTRY: 'reg.example.com:443',
      PIPELINE_REMOTE: '/srv/r.git',
      PIPELINE_OVERLAY: 'overlays/gke/',
      KUBECONFIG: '/k',
    };
    expect(resolveConfig([], env, ROOT)).toMatchObject({
      registry: 'reg.example.com:443',
      registryGiven: true,
      remote: '/srv/r.git',
      remoteGiven: true,
      overlay: 'overlays/gke',
      kubeconfig: '/k',
    });
    const c = resolveConfig(
      [
        '--registry',
        'http://127.0.0.1:5001/',
        '--remote',
        'https://git.example.com/x.git',
        '--skip-lint',
        '--json',
        '--build-arg',
        'A=b=c',
      ],
      env,
      ROOT,
    );
    expect(c).toMatchObject({
      registry: '127.0.0.1:5001',
      remote: 'https://git.example.com/x.git',
      skipLint: true,
      json: true,
      buildArgs: { A: 'b=c' },
    });
  });

  it('names the bad input', () => {
    const bad = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      try {
        resolveConfig(argv, env, ROOT);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as InputError).message;
      }
      throw new Error('no error');
    };
    expect(bad(['--nope'])).toMatch(/^flags: Unknown option '--nope'/);
    expect(bad(['--registry', 'bad_host:5000'])).toMatch(/^--registry: /);
    expect(bad([], { PIPELINE_REGISTRY: 'a b' })).toMatch(/^PIPELINE_REGISTRY: /);
    expect(bad(['--branch', '../x'])).toMatch(/^--branch: /);
    expect(bad(['--build-arg', '1X=y'])).toMatch(/^--build-arg: '1X=y' must be KEY=VALUE/);
    expect(bad([], { PIPELINE_REGISTRY_USERNAME: 'u' })).toMatch(
      /^PIPELINE_REGISTRY_PASSWORD: is required/,
    );
    expect(bad([], { PIPELINE_CHECK_TIMEOUT_MS: '5' })).toMatch(/^PIPELINE_CHECK_TIMEOUT_MS: /);
    expect(() => resolveConfig(['--help'], {}, ROOT)).toThrow(HelpRequested);
  });

  it('reads registry credentials from the environment only', () => {
    const c = resolveConfig(
      [],
      { PIPELINE_REGISTRY_USERNAME: 'u', PIPELINE_REGISTRY_PASSWORD: 'p4ss' },
      ROOT,
    );
    expect(c.registryAuth).toEqual({ username: 'u', password: 'p4ss' });
  });
});

describe('pinnedName', () => {
  it('keeps the overlay name for the same loopback registry under another host name', () => {
    expect(sameLoopbackRegistry('localhost:5000', '127.0.0.1:5000')).toBe(true);
    expect(sameLoopbackRegistry('localhost:5000', '127.0.0.1:5001')).toBe(false);
    const current = { name: 'score-api', newName: 'localhost:5000/score-api' };
    expect(pinnedName(current, '127.0.0.1:5000/score-api')).toBe('localhost:5000/score-api');
  });
  it('pins the pushed repository otherwise', () => {
    const current = { name: 'score-api', newName: 'localhost:5000/score-api' };
    expect(pinnedName(current, '127.0.0.1:5001/score-api')).toBe('127.0.0.1:5001/score-api');
    expect(pinnedName(current, 'ghcr.io/acme/score-api')).toBe('ghcr.io/acme/score-api');
    expect(pinnedName(undefined, '127.0.0.1:5000/score-api')).toBe('127.0.0.1:5000/score-api');
  });
});

describe('Redactor', () => {
  it('masks credential-like variables, longest first, and URL userinfo', () => {
    const r = redactorFromEnv({
      GITHUB_TOKEN: 'tok-abc',
      PIPELINE_REGISTRY_PASSWORD: 'tok-abc-longer',
      HOME: '/root',
      X: 'no',
    });
    expect(r.apply('a tok-abc-longer b tok-abc c /root')).toBe('a *** b *** c /root');
    expect(r.apply('clone https://user:secret@host/x.git')).toBe('clone https://***@host/x.git');
  });
  it('ignores empty and very short values', () => {
    expect(new Redactor().add('', undefined, 'ab').apply('ab cd')).toBe('ab cd');
  });
});

describe('findLabel', () => {
  it('finds the class label in the /score response', () => {
    expect(
      findLabel({
        score: [{ label: 'setosa', probabilities: { setosa: 0.9 } }],
        model: { name: 'iris' },
      }),
    ).toBe('setosa');
    expect(findLabel({ score: [] })).toBeUndefined();
    expect(findLabel('setosa')).toBeUndefined();
  });
});

describe('report', () => {
  it('prints a timeline with every stage and the result', () => {
    const stages = [
      { name: 'preflight', status: 'ok' as const, ms: 500 },
      { name: 'lint', status: 'skipped' as const, ms: 0, detail: '--skip-lint' },
      { name: 'build', status: 'failed' as const, ms: 12_300 },
    ];
    const t = formatTimeline(stages, 12_800);
    expect(t).toMatch(/^timeline \(total 12\.8s\):/);
    expect(t).toMatch(/preflight\s+ok\s+500ms/);
    expect(t).toMatch(/lint\s+skip\s+0ms\s+--skip-lint/);
    expect(t).toMatch(/build\s+FAIL\s+12\.3s\s+#{30}/);
    const text = formatResult({
      result: 'failed',
      stages,
      totalMs: 12_800,
      error: 'docker push failed',
      diff: '',
    });
    expect(text).toContain('result: failed');
    expect(text).toContain('error:  docker push failed');
    expect(text).toContain('rendered manifests: no change');
  });
});
