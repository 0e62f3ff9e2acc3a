/**
 * The git half of the fake GitHub (tests/fakes/fake-github-api.ts): the repository served over Git's
 * smart HTTP protocol at `/{owner}/{repo}.git` by `git http-backend`, with GitHub's authentication
 * (HTTP Basic `x-access-token:<token>`, as actions/checkout stores it) and a branch ruleset: a push to a
 * protected branch is refused with GitHub's GH013 message unless the pusher is on the bypass list. The
 * ruleset is a pre-receive hook that acts only on pushes through this server (it reads the pusher from
 * the environment the server gives `git http-backend`), so other writers of the bare repository (the
 * test itself, standing for a person merging on GitHub) are not affected.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';

/** Who a request authenticated as; `bypass` when the ruleset's bypass list names it. */
export interface GitActor {
  login: string;
  bypass: boolean;
}

/** One git request the fake served. */
export interface FakeGitRequest {
  method: string;
  path: string;
  actor?: string;
  service?: string;
  status: number;
}

// GitHub answers a refused ruleset push with GH013 and the rule that failed.
const PRE_RECEIVE = `#!/bin/sh
# Installed by tests/fakes/fake-github-git.ts: GitHub's branch ruleset, for pushes through the fake.
[ -n "$FAKE_GITHUB_ACTOR" ] || exit 0
status=0
while read -r old new ref; do
  for branch in $FAKE_GITHUB_PROTECTED; do
    if [ "$ref" = "refs/heads/$branch" ] && [ "$FAKE_GITHUB_BYPASS" != 1 ]; then
      echo "error: GH013: Repository rule violations found for $ref." >&2
      echo "Review all repository rules at $FAKE_GITHUB_RULES_URL?ref=$ref" >&2
      echo "" >&2
      echo "- Changes must be made through a pull request." >&2
      echo "- Required status check \\"ci\\" is expected." >&2
      echo "" >&2
      echo "($FAKE_GITHUB_ACTOR is not on the ruleset's bypass list)" >&2
      status=1
    fi
  done
done
exit $status
`;

/** The file in the bare repository listing pushes through the fake: `actor old new ref` lines. */
export const PUSH_LOG = 'fake-github-pushes.log';

// Every ref update pushed through the fake, with who pushed it: GitHub starts workflows for an
// App's pushes but not for GITHUB_TOKEN's, so the tests need to know which was which.
const POST_RECEIVE = `#!/bin/sh
# Installed by tests/fakes/fake-github-git.ts: records pushes made through the fake.
[ -n "$FAKE_GITHUB_ACTOR" ] || exit 0
while read -r old new ref; do
  echo "$FAKE_GITHUB_ACTOR $old $new $ref" >>"$GIT_DIR/${PUSH_LOG}"
done
`;

/** One ref update pushed through the fake. */
export interface FakePush {
  actor: string;
  before: string;
  after: string;
  ref: string;
}

/** Installs the ruleset and push-log hooks into the bare repository (idempotent). */
export function installHooks(bare: string): void {
  for (const [name, text] of [
    ['pre-receive', PRE_RECEIVE],
    ['post-receive', POST_RECEIVE],
  ] as const) {
    const hook = join(bare, 'hooks', name);
    writeFileSync(hook, text);
    chmodSync(hook, 0o755);
  }
}

/** The pushes made through the fake so far, oldest first. */
export function readPushes(bare: string): FakePush[] {
  const file = join(bare, PUSH_LOG);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [actor = '', before = '', after = '', ref = ''] = line.split(' ');
      return { actor, before, after, ref };
    });
}

/** Serves one smart-HTTP request for `bare` through `git http-backend`; `pathInRepo` starts with `/`. */
export function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  opts: {
    bare: string;
    pathInRepo: string;
    query: string;
    actor: GitActor;
    protectedBranches: string[];
    rulesUrl: string;
  },
): Promise<number> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: dirname(opts.bare),
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: opts.actor.login,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: `/${basename(opts.bare)}${opts.pathInRepo}`,
    QUERY_STRING: opts.query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    FAKE_GITHUB_ACTOR: opts.actor.login,
    FAKE_GITHUB_BYPASS: opts.actor.bypass ? '1' : '0',
    FAKE_GITHUB_PROTECTED: opts.protectedBranches.join(' '),
    FAKE_GITHUB_RULES_URL: opts.rulesUrl,
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;

  return new Promise((resolve) => {
    const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    cgi.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    req.pipe(cgi.stdin);
    cgi.on('error', (err) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend failed to start: ${err.message}\n`);
      resolve(500);
    });
    cgi.on('close', (code) => {
      const out = Buffer.concat(chunks);
      const split = headerEnd(out);
      if (!split) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`git http-backend exited ${code} without a CGI response: ${stderr}\n`);
        resolve(502);
        return;
      }
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of out.subarray(0, split.at).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(split.at + split.length));
      resolve(status);
    });
  });
}

function headerEnd(buf: Buffer): { at: number; length: number } | undefined {
  for (const sep of ['\r\n\r\n', '\n\n']) {
    const at = buf.indexOf(sep);
    if (at >= 0) return { at, length: sep.length };
  }
  return undefined;
}

/** The token of an `Authorization` header: Basic (password, or user when there is none), Bearer or token. */
export function tokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  const s = scheme?.toLowerCase();
  if (s === 'bearer' || s === 'token') return value;
  if (s === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i < 0 ? decoded : decoded.slice(i + 1) || decoded.slice(0, i);
  }
  return undefined;
}
