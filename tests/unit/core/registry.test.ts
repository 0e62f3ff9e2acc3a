import {
  isLoopbackRegistry,
  parseChallenge,
  registryTarget,
} from '../../../gitops/adapters/registry.js';
import { parseImageRef } from '../../../gitops/rules/image-ref.js';

describe('registryTarget', () => {
  it.each([
    ['127.0.0.1:5000/score-api:v1', 'http://127.0.0.1:5000', 'score-api', 'v1'],
    ['localhost/a/b', 'http://localhost', 'a/b', 'latest'],
    ['[::1]:5000/app:x', 'http://[::1]:5000', 'app', 'x'],
    ['ghcr.io/org/app:1', 'https://ghcr.io', 'org/app', '1'],
    ['nginx:1.25', 'https://registry-1.docker.io', 'library/nginx', '1.25'],
    ['team/app', 'https://registry-1.docker.io', 'team/app', 'latest'],
    [`r.io/app:v1@sha256:${'a'.repeat(64)}`, 'https://r.io', 'app', `sha256:${'a'.repeat(64)}`],
  ])('%s -> %s /v2/%s/manifests/%s', (ref, baseUrl, repository, reference) => {
    expect(registryTarget(parseImageRef(ref))).toMatchObject({ baseUrl, repository, reference });
  });
  it('uses plain HTTP for any registry when insecure', () => {
    expect(registryTarget(parseImageRef('reg.internal:5000/app'), true).baseUrl).toBe(
      'http://reg.internal:5000',
    );
  });
  it('only loopback hosts are plain HTTP by default', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('127.8.9.10')).toBe(true);
    expect(isLoopbackRegistry('localhost:1')).toBe(true);
    expect(isLoopbackRegistry('localhost.example.com')).toBe(false);
    expect(isLoopbackRegistry('10.0.0.1:5000')).toBe(false);
  });
});

describe('parseChallenge', () => {
  it('reads a GHCR-style bearer challenge', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://ghcr.io/token',
        service: 'ghcr.io',
        scope: 'repository:org/app:pull',
      },
    });
  });
  it('reads a basic challenge and unquoted params', () => {
    expect(parseChallenge('Basic realm=registry')).toEqual({
      scheme: 'basic',
      params: { realm: 'registry' },
    });
  });
});
