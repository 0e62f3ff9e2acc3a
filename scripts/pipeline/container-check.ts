/**
 * The deploy check without a cluster: runs the pushed image the way the Deployment does (read-only root,
 * non-root user, no shell), probes it, scores one request, then stops it with SIGTERM and expects exit 0.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { runProcess } from '../../gitops/adapters/process.js';
import type { Redactor } from '../../gitops/rules/redact.js';
import { freePort } from './registry-server.js';

/** What to run and how long to wait for it. */
export interface ContainerCheckOptions {
  /** The image to run, e.g. 127.0.0.1:5000/score-api:<sha>@sha256:... */
  image: string;
  /** The commit the image must report on /version. */
  sha: string;
  env: NodeJS.ProcessEnv;
  /** Time for the container to become ready. */
  readyTimeoutMs: number;
  log?: (line: string) => void;
  redactor?: Redactor;
}

/** The verdict, with the step timings and, on failure, the container's last log lines. */
export interface ContainerCheckResult {
  ok: boolean;
  reason?: string;
  steps: { step: string; ms: number }[];
  label?: string;
  exitCode?: number;
  logs?: string;
}

/** One iris flower of the setosa kind: any working model labels it. */
export const SCORE_REQUEST = { X: [5.1, 3.5, 1.4, 0.2] };

class CheckFailed extends Error {}

async function httpJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined; // not JSON: the caller reports the raw text
  }
  return { status: res.status, body, text };
}

/** The first string under a `label` key anywhere in a JSON value (the /score response's score[0].label). */
export function findLabel(body: unknown): string | undefined {
  if (Array.isArray(body)) {
    for (const item of body) {
      const l = findLabel(item);
      if (l) return l;
    }
  } else if (body && typeof body === 'object') {
    const rec = body as Record<string, unknown>;
    if (typeof rec.label === 'string' && rec.label !== '') return rec.label;
    for (const v of Object.values(rec)) {
      const l = findLabel(v);
      if (l) return l;
    }
  }
  return undefined;
}

/** Runs the container check; never throws for a bad release (that is a verdict), only when docker is unusable. */
export async function runContainerCheck(
  opts: ContainerCheckOptions,
): Promise<ContainerCheckResult> {
  const log = opts.log ?? (() => undefined);
  const docker = (args: string[], timeoutMs = 60_000) =>
    runProcess('docker', args, { env: opts.env, timeoutMs, mask: opts.redactor?.mask });
  const steps: ContainerCheckResult['steps'] = [];
  const result: ContainerCheckResult = { ok: false, steps };
  const port = await freePort();
  const name = `pipeline-check-${opts.sha.slice(0, 7)}-${randomBytes(3).toString('hex')}`;
  const base = `http://127.0.0.1:${port}`;
  let t = Date.now();
  const step = (what: string): void => {
    const now = Date.now();
    steps.push({ step: what, ms: now - t });
    t = now;
  };
  const state = async (): Promise<{ running: boolean; exitCode: number }> => {
    const res = await docker([
      'inspect',
      '--format',
      '{{.State.Running}} {{.State.ExitCode}}',
      name,
    ]);
    const [running, code] = res.stdout.trim().split(' ');
    return { running: running === 'true', exitCode: Number(code ?? -1) };
  };
  let started = false;
  // Ctrl-C during the check must not leave the container running on the host network.
  const onSignal = (signal: NodeJS.Signals): void => {
    try {
      if (started)
        execFileSync('docker', ['rm', '--force', name], {
          env: opts.env,
          stdio: 'ignore',
          timeout: 20_000,
        });
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const run = await docker([
      'run',
      '--detach',
      '--name',
      name,
      '--network',
      'host',
      '--read-only',
      '--user',
      '65532',
      '--env',
      `PORT=${port}`,
      // No load balancer to drain from here: shut down at once instead of waiting the Kubernetes drain delay.
      '--env',
      'DRAIN_DELAY_MS=0',
      opts.image,
    ]);
    if (run.code !== 0)
      throw new CheckFailed(`docker run failed: ${run.stderr.trim().split('\n').pop() ?? ''}`);
    started = true;
    step('start');
    log(`container ${name} on port ${port}`);

    const deadline = Date.now() + opts.readyTimeoutMs;
    let lastProbe = '';
    let checks = 0;
    for (;;) {
      try {
        const r = await httpJson(`${base}/readyz`);
        if (r.status === 200) break;
        lastProbe = `HTTP ${r.status}`;
      } catch (err) {
        lastProbe = (err as Error).message;
      }
      // Asking the engine is slower than a probe: only every few probes.
      if (checks++ % 5 === 0) {
        const s = await state();
        if (!s.running) {
          result.exitCode = s.exitCode;
          throw new CheckFailed(`the container exited with ${s.exitCode} before it was ready`);
        }
      }
      if (Date.now() > deadline)
        throw new CheckFailed(`not ready after ${opts.readyTimeoutMs} ms (/readyz: ${lastProbe})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    step('ready');

    const version = await httpJson(`${base}/version`);
    const reported = (version.body as { sha?: unknown } | undefined)?.sha;
    if (version.status !== 200 || reported !== opts.sha) {
      throw new CheckFailed(
        `/version reports ${JSON.stringify(reported ?? version.text.slice(0, 200))}, expected sha ${opts.sha} (HTTP ${version.status})`,
      );
    }
    step('version');

    const score = await httpJson(`${base}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SCORE_REQUEST),
    });
    const label = findLabel(score.body);
    if (score.status !== 200 || !label) {
      throw new CheckFailed(
        `POST /score answered HTTP ${score.status} without a class label: ${score.text.slice(0, 200)}`,
      );
    }
    result.label = label;
    step('score');

    // `docker stop` sends SIGTERM (the image's StopSignal) and waits; SIGKILL only after 20 s.
    const stop = await docker(['stop', '--time', '20', name]);
    if (stop.code !== 0) throw new CheckFailed(`docker stop failed: ${stop.stderr.trim()}`);
    const after = await state();
    result.exitCode = after.exitCode;
    if (after.exitCode !== 0)
      throw new CheckFailed(
        `the container exited with ${after.exitCode} after SIGTERM, expected 0`,
      );
    step('sigterm');
    result.ok = true;
  } catch (err) {
    if (!(err instanceof CheckFailed)) throw err;
    result.reason = err.message;
    if (started) {
      const logs = await docker(['logs', '--tail', '15', name]);
      result.logs = `${logs.stdout}${logs.stderr}`.trim();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (started) await docker(['rm', '--force', name]);
  }
  return result;
}
