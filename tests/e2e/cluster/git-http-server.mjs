// Smart-HTTP Git server on loopback for the local e2e cluster: every request is handed to
// `git http-backend` (the CGI program that ships with git) so clients, including Argo CD's
// repo server, clone and push over the real Git HTTP protocol.
//
// usage: node git-http-server.mjs <project-root> <port> [host]
// Repositories are the bare repos under <project-root>: http://host:port/<name>.git
// Push is enabled (REMOTE_USER is set), so tests can push through the same URL.
import { spawn } from 'node:child_process';
import http from 'node:http';

const [root, portArg, host = '127.0.0.1'] = process.argv.slice(2);
const port = Number(portArg);
if (!root || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node git-http-server.mjs <project-root> <port> [host]\n');
  process.exit(2);
}

/** Splits CGI output into its header block and body; the header block ends at the first blank line. */
function splitCgiOutput(buf) {
  for (const sep of ['\r\n\r\n', '\n\n']) {
    const at = buf.indexOf(sep);
    if (at >= 0)
      return { head: buf.subarray(0, at).toString('latin1'), body: buf.subarray(at + sep.length) };
  }
  return undefined;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', `http://${host}:${port}`);
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: 'e2e',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: host,
    SERVER_PORT: String(port),
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = req.headers['git-protocol'];

  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks = [];
  let stderr = '';
  cgi.stdout.on('data', (c) => chunks.push(c));
  cgi.stderr.on('data', (c) => (stderr += c.toString()));
  req.pipe(cgi.stdin);
  cgi.on('error', (err) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`git http-backend failed to start: ${err.message}\n`);
  });
  cgi.on('close', (code) => {
    const out = splitCgiOutput(Buffer.concat(chunks));
    if (!out) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`git http-backend exited ${code} without a CGI response: ${stderr}\n`);
      return;
    }
    let status = 200;
    const headers = {};
    for (const line of out.head.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.end(out.body);
    process.stdout.write(
      `${req.method} ${req.url} ${status}${stderr ? ` ${stderr.trim()}` : ''}\n`,
    );
  });
});

server.listen(port, host, () => {
  process.stdout.write(`git http server on http://${host}:${port}/ serving ${root}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
