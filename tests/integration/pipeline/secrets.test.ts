// No secret reaches a log or the result: the whole pipeline runs against a registry that requires basic
// auth (the real registry with an htpasswd file) with a token in the environment; every byte of output is
// searched for the password and the token, on success and on a failed login.
import { serviceRepo } from './service-repo.js';
import {
  containerParts,
  makeHtpasswd,
  registryTags,
  runPipelineProcess,
  startPodmanService,
  startTestRegistry,
} from './helpers.js';
import { bareClone, cleanupTemp, gitSync as git, tempDir } from '../../helpers/git-fixture.js';
import { needs, toolMissing } from '../../helpers/real-parts.js';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  cleanupTemp();
});

const USER = 'pipeline-bot';
const PASSWORD = `pw-${process.pid}-Secr3t-${Date.now()}`;
const TOKEN = `ghp_${'x'.repeat(8)}${process.pid}${Date.now()}`;

const withImages = needs({
  ...(await containerParts()),
  htpasswd: toolMissing('htpasswd', 'apache2-utils'),
});

withImages.test(
  'registry password and tokens never appear in any output, on success or on a failed login',
  async () => {
    const registry = await startTestRegistry({ htpasswd: makeHtpasswd(USER, PASSWORD) });
    stops.push(registry.stop);
    // podman's Docker-API login allows plain HTTP only for `localhost:<port>` (not 127.0.0.1): the pipeline
    // is pointed at that name; push and pull follow registries.conf, which lists it as insecure.
    const addr = registry.addr.replace('127.0.0.1', 'localhost');
    const podman = await startPodmanService([addr]);
    stops.push(podman.stop);
    const work = serviceRepo();
    const remote = bareClone(work);
    const sha = git(work, 'rev-parse', 'HEAD');
    const repository = 'pipeline-it/secrets';
    const base = {
      ...podman.env,
      PIPELINE_IMAGE_REPOSITORY: repository,
      PIPELINE_REGISTRY_USERNAME: USER,
      GITHUB_TOKEN: TOKEN,
      // docker login stores what it was given in the client config: keep it out of the user's ~/.docker.
      DOCKER_CONFIG: tempDir('pipeline-docker-config-'),
    };
    const args = [
      '--skip-lint',
      '--skip-tests',
      '--no-cluster',
      '--registry',
      addr,
      '--remote',
      remote,
    ];

    const wrong = await runPipelineProcess(work, args, {
      ...base,
      PIPELINE_REGISTRY_PASSWORD: `${PASSWORD}-wrong`,
    });
    expect(wrong.code).toBe(1);
    for (const out of [wrong.stdout, wrong.stderr]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(TOKEN);
    }

    const ok = await runPipelineProcess(work, [...args, '--json'], {
      ...base,
      PIPELINE_REGISTRY_PASSWORD: PASSWORD,
    });
    // The output in the comparison shows what went wrong when the run fails.
    expect(ok.code === 0 ? 'exit 0' : `exit ${ok.code}: ${ok.stderr}`).toBe('exit 0');
    for (const out of [ok.stdout, ok.stderr]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
    }
    expect((JSON.parse(ok.stdout) as { result: string }).result).toBe('deployed');
    expect(
      await registryTags(registry.addr, repository, { username: USER, password: PASSWORD }),
    ).toContain(sha);
  },
  900_000,
);
