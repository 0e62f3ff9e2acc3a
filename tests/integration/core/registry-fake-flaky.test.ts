// resolveDigest against a fake registry on loopback that speaks the distribution HTTP protocol but
// misbehaves on purpose (503/429 before answering, no Docker-Content-Digest header): the cases a real
// registry will not produce on demand.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { RegistryError, resolveDigest } from '../../../gitops/adapters/registry.js';

const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  layers: [],
});
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

interface Fake {
  addr: string;
  requests: { method: string; accept: string }[];
  close(): Promise<void>;
}

async function startFakeRegistry(behaviour: {
  failFirst: number;
  failStatus: number;
  sendDigest: boolean;
}): Promise<Fake> {
  const requests: Fake['requests'] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', accept: req.headers.accept ?? '' });
    if (failures < behaviour.failFirst) {
      failures += 1;
      res.writeHead(behaviour.failStatus, { 'retry-after': '0' }).end();
      return;
    }
    if (req.url !== '/v2/app/manifests/v1') {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
    };
    if (behaviour.sendDigest) headers['docker-content-digest'] = DIGEST;
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : MANIFEST);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    addr: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('resolveDigest against a fake flaky registry', () => {
  it.each([503, 429, 500])('retries %i with backoff and then succeeds', async (status) => {
    const fake = await startFakeRegistry({ failFirst: 2, failStatus: status, sendDigest: true });
    try {
      expect(await resolveDigest(`${fake.addr}/app:v1`, { retries: 3, retryDelayMs: 5 })).toBe(
        DIGEST,
      );
      expect(fake.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD', 'HEAD']);
      expect(fake.requests[0]?.accept).toContain('application/vnd.oci.image.index.v1+json');
      expect(fake.requests[0]?.accept).toContain(
        'application/vnd.docker.distribution.manifest.v2+json',
      );
    } finally {
      await fake.close();
    }
  });

  it('gives up after the bounded retries with a clear error', async () => {
    const fake = await startFakeRegistry({ failFirst: 100, failStatus: 503, sendDigest: true });
    try {
      const err = await resolveDigest(`${fake.addr}/app:v1`, { retries: 2, retryDelayMs: 5 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as Error).message).toMatch(/answered 503 .*after 3 attempt/);
      expect(fake.requests).toHaveLength(3);
    } finally {
      await fake.close();
    }
  });

  it('falls back to GET + sha256 of the body when Docker-Content-Digest is missing', async () => {
    const fake = await startFakeRegistry({ failFirst: 0, failStatus: 200, sendDigest: false });
    try {
      expect(await resolveDigest(`${fake.addr}/app:v1`)).toBe(DIGEST);
      expect(fake.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
    } finally {
      await fake.close();
    }
  });
});
