// actions/create-github-app-token stand-in, post step: revokes the token (see action.yml).
const token = process.env.STATE_token ?? '';
const expiresAt = Date.parse(process.env.STATE_expiresAt ?? '');
if (!token) {
  process.stdout.write('create-github-app-token stand-in: no token to revoke\n');
} else if (expiresAt < Date.now()) {
  process.stdout.write('create-github-app-token stand-in: token expired, not revoking\n');
} else {
  const api = (
    (process.env[`INPUT_GITHUB-API-URL`] ?? '').trim() ||
    process.env.GITHUB_API_URL ||
    ''
  ).replace(/\/+$/, '');
  const res = await fetch(`${api}/installation/token`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' },
  });
  process.stdout.write(`create-github-app-token stand-in: token revoked (HTTP ${res.status})\n`);
  if (res.status !== 204) process.exitCode = 1;
}
