// A fake of the GitHub REST API's pull-request endpoints on loopback, speaking real HTTP and JSON, for
// the promote action (GitHub itself cannot be reached from the test machines).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A pull request as the fake stores it. */
export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
}

/** One request the fake served. */
export interface FakeGithubRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
}

/** The running fake. */
export interface FakeGithubApi {
  url: string;
  token: string;
  pulls: FakePull[];
  requests: FakeGithubRequest[];
  close(): Promise<void>;
}

/** Starts the fake for repository owner/repo on a free loopback port. */
export async function startFakeGithubApi(
  owner: string,
  repo: string,
  token: string,
): Promise<FakeGithubApi> {
  const pulls: FakePull[] = [];
  const requests: FakeGithubRequest[] = [];
  let url = '';
  const raw = (p: FakePull) => ({
    number: p.number,
    html_url: `https://github.example/${owner}/${repo}/pull/${p.number}`,
    url: `${url}/repos/${owner}/${repo}/pulls/${p.number}`,
    state: p.state,
    title: p.title,
    body: p.body,
    head: { ref: p.head, label: `${owner}:${p.head}` },
    base: { ref: p.base },
  });
  const server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', 'http://fake');
      const body = data ? (JSON.parse(data) as Record<string, string>) : undefined;
      requests.push({
        method: req.method ?? '',
        path: parsed.pathname,
        authorization: req.headers.authorization,
        body,
      });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(401, { message: 'Bad credentials' });
      const base = `/repos/${owner}/${repo}/pulls`;
      if (parsed.pathname === base && req.method === 'GET') {
        const head = parsed.searchParams.get('head');
        const state = parsed.searchParams.get('state') ?? 'open';
        return send(
          200,
          pulls
            .filter(
              (p) =>
                (!head || `${owner}:${p.head}` === head) && (state === 'all' || p.state === state),
            )
            .map(raw),
        );
      }
      if (parsed.pathname === base && req.method === 'POST') {
        if (!body?.head || !body.base || !body.title)
          return send(422, { message: 'Validation Failed' });
        if (pulls.some((p) => p.head === body.head && p.state === 'open')) {
          return send(422, {
            message: 'Validation Failed',
            errors: [{ message: `A pull request already exists for ${owner}:${body.head}.` }],
          });
        }
        const pull: FakePull = {
          number: pulls.length + 1,
          title: body.title,
          body: body.body ?? '',
          head: body.head,
          base: body.base,
          state: 'open',
        };
        pulls.push(pull);
        return send(201, raw(pull));
      }
      const one = new RegExp(`^${base}/(\\d+)$`).exec(parsed.pathname);
      const pull = one ? pulls.find((p) => p.number === Number(one[1])) : undefined;
      if (pull && req.method === 'PATCH') {
        if (body?.title) pull.title = body.title;
        if (body?.body !== undefined) pull.body = body.body;
        return send(200, raw(pull));
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    pulls,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
