// A fake bearer-token front for a real registry: it plays the GHCR/Artifact Registry token flow
// (401 + WWW-Authenticate: Bearer realm=...,service=...,scope=... -> GET realm with basic creds -> token)
// and forwards authorized /v2/ requests to the real registry behind it. Named fake: only the auth is simulated.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The running fake front. */
export interface FakeTokenRegistry {
  url: string;
  addr: string;
  /** How many tokens were issued, and the scopes asked for. */
  tokenRequests: { scope: string | null; service: string | null; hadBasic: boolean }[];
  stop(): Promise<void>;
}

/** Starts the fake token front on a free loopback port, forwarding to `upstream` (http://host:port). */
export async function startFakeTokenRegistry(opts: {
  upstream: string;
  username: string;
  password: string;
}): Promise<FakeTokenRegistry> {
  const tokens = new Set<string>();
  const tokenRequests: FakeTokenRegistry['tokenRequests'] = [];
  let base = '';
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/token') {
      const hadBasic = req.headers.authorization === expected;
      tokenRequests.push({
        scope: url.searchParams.get('scope'),
        service: url.searchParams.get('service'),
        hadBasic,
      });
      if (!hadBasic) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) {
      const name = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(url.pathname)?.[1] ?? '';
      const scope = name ? `,scope="repository:${name}:pull"` : '';
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="${base}/token",service="fake-registry"${scope}`,
        })
        .end();
      return;
    }
    const upstream = await fetch(`${opts.upstream}${url.pathname}${url.search}`, {
      method: req.method ?? 'GET',
      headers: { accept: req.headers.accept ?? '*/*' },
    });
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!['content-encoding', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
    });
    res.writeHead(upstream.status, headers);
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(await upstream.arrayBuffer()));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const addr = `127.0.0.1:${port}`;
  base = `http://${addr}`;
  return {
    url: base,
    addr,
    tokenRequests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
