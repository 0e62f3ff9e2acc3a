// Jest global teardown: removes the container images the tests built, once every test file is done.
// Not in each file's afterAll: removing an image can prune cached layers that another file's build
// of the same Dockerfile is using at that moment ("layer not known"), which fails that build.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const execFileP = promisify(execFile);
// Repositories only the tests use (tests/integration/{pipeline,service,core,actions}).
const TEST_REPOSITORIES = /(^|\/)(pipeline-it\/|score-api-test$|gitops-core-test\/|actions-test\/)/;

/** Removes the images whose repository is a test repository; a cleanup failure is reported, not fatal. */
export default async function removeTestImages() {
  // Several checkouts on one machine share one podman: a teardown here must not delete the images
  // another checkout's tests are running.
  if (process.env.KEEP_TEST_IMAGES === '1') return;
  // A global teardown is plain JavaScript outside Jest's transform: tsx loads the TypeScript helper.
  const { containerEngineEnv } = await tsImport(
    '../gitops/adapters/container-engine.ts',
    import.meta.url,
  );
  const env = containerEngineEnv();
  try {
    const { stdout } = await execFileP(
      'docker',
      ['images', '--format', '{{.ID}} {{.Repository}}'],
      {
        env,
        timeout: 60_000,
      },
    );
    const ids = new Set();
    for (const line of stdout.split('\n')) {
      const [id, repository] = line.trim().split(' ');
      if (id && repository && TEST_REPOSITORIES.test(repository)) ids.add(id);
    }
    if (ids.size > 0)
      await execFileP('docker', ['rmi', '--force', ...ids], { env, timeout: 300_000 });
  } catch (err) {
    // No engine on this machine (the image tests skipped) or podman refused: say so and go on.
    process.stderr.write(`remove-test-images: ${String(err).split('\n')[0]}\n`);
  }
}
