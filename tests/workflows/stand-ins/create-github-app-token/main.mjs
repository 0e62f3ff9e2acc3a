// actions/create-github-app-token stand-in, main step (see action.yml).
import { createSign } from 'node:crypto';
import { appendFileSync } from 'node:fs';

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const fail = (message) => {
  process.stdout.write(`::error::create-github-app-token stand-in: ${message}\n`);
  process.exit(1);
};
const output = (file, key, value) => appendFileSync(process.env[file], `${key}=${value}\n`);

const issuer = input('client-id') || input('app-id');
const key = input('private-key').replace(/\\n/g, '\n');
if (!issuer) fail("either 'client-id' or 'app-id' is required");
if (!key.includes('PRIVATE KEY')) fail("'private-key' is not a PEM private key");
const api = (input('github-api-url') || process.env.GITHUB_API_URL || '').replace(/\/+$/, '');
const [repoOwner, repoName] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
const owner = input('owner') || repoOwner;
const repositories = input('repositories')
  ? input('repositories')
      .split(/[\n,]+/)
      .map((r) => r.trim())
      .filter(Boolean)
  : input('owner')
    ? []
    : [repoName];

const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
// GitHub allows 10 minutes; 60 s back-dating absorbs clock drift, as the real action does.
const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iat: now - 60, exp: now + 540, iss: issuer })}`;
let jwt;
try {
  jwt = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url')}`;
} catch (err) {
  fail(`cannot sign the JWT with 'private-key': ${err.message}`);
}

async function call(method, path, auth, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${auth}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) fail(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const installation =
  repositories.length > 0
    ? await call('GET', `/repos/${owner}/${repositories[0]}/installation`, jwt)
    : await call('GET', `/orgs/${owner}/installation`, jwt);
const permissions = {};
for (const [k, v] of Object.entries(process.env)) {
  const m = /^INPUT_PERMISSION-(.+)$/.exec(k);
  if (m && v.trim()) permissions[m[1].toLowerCase().replace(/-/g, '_')] = v.trim();
}
const minted = await call('POST', `/app/installations/${installation.id}/access_tokens`, jwt, {
  ...(repositories.length > 0 ? { repositories } : {}),
  ...(Object.keys(permissions).length > 0 ? { permissions } : {}),
});
process.stdout.write(`::add-mask::${minted.token}\n`);
output('GITHUB_OUTPUT', 'token', minted.token);
output('GITHUB_OUTPUT', 'installation-id', installation.id);
output('GITHUB_OUTPUT', 'app-slug', installation.app_slug);
if (input('skip-token-revoke') !== 'true') {
  output('GITHUB_STATE', 'token', minted.token);
  output('GITHUB_STATE', 'expiresAt', minted.expires_at);
}
process.stdout.write(
  `create-github-app-token stand-in: installation ${installation.id} of ${installation.app_slug}, token expires ${minted.expires_at}\n`,
);
