// The real image: build service/Dockerfile on the local base images (scripts/make-base-images.sh), run it
// read-only as 65532, probe it, stop it with SIGTERM; build the corrupt-model release and watch it fail.
// Skips with a printed reason where no container engine answers (CI=true: fails, tests/helpers/real-parts.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import {
  containerEngineEnv,
  containerEngineProblem,
} from '../../../gitops/adapters/container-engine.js';
import { BASE_IMAGES } from '../../../scripts/pipeline/build-stage.js';
import { needs } from '../../helpers/real-parts.js';

const root = new URL('../../../', import.meta.url).pathname;
const BASE_IMAGE = process.env.SCORE_API_BASE_IMAGE ?? BASE_IMAGES.BASE_IMAGE;
const BUILD_IMAGE = process.env.SCORE_API_BUILD_IMAGE ?? BASE_IMAGES.BUILD_IMAGE;
const engineEnv = containerEngineEnv();
const withEngine = needs({ 'container engine': await containerEngineProblem() });

function docker(args: string[], timeout = 60_000): string {
  return execFileSync('docker', args, {
    cwd: root,
    env: engineEnv,
    encoding: 'utf8',
    timeout,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

withEngine.describe('the score-api container image', () => {
  const id = `${process.pid}-${Date.now()}`;
  const sha = randomBytes(20).toString('hex');
  const image = `localhost/score-api-test:${id}`;
  const corruptImage = `localhost/score-api-test:${id}-corrupt`;
  const containers: string[] = [];
  const build = (tag: string, extra: string[] = []) =>
    docker(
      [
        'build',
        '--network',
        'host',
        '-q',
        '-f',
        'service/Dockerfile',
        '--build-arg',
        `BASE_IMAGE=${BASE_IMAGE}`,
        '--build-arg',
        `BUILD_IMAGE=${BUILD_IMAGE}`,
        '--build-arg',
        `GIT_SHA=${sha}`,
        '--build-arg',
        'BUILD_DATE=2026-11-23T00:00:00Z',
        ...extra,
        '-t',
        tag,
        '.',
      ],
      900_000,
    );

  beforeAll(() => {
    execFileSync('bash', ['scripts/make-base-images.sh'], {
      cwd: root,
      env: engineEnv,
      stdio: 'ignore',
      timeout: 300_000,
    });
    build(image);
  }, 1_200_000);

  afterAll(() => {
    for (const name of containers)
      spawnSync('docker', ['rm', '-f', name], { env: engineEnv, stdio: 'ignore' });
    // The images are removed after all test files (tests/remove-test-images.js): removing them now
    // could prune cached layers that another file's build of the same Dockerfile is using.
  }, 120_000);

  it('records the revision and runs as a non-root numeric user', () => {
    const config = JSON.parse(
      docker(['image', 'inspect', '--format', '{{json .Config}}', image]),
    ) as {
      User: string;
      Labels: Record<string, string>;
      Cmd: string[];
      Env: string[];
    };
    expect(config.Labels['org.opencontainers.image.revision']).toBe(sha);
    expect(config.User).toBe('65532:65532');
    expect(config.Cmd).toEqual(['node', '--max-semi-space-size=4', '--no-maglev', '/app/main.mjs']);
    expect(config.Env).toContain(`GIT_SHA=${sha}`);
  });

  it('serves on a read-only root filesystem, reports its SHA, predicts, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const name = `score-api-test-${id}`;
    containers.push(name);
    docker([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '-e',
      `PORT=${port}`,
      '--read-only',
      '--user',
      '65532',
      image,
    ]);
    const base = `http://127.0.0.1:${port}`;
    await until(
      '/readyz 200',
      async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined),
      30_000,
    );

    const version = (await (await fetch(`${base}/version`)).json()) as Record<string, unknown>;
    expect(version).toMatchObject({
      sha,
      built: '2026-11-23T00:00:00Z',
      model: { name: 'iris-classifier' },
    });

    const scored = await fetch(`${base}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        X: [
          [5.1, 3.5, 1.4, 0.2],
          [6.3, 3.3, 6.0, 2.5],
        ],
      }),
    });
    expect(scored.status).toBe(200);
    const body = (await scored.json()) as { score: { label: string }[] };
    expect(body.score.map((s) => s.label)).toEqual(['setosa', 'virginica']);

    // docker stop sends SIGTERM and SIGKILLs after 10 s; exit code 0 (not 137) means node drained and exited itself.
    docker(['stop', '-t', '10', name], 60_000);
    const state = JSON.parse(docker(['inspect', '--format', '{{json .State}}', name])) as {
      ExitCode: number;
      Running: boolean;
    };
    expect(state).toMatchObject({ Running: false, ExitCode: 0 });
    const logs = docker(['logs', name]);
    expect(logs).toContain('"msg":"stopped: all requests finished"');
  }, 120_000);

  it('the corrupt-model release (CORRUPT_MODEL=true) exits non-zero with one clear log line', () => {
    build(corruptImage, ['--build-arg', 'CORRUPT_MODEL=true']);
    const name = `score-api-test-${id}-corrupt`;
    containers.push(name);
    const run = spawnSync(
      'docker',
      [
        'run',
        '--name',
        name,
        '--network',
        'host',
        '-e',
        'PORT=0',
        '--read-only',
        '--user',
        '65532',
        corruptImage,
      ],
      {
        encoding: 'utf8',
        env: engineEnv,
        timeout: 60_000,
      },
    );
    expect(run.status).not.toBe(0);
    const state = JSON.parse(docker(['inspect', '--format', '{{json .State}}', name])) as {
      ExitCode: number;
    };
    expect(state.ExitCode).toBe(1);
    const lines = docker(['logs', name])
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'error',
      msg: 'model load failed',
      modelPath: '/app/model/model.json',
      reason: expect.stringMatching(/^invalid JSON/),
    });
  }, 1_200_000);
});
