// The build-push action's registry login must not outlive its run: on a self-hosted runner the next
// job (any workflow's) would find it in ~/.docker. A real registry with basic auth, podman through the
// docker CLI, and the action's body with the real build.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPushAction } from '../../../actions/build-push/src/main.js';
import { recordingRuntime } from '../../unit/actions/recording-runtime.js';
import { cleanupTemp, tempDir } from '../../helpers/git-fixture.js';
import { needs, toolMissing } from '../../helpers/real-parts.js';
import {
  containerParts,
  makeHtpasswd,
  registryTags,
  startPodmanService,
  startTestRegistry,
} from '../pipeline/helpers.js';

const withImages = needs({
  ...(await containerParts()),
  htpasswd: toolMissing('htpasswd', 'apache2-utils'),
});

const stops: (() => Promise<void>)[] = [];
const saved = { ...process.env };
afterAll(async () => {
  for (const key of ['DOCKER_HOST', 'DOCKER_API_VERSION', 'DOCKER_CONFIG'])
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  for (const stop of stops.reverse()) await stop();
  cleanupTemp();
});

const USER = 'ci-bot';
const PASSWORD = `pw-${process.pid}-${Date.now()}`;

withImages.test(
  "the login is a Docker config of the run under RUNNER_TEMP, removed after the push; the runner's own stays untouched",
  async () => {
    const registry = await startTestRegistry({ htpasswd: makeHtpasswd(USER, PASSWORD) });
    stops.push(registry.stop);
    // podman's Docker-API login allows plain HTTP only for localhost:<port> listed as insecure.
    const addr = registry.addr.replace('127.0.0.1', 'localhost');
    const podman = await startPodmanService([addr]);
    stops.push(podman.stop);

    const context = tempDir('build-login-ctx-');
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello /hello\n');
    writeFileSync(join(context, 'hello'), 'hello\n');
    const runnerTemp = tempDir('build-login-runner-temp-');
    const home = tempDir('build-login-docker-home-');
    // The docker CLI the action runs reads these from the process environment.
    Object.assign(process.env, {
      DOCKER_HOST: podman.env.DOCKER_HOST,
      DOCKER_API_VERSION: '1.41',
      DOCKER_CONFIG: home,
    });
    const sha = 'b'.repeat(40);
    const image = `${addr}/build-login/it`;
    const { rt, rec } = recordingRuntime(
      {
        image,
        context: '.',
        sha,
        push: 'true',
        'registry-username': USER,
        'registry-password': PASSWORD,
      },
      { GITHUB_WORKSPACE: context, RUNNER_TEMP: runnerTemp },
    );
    try {
      await buildPushAction(rt);
      expect(rec.failed).toBeUndefined();
      expect(rec.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(rec.info).toContain(`logged in to ${addr} as ${USER}`);
      expect(
        await registryTags(registry.addr, 'build-login/it', { username: USER, password: PASSWORD }),
      ).toEqual(expect.arrayContaining([sha, sha.slice(0, 7)]));
    } finally {
      execFileSync('docker', ['rmi', '--force', `${image}:${sha}`, `${image}:${sha.slice(0, 7)}`], {
        env: process.env,
        stdio: 'ignore',
      });
    }
    // Nothing of the login is left: not in RUNNER_TEMP, not in the runner's own Docker config.
    expect(readdirSync(runnerTemp)).toEqual([]);
    const config = join(home, 'config.json');
    expect(existsSync(config) ? readFileSync(config, 'utf8') : '').not.toContain(addr);
  },
);
