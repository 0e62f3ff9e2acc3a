// score-api throughput and latency on loopback: single-row POST /score and v2 infer against the bundled
// service (the file the image runs), time from process start to /readyz 200, RSS idle and after load;
// then sustained worst-case requests (every one at the caps) from many connections at once, with the
// peak RSS against the Deployment's memory limit; then the same single-row load on a bare express JSON
// echo, a node:http JSON echo and a ten-line Flask /score for comparison.
// Goals: >= 10,000 req/s, p99 < 20 ms, ready < 1 s, RSS after load < 100 MB, worst-case peak under the
// memory limit. Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32),
// BENCH_WORST_CONNECTIONS (default 64), SERVICE_NODE (the node binary that runs the service and the
// echo servers; default the image's Node 24 from tools/node24). Every load is time-bounded; every process started here is
// stopped.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { node24 } from '../tests/helpers/node24.js';
import { parseAllDocuments } from 'yaml';
import {
  MAX_BODY_BYTES,
  MAX_CONNECTIONS,
  MAX_IN_FLIGHT_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_ROWS,
} from '../service/src/limits.js';

const execFileP = promisify(execFile);

const root = new URL('../', import.meta.url).pathname;
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const worstConnections = Number(process.env.BENCH_WORST_CONNECTIONS ?? 64);
// The servers run on the image's Node (24); the load generator and the bundler on the machine's.
const serviceNode = process.env.SERVICE_NODE || node24();
const work = mkdtempSync(join(tmpdir(), 'score-api-bench-'));
const bundleDir = join(work, 'bundle');
const ROW = [5.1, 3.5, 1.4, 0.2];
const SCORE_BODY = JSON.stringify({ X: ROW });
const INFER_BODY = JSON.stringify({
  inputs: [{ name: 'input-0', datatype: 'FP32', shape: [1, 4], data: ROW }],
});
/** The costliest request the caps allow: MAX_ROWS rows (the largest answer), padded to the body cap. */
function worstCaseBody(): string {
  const rows = JSON.stringify({ X: Array.from({ length: MAX_ROWS }, () => ROW), pad: '' });
  return rows.replace('"pad":""', `"pad":"${'x'.repeat(MAX_BODY_BYTES - rows.length)}"`);
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Starts a server process and resolves with its port once `readyPath` answers 200, and the time that took. */
async function startServer(
  label: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  readyPath: string,
): Promise<{ child: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const child = spawn(cmd, args, {
    cwd: work,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  // Drain the service's logs like a log collector would; discarding them costs the server nothing extra.
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited early: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}${readyPath}`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return { child, readyMs: performance.now() - t0 };
    if (performance.now() - t0 > 20_000)
      throw new Error(`${label} not ready after 20 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Runs ApacheBench (keep-alive, time-bounded) for the Flask comparison: autocannon stalls on
 * werkzeug's connections (seen here: 3 req/s against ~700 with ab), so both sides of that ratio use ab.
 */
async function abLoad(url: string, body: string): Promise<Load> {
  const bodyFile = join(work, 'ab-body.json');
  writeFileSync(bodyFile, body);
  const args = ['-q', '-k', '-t', String(duration), '-n', '10000000', '-c', String(connections)];
  const res = await execFileP('ab', [...args, '-p', bodyFile, '-T', 'application/json', url], {
    encoding: 'utf8',
    timeout: (duration + 30) * 1000,
  });
  const num = (re: RegExp) => Number(re.exec(res.stdout)?.[1] ?? NaN);
  return {
    rps: num(/Requests per second:\s+([\d.]+)/),
    p50: num(/^\s+50%\s+(\d+)/m),
    p99: num(/^\s+99%\s+(\d+)/m),
    non2xx: num(/Non-2xx responses:\s+(\d+)/) || 0,
    errors: num(/Failed requests:\s+(\d+)/),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  child.kill('SIGKILL');
}

/**
 * Runs autocannon in its own process (it competes for the same 2 cores, as a real client would).
 * Asynchronously: while it runs, this process must keep draining the servers' log pipes, or a server
 * would buffer its unread log lines in memory (inflating its RSS) or block on them.
 */
async function load(url: string, body: string, conns = connections): Promise<Load> {
  // A file, not -b: one argv string may not exceed 128 KiB (MAX_ARG_STRLEN).
  const bodyFile = join(work, 'autocannon-body.json');
  writeFileSync(bodyFile, body);
  const res = await execFileP(
    process.execPath,
    [
      join(root, 'node_modules/autocannon/autocannon.js'),
      '-c',
      String(conns),
      '-d',
      String(duration),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-i',
      bodyFile,
      '--json',
      url,
    ],
    { encoding: 'utf8', timeout: (duration + 30) * 1000, maxBuffer: 16 * 1024 * 1024 },
  );
  const r = JSON.parse(res.stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** Resident set size of `pid` in MiB (the unit of the Deployment's memory limit). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Runs `work` while sampling `pid`'s RSS every 50 ms; resolves with its result and the peak. */
async function withPeakRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 50);
  try {
    return { result: await work, peak };
  } finally {
    clearInterval(timer);
  }
}

/** The score-api container's memory limit in deploy/deployment.yaml, in MiB. */
function memoryLimitMiB(): number {
  const text = readFileSync(join(root, 'deploy/deployment.yaml'), 'utf8');
  const deployment = parseAllDocuments(text)[0]?.toJS() as {
    spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
  };
  const limit = deployment.spec.template.spec.containers[0]?.resources.limits.memory ?? '';
  const mi = /^(\d+)Mi$/.exec(limit)?.[1];
  if (mi === undefined)
    throw new Error(`deploy/deployment.yaml: memory limit ${limit} is not in Mi`);
  return Number(mi);
}

const fmt = (l: Load) =>
  `${Math.round(l.rps).toString().padStart(6)} req/s  p50 ${l.p50.toFixed(1).padStart(5)} ms  p99 ${l.p99.toFixed(1).padStart(5)} ms` +
  (l.non2xx || l.errors ? `  (non-2xx ${l.non2xx}, errors ${l.errors})` : '');

/** The node flags of the image's exec-form CMD in service/Dockerfile, so the bench runs what ships. */
function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(join(root, 'service/Dockerfile'), 'utf8');
  const cmd = /^CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
  const argv = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (argv[0] !== 'node')
    throw new Error(`service/Dockerfile: expected CMD ["node", ...], got ${cmd}`);
  return argv.slice(1, -1);
}

let nextPort = 20_000 + (process.pid % 20_000);
const port = () => (nextPort += 1);

async function main(): Promise<void> {
  const serviceNodeVersion = spawnSync(serviceNode, ['--version'], {
    encoding: 'utf8',
  }).stdout.trim();
  console.log(
    `score-api bench: ${duration} s per load, ${connections} connections, service on node ${serviceNodeVersion} ` +
      `(${serviceNode}), ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)} (other work on the machine skews every figure)`,
  );
  console.log(
    `caps: body ${MAX_BODY_BYTES} B, rows ${MAX_ROWS}, response ${MAX_RESPONSE_BYTES} B, ` +
      `in flight ${MAX_IN_FLIGHT_BYTES} B, connections ${MAX_CONNECTIONS}`,
  );
  const bundled = spawnSync(process.execPath, ['service/scripts/bundle.mjs', '--out', bundleDir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (bundled.status !== 0) throw new Error(`bundle failed: ${bundled.stderr}`);

  const results: Record<string, Load> = {};
  const svcPort = port();
  const nodeFlags = imageNodeFlags();
  console.log(`node flags (from the Dockerfile CMD): ${nodeFlags.join(' ') || 'none'}`);
  const svc = await startServer(
    'score-api',
    serviceNode,
    [...nodeFlags, join(bundleDir, 'main.mjs')],
    {
      PORT: String(svcPort),
      MODEL_PATH: join(bundleDir, 'model/model.json'),
      DRAIN_DELAY_MS: '0',
      LOG_LEVEL: 'info',
    },
    svcPort,
    '/readyz',
  );
  console.log(`start -> /readyz 200: ${svc.readyMs.toFixed(0)} ms (goal < 1000 ms)`);
  const pid = svc.child.pid as number;
  const rssIdle = rssMiB(pid);
  results['score-api POST /score (1 row)'] = await load(
    `http://127.0.0.1:${svcPort}/score`,
    SCORE_BODY,
  );
  results['score-api POST /v2/models/iris-classifier/infer'] = await load(
    `http://127.0.0.1:${svcPort}/v2/models/iris-classifier/infer`,
    INFER_BODY,
  );
  const rss = rssMiB(pid);

  // Worst case, sustained: every request at the caps from many connections at once.
  const worst = await withPeakRss(
    pid,
    load(`http://127.0.0.1:${svcPort}/score`, worstCaseBody(), worstConnections),
  );
  results[`score-api worst case (${MAX_ROWS} rows, 1 MiB, ${worstConnections} conns)`] =
    worst.result;
  const rssAfterWorst = rssMiB(pid);
  await stop(svc.child);

  // The same JSON round trip without the service: what express itself and node:http cost on this machine.
  const expressEcho = `import express from ${JSON.stringify(join(root, 'node_modules/express/index.js'))};
const app = express(); app.disable('x-powered-by'); app.disable('etag');
app.post('/score', express.json(), (req, res) => res.json({ echo: req.body }));
app.get('/ready', (_q, r) => r.send('ok')); app.listen(Number(process.env.PORT));`;
  const httpEcho = `import { createServer } from 'node:http';
createServer((req, res) => { if (req.method === 'GET') { res.end('ok'); return; }
  let b = ''; req.setEncoding('utf8'); req.on('data', (c) => (b += c));
  req.on('end', () => { const t = JSON.stringify({ echo: JSON.parse(b) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t) }); res.end(t); });
}).listen(Number(process.env.PORT));`;
  for (const [name, source] of [
    ['bare express 5 JSON echo', expressEcho],
    ['node:http JSON echo', httpEcho],
  ] as const) {
    const file = join(work, `${name.split(' ')[0]}.mjs`);
    writeFileSync(file, source);
    const p = port();
    const s = await startServer(name, serviceNode, [file], { PORT: String(p) }, p, '/ready');
    results[name] = await load(`http://127.0.0.1:${p}/score`, SCORE_BODY);
    await stop(s.child);
  }

  // Flask: the same model, ten lines of Python, against score-api under the same load generator (ab).
  let flaskNote: string;
  const flaskReady =
    spawnSync('python3', ['-c', 'import flask'], { encoding: 'utf8' }).status === 0 ||
    spawnSync('python3', ['-m', 'pip', 'install', '-q', 'flask'], {
      encoding: 'utf8',
      timeout: 120_000,
    }).status === 0;
  const hasAb = spawnSync('ab', ['-V'], { encoding: 'utf8' }).status === 0;
  if (!flaskReady) flaskNote = 'Flask: skipped (python3 -m pip install flask failed)';
  else if (!hasAb) flaskNote = 'Flask: skipped (needs ab: apt-get install apache2-utils)';
  else {
    const app = join(work, 'flask_score.py');
    writeFileSync(
      app,
      `import json, logging, math, os, sys
from flask import Flask, request, jsonify
from werkzeug.serving import WSGIRequestHandler
m = json.load(open(sys.argv[1])); p = m["parameters"]; app = Flask(__name__)
@app.post("/score")
def score():
    x = [(v - mu) / sd for v, mu, sd in zip(request.get_json()["X"], p["scaler"]["mean"], p["scaler"]["std"])]
    z = [b + sum(w * v for w, v in zip(ws, x)) for ws, b in zip(p["weights"], p["bias"])]
    e = [math.exp(v - max(z)) for v in z]; s = sum(e)
    return jsonify(score=[{"label": m["classes"][z.index(max(z))], "probabilities": dict(zip(m["classes"], [v / s for v in e]))}])
app.add_url_rule("/ready", "ready", lambda: "ok")
WSGIRequestHandler.protocol_version = "HTTP/1.1"  # keep-alive, as ab -k and the node servers use
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request would fill the unread pipe
app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
`,
    );
    const fp = port();
    const f = await startServer(
      'flask',
      'python3',
      [app, join(bundleDir, 'model/model.json')],
      { PORT: String(fp) },
      fp,
      '/ready',
    );
    const flask = await abLoad(`http://127.0.0.1:${fp}/score`, SCORE_BODY);
    await stop(f.child);
    const sp = port();
    const again = await startServer(
      'score-api',
      serviceNode,
      [...nodeFlags, join(bundleDir, 'main.mjs')],
      { PORT: String(sp), MODEL_PATH: join(bundleDir, 'model/model.json'), DRAIN_DELAY_MS: '0' },
      sp,
      '/readyz',
    );
    const ours = await abLoad(`http://127.0.0.1:${sp}/score`, SCORE_BODY);
    await stop(again.child);
    results['Flask (werkzeug, threaded) /score [ab]'] = flask;
    results['score-api POST /score [ab]'] = ours;
    flaskNote = `score-api vs Flask, both under ab -k: ${(ours.rps / flask.rps).toFixed(1)}x`;
  }

  console.log('');
  for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(48)} ${fmt(r)}`);
  const limit = memoryLimitMiB();
  const mib = (v: number) => `${v.toFixed(1)} MiB`;
  console.log(
    `RSS: idle ${mib(rssIdle)}; after load ${mib(rss)} (goal < 100); worst case peak ${mib(worst.peak)}, ` +
      `after ${mib(rssAfterWorst)} (memory limit ${limit} MiB, deploy/deployment.yaml)`,
  );
  const score = results['score-api POST /score (1 row)'] as Load;
  const ratio = (name: string) => {
    const other = results[name];
    return other ? `${(score.rps / other.rps).toFixed(2)}x` : 'n/a';
  };
  console.log(
    `score-api /score vs bare express echo: ${ratio('bare express 5 JSON echo')}, vs node:http echo: ${ratio('node:http JSON echo')}`,
  );
  console.log(flaskNote);
  console.log(
    `goals: >= 10000 req/s ${score.rps >= 10_000 ? 'met' : 'NOT met'}; p99 < 20 ms ${score.p99 < 20 ? 'met' : 'NOT met'}; ` +
      `ready < 1 s ${svc.readyMs < 1000 ? 'met' : 'NOT met'}; RSS after load < 100 MiB ${rss < 100 ? 'met' : 'NOT met'}; ` +
      `worst-case peak under the limit ${worst.peak < limit ? 'met' : 'NOT met'}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
