// buildImage with the real docker CLI against podman's Docker API and the real registry on 127.0.0.1:5000
// (podman only speaks plain HTTP to registries listed insecure: scripts/ci-env.sh lists 127.0.0.1:5000).
import { jest } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildError, buildImage } from '../../../gitops/flows/build.js';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { containerEngineEnv } from '../../../gitops/adapters/container-engine.js';
import { MissingToolError } from '../../../gitops/errors.js';
import { resolveDigest } from '../../../gitops/adapters/registry.js';
import { commitMessages, createGitFixture } from '../../helpers/git-fixture.js';
import { needs, imageParts, toolMissing } from '../../helpers/real-parts.js';
import { skopeoDigest, startRegistry } from '../../helpers/registry.js';

jest.setTimeout(240_000);

const REGISTRY = '127.0.0.1:5000';
const engineEnv = containerEngineEnv();
const withImages = needs({
  ...(await imageParts()),
  'docker-registry': toolMissing('docker-registry'),
  skopeo: toolMissing('skopeo'),
});

let context: string;
beforeAll(async () => {
  context = await mkdtemp(join(tmpdir(), 'gitops-build-'));
  await writeFile(
    join(context, 'Dockerfile'),
    'FROM scratch\nARG GIT_SHA\nCOPY hello.txt /hello.txt\n',
  );
  await writeFile(join(context, 'hello.txt'), `hello ${Date.now()}\n`);
});
const builtTags: string[] = [];
afterAll(async () => {
  await rm(context, { recursive: true, force: true });
  // Keep podman's vfs storage from growing with every run.
  if (builtTags.length > 0) {
    await new Promise<void>((done) =>
      execFile('docker', ['rmi', '--force', ...builtTags], { env: engineEnv }, () => done()),
    );
  }
});

const SHA = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

withImages.describe('buildImage (podman via the docker CLI, real registry)', () => {
  it('builds, labels, tags <sha> and <short>, pushes both and returns image:sha@digest read back', async () => {
    const image = `${REGISTRY}/gitops-core-test/app-${process.pid}`;
    const lines: string[] = [];
    const res = await buildImage({
      context,
      image,
      sha: SHA,
      push: true,
      network: 'host',
      source: 'https://example.test/score-api',
      buildArgs: { EXTRA: 'x' },
      log: (l) => lines.push(l),
    });
    builtTags.push(...res.tags);
    expect(res.tags).toEqual([`${image}:${SHA}`, `${image}:${SHA.slice(0, 7)}`]);
    expect(res.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(res.ref).toBe(`${image}:${SHA}@${res.digest}`);
    // Both tags resolve to the same digest, as the registry and skopeo see it.
    expect(await resolveDigest(`${image}:${SHA.slice(0, 7)}`)).toBe(res.digest);
    expect(await skopeoDigest(`${image}:${SHA}`)).toBe(res.digest);
    const labels = JSON.parse(
      execFileSync(
        'docker',
        ['inspect', '--format', '{{json .Config.Labels}}', `${image}:${SHA}`],
        { encoding: 'utf8', env: engineEnv },
      ),
    ) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe(SHA);
    expect(labels['org.opencontainers.image.source']).toBe('https://example.test/score-api');
    expect(Date.parse(labels['org.opencontainers.image.created'] ?? '')).not.toBeNaN();
    expect(lines.join('\n')).toContain(`pushed ${image}:${SHA}`);
  });

  it('a registry that goes away mid-run: clear push error, and the build+push-then-bump flow makes no bump commit', async () => {
    const reg = await startRegistry();
    const fx = await createGitFixture({ appCommits: 2 });
    const image = `${reg.addr}/score-api`;
    builtTags.push(`${image}:${fx.head}`, `${image}:${fx.head.slice(0, 7)}`);
    try {
      const flow = async (): Promise<void> => {
        const built = await buildImage({
          context,
          image,
          sha: fx.head,
          push: true,
          // The registry dies right after the build, before the push.
          log: (l) => {
            if (l.startsWith('built ')) reg.process.kill('SIGKILL');
          },
        });
        await bumpOverlay({
          repo: fx.remote,
          overlay: 'overlays/minikube',
          image: {
            name: 'score-api',
            newName: image,
            newTag: fx.head,
            digest: built.digest as string,
          },
          sourceCommit: fx.head,
          push: true,
        });
      };
      const err = await flow().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BuildError);
      expect((err as BuildError).step).toBe('push');
      expect((err as Error).message).toContain(`${image}:${fx.head}`);
      const bumps = (await commitMessages(fx.remote)).filter((m) =>
        m.includes('Gitops-Action: bump'),
      );
      expect(bumps).toEqual([]);
    } finally {
      await reg.stop();
      await fx.cleanup();
    }
  });

  it('without push: builds and tags only, no digest', async () => {
    const image = `${REGISTRY}/gitops-core-test/local-${process.pid}`;
    const res = await buildImage({ context, image, sha: SHA, push: false });
    builtTags.push(...res.tags);
    expect(res).toEqual({ image, tags: [`${image}:${SHA}`, `${image}:${SHA.slice(0, 7)}`] });
  });
});

describe('buildImage preconditions', () => {
  it('MissingToolError when no engine answers, before anything else', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const err = await buildImage({
        context: '/nonexistent',
        image: 'BAD',
        sha: 'x',
        push: true,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingToolError);
      expect((err as Error).message).toMatch(/docker engine/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  withImages.test('bad inputs are InputErrors naming the input', async () => {
    await expect(
      buildImage({ context: '/nonexistent', image: 'r.io/a', sha: SHA, push: false }),
    ).rejects.toThrow(/^context:/);
    await expect(
      buildImage({ context, image: 'r.io/a:v1', sha: SHA, push: false }),
    ).rejects.toThrow(/^image:/);
    await expect(buildImage({ context, image: 'r.io/a', sha: 'abc', push: false })).rejects.toThrow(
      /^sha:/,
    );
    await expect(
      buildImage({ context, image: 'r.io/a', sha: SHA, push: false, dockerfile: 'nope' }),
    ).rejects.toThrow(/^dockerfile:/);
  });
});

// podman's layer race cannot be provoked on demand, so a stand-in docker CLI (a shell script first on
// PATH) answers the build the way podman does when it hits it, and counts the builds it was asked for.
describe('buildImage on podman layer race (stand-in docker CLI)', () => {
  async function standIn(
    firstBuildError: string,
  ): Promise<{ env: NodeJS.ProcessEnv; builds: () => string }> {
    const bin = await mkdtemp(join(tmpdir(), 'docker-stand-in-'));
    const count = join(bin, 'builds');
    await writeFile(
      join(bin, 'docker'),
      `#!/bin/sh
case "$1" in
  version) echo 4.3.1 ;;
  build) echo x >>"${count}"
    if [ "$(wc -l <"${count}")" -eq 1 ]; then echo "${firstBuildError}" >&2; exit 1; fi ;;
  *) exit 1 ;;
esac
`,
      { mode: 0o755 },
    );
    return {
      env: { PATH: `${bin}:${process.env.PATH}` },
      builds: () => execFileSync('sh', ['-c', `wc -l <"${count}"`], { encoding: 'utf8' }).trim(),
    };
  }

  async function build(env: NodeJS.ProcessEnv): Promise<unknown> {
    const saved = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      return await buildImage({ context, image: 'r.io/a', sha: SHA, push: false }).catch(
        (e: unknown) => e,
      );
    } finally {
      process.env.PATH = saved;
    }
  }

  it('builds again when podman lost a cached layer', async () => {
    const docker = await standIn('getting top layer info: layer not known');
    const res = await build(docker.env);
    expect(res).toEqual({ image: 'r.io/a', tags: [`r.io/a:${SHA}`, `r.io/a:${SHA.slice(0, 7)}`] });
    expect(docker.builds()).toBe('2');
  });

  it('any other build failure is final', async () => {
    const docker = await standIn('COPY failed: no such file');
    const err = await build(docker.env);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toMatch(/COPY failed/);
    expect(docker.builds()).toBe('1');
  });
});
