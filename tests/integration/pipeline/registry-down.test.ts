// The registry goes down: the push fails clearly and nothing is bumped; once it is back, the same run
// succeeds. A dedicated real registry on a free loopback port, and a podman API service of its own that
// lists that port as insecure (the shared service read registries.conf once, at start).
import { join } from 'node:path';
import { buildStage } from '../../../scripts/pipeline/build-stage.js';
import { deployedSha, serviceRepo } from './service-repo.js';
import {
  containerParts,
  registryTags,
  runPipelineProcess,
  startPodmanService,
  startTestRegistry,
  testConfig,
  testContext,
} from './helpers.js';
import { bareClone, cleanupTemp, gitSync as git, tempDir } from '../../helpers/git-fixture.js';
import { freePort } from '../../../scripts/pipeline/registry-server.js';
import { needs } from '../../helpers/real-parts.js';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  cleanupTemp();
});

const withImages = needs(await containerParts());

withImages.test(
  'registry down during push: clear failure, no bump commit; back up: the retry succeeds',
  async () => {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    const dataDir = join(tempDir('pipeline-registry-'), 'reg');
    const podman = await startPodmanService([addr]);
    stops.push(podman.stop);
    const work = serviceRepo();
    const remote = bareClone(work);
    const tip = git(remote, 'rev-parse', 'main');
    const sha = git(work, 'rev-parse', 'HEAD');
    const repository = 'pipeline-it/registry-down';
    const env = { ...podman.env, PIPELINE_IMAGE_REPOSITORY: repository };
    const args = [
      '--skip-lint',
      '--skip-tests',
      '--no-cluster',
      '--registry',
      addr,
      '--remote',
      remote,
    ];

    // Down before the run: the registry stage says so; nothing is built, pushed or bumped.
    const early = await runPipelineProcess(work, args, env);
    expect(early.code).toBe(1);
    expect(early.stdout + early.stderr).toContain(
      `registry ${addr} does not answer http://${addr}/v2/`,
    );
    expect(git(remote, 'rev-parse', 'main')).toBe(tip);

    // Down during the push itself (the build stage straight, past the registry check): a clear push error.
    const ctx = testContext(
      testConfig(work, { registry: addr, imageRepository: repository, remote }),
      podman.env,
    );
    // buildImage drives the docker CLI with this process's environment: point it at the dedicated engine.
    const saved = { host: process.env.DOCKER_HOST, version: process.env.DOCKER_API_VERSION };
    Object.assign(process.env, { DOCKER_HOST: podman.env.DOCKER_HOST, DOCKER_API_VERSION: '1.41' });
    const failure = await buildStage(ctx, sha, false)
      .then(
        () => undefined,
        (err: unknown) => err as Error,
      )
      .finally(() => {
        for (const [k, v] of [
          ['DOCKER_HOST', saved.host],
          ['DOCKER_API_VERSION', saved.version],
        ] as const) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      });
    expect(failure).toBeInstanceOf(Error);
    expect(failure?.message).toContain(addr);
    expect(git(remote, 'rev-parse', 'main')).toBe(tip);

    // Back up (same port, same storage): the same run goes through.
    const registry = await startTestRegistry({ port, dir: dataDir });
    stops.push(registry.stop);
    const ok = await runPipelineProcess(work, [...args, '--json'], env);
    const result = JSON.parse(ok.stdout || '{}') as {
      result: string;
      error?: string;
      image: { ref: string };
      bump: { status: string; commit: string };
    };
    expect(
      ok.code === 0 && result.result === 'deployed'
        ? 'deployed'
        : `exit ${ok.code}: ${ok.stdout}\n${ok.stderr}`,
    ).toBe('deployed');
    expect(result.image.ref).toMatch(
      new RegExp(`^${addr}/${repository}:${sha}@sha256:[0-9a-f]{64}$`),
    );
    expect(await registryTags(addr, repository)).toContain(sha);
    expect(git(remote, 'rev-parse', 'main')).toBe(result.bump.commit);
    expect(git(remote, 'rev-list', '--count', `${tip}..main`)).toBe('1');
    expect(deployedSha(remote)).toBe(sha);

    // A second run of the same commit: the image is reused, the bump is a no-op, the remote does not move.
    const again = await runPipelineProcess(work, [...args, '--json'], env);
    const second = JSON.parse(again.stdout || '{}') as {
      result?: string;
      image?: { reused: boolean };
      bump?: { status: string };
    };
    expect({
      code: again.code,
      result: second.result,
      reused: second.image?.reused,
      bump: second.bump?.status,
    }).toEqual({
      code: 0,
      result: 'unchanged',
      reused: true,
      bump: 'unchanged',
    });
    expect(git(remote, 'rev-parse', 'main')).toBe(result.bump.commit);
  },
  900_000,
);
