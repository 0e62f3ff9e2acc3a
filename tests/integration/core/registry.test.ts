// resolveDigest against real `docker-registry` instances on loopback (anonymous and htpasswd basic auth),
// and a bearer-token flow through a fake token front (tests/helpers/fake-token-registry.ts) before a real one.
import { jest } from '@jest/globals';
import {
  RegistryAuthError,
  RegistryError,
  TagNotFoundError,
  resolveDigest,
} from '../../../gitops/adapters/registry.js';
import { startFakeTokenRegistry } from '../../helpers/fake-token-registry.js';
import type { FakeTokenRegistry } from '../../helpers/fake-token-registry.js';
import { needs, toolMissing } from '../../helpers/real-parts.js';
import { freePort, pushTestImage, skopeoDigest, startRegistry } from '../../helpers/registry.js';
import type { RegistryInstance } from '../../helpers/registry.js';

jest.setTimeout(60_000);

const registryParts = {
  'docker-registry': toolMissing('docker-registry'),
  skopeo: toolMissing('skopeo'),
};
const withRegistry = needs(registryParts);
const withAuthRegistry = needs({
  ...registryParts,
  htpasswd: toolMissing('htpasswd', 'apache2-utils'),
});

withRegistry.describe('resolveDigest against a real registry (anonymous)', () => {
  let reg: RegistryInstance;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('returns the digest of the pushed manifest, as skopeo sees it', async () => {
    const pushed = await pushTestImage(reg.url, 'team/score-api', 'v1');
    const digest = await resolveDigest(`${reg.addr}/team/score-api:v1`);
    expect(digest).toBe(pushed.digest);
    expect(await skopeoDigest(`${reg.addr}/team/score-api:v1`)).toBe(digest);
  });

  it('tells tags apart', async () => {
    const a = await pushTestImage(reg.url, 'app', 'a', { seed: 'one' });
    const b = await pushTestImage(reg.url, 'app', 'b', { seed: 'two' });
    expect(a.digest).not.toBe(b.digest);
    expect(await resolveDigest({ registry: reg.addr, repository: 'app', tag: 'b' })).toBe(b.digest);
    expect(await resolveDigest({ registry: reg.addr, repository: 'app', tag: 'a' })).toBe(a.digest);
  });

  it('unknown tag or repository -> TagNotFoundError naming the image', async () => {
    await pushTestImage(reg.url, 'app', 'exists');
    for (const ref of [`${reg.addr}/app:missing`, `${reg.addr}/nope/never:v1`]) {
      const err = await resolveDigest(ref, { retries: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TagNotFoundError);
      expect((err as Error).message).toContain(ref);
    }
  });

  it('a registry stopped mid-run -> RegistryError naming it, after bounded retries', async () => {
    const own = await startRegistry();
    await pushTestImage(own.url, 'app', 'v1');
    expect(await resolveDigest(`${own.addr}/app:v1`)).toMatch(/^sha256:/);
    await own.stop();
    const err = await resolveDigest(`${own.addr}/app:v1`, { retries: 2, retryDelayMs: 5 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toContain(own.addr);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('an invalid reference is an InputError before any request', async () => {
    await expect(resolveDigest('Bad/Ref:x')).rejects.toThrow(
      /image: 'Bad\/Ref:x' is not a valid image reference/,
    );
  });
});

describe('resolveDigest when nothing listens', () => {
  it('retries connection refused (bounded) then fails clearly naming the registry', async () => {
    const port = await freePort();
    const err = await resolveDigest(`127.0.0.1:${port}/app:v1`, {
      retries: 2,
      retryDelayMs: 5,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*after 3 attempt`),
    );
  });
});

withAuthRegistry.describe('resolveDigest with htpasswd basic auth (real registry)', () => {
  let reg: RegistryInstance;
  const creds = { username: 'ci', password: 's3cret-pw' };
  beforeAll(async () => {
    reg = await startRegistry({ htpasswd: creds });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('resolves with the right credentials; fails clearly without or with wrong ones, never echoing them', async () => {
    const authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const pushed = await pushTestImage(reg.url, 'private/app', 'v1', { authorization });
    expect(await resolveDigest(`${reg.addr}/private/app:v1`, { auth: creds })).toBe(pushed.digest);
    expect(
      await skopeoDigest(`${reg.addr}/private/app:v1`, `${creds.username}:${creds.password}`),
    ).toBe(pushed.digest);

    const anonymous = await resolveDigest(`${reg.addr}/private/app:v1`).catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(RegistryAuthError);
    expect((anonymous as Error).message).toMatch(/requires credentials/);
    const wrong = await resolveDigest(`${reg.addr}/private/app:v1`, {
      auth: { username: 'ci', password: 'wrong-password-123' },
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(RegistryAuthError);
    expect((wrong as Error).message).toMatch(/refused/);
    expect((wrong as Error).message).not.toContain('wrong-password-123');
  });
});

withRegistry.describe(
  'resolveDigest through the bearer token flow (fake token front, real registry behind)',
  () => {
    let reg: RegistryInstance;
    let front: FakeTokenRegistry;
    beforeAll(async () => {
      reg = await startRegistry();
      front = await startFakeTokenRegistry({
        upstream: reg.url,
        username: 'bot',
        password: 'ghp_faketoken',
      });
    });
    afterAll(async () => {
      await front?.stop();
      await reg?.stop();
    });

    it('answers 401 with a Bearer challenge, fetches a token with basic creds, and retries', async () => {
      const pushed = await pushTestImage(reg.url, 'org/app', 'v2');
      const digest = await resolveDigest(`${front.addr}/org/app:v2`, {
        auth: { username: 'bot', password: 'ghp_faketoken' },
      });
      expect(digest).toBe(pushed.digest);
      expect(front.tokenRequests).toEqual([
        { scope: 'repository:org/app:pull', service: 'fake-registry', hadBasic: true },
      ]);
    });

    it('refused token credentials -> RegistryAuthError', async () => {
      await pushTestImage(reg.url, 'org/app', 'v3');
      const err = await resolveDigest(`${front.addr}/org/app:v3`, {
        auth: { username: 'bot', password: 'nope' },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryAuthError);
      expect((err as Error).message).toMatch(/token server .* refused/);
    });

    it('a pre-supplied bad token is refused without a token round trip', async () => {
      const before = front.tokenRequests.length;
      const err = await resolveDigest(`${front.addr}/org/app:v2`, {
        auth: { token: 'not-issued' },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryAuthError);
      expect(front.tokenRequests.length).toBe(before);
    });
  },
);
