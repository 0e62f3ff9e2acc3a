// The rollback path without a cluster: a bad release (the service image built with a corrupt model exits 1
// at start) fails the container deploy check; the pipeline reverts its bump commit exactly once, even when
// the check runs twice, and refuses to redeploy the rolled-back commit unless forced. Real image build,
// real registry, real container, real bare remote.
import { deployedSha, serviceRepo } from './service-repo.js';
import { containerDeployStage } from '../../../scripts/pipeline/deploy-stage.js';
import { TRAILER, parseTrailers } from '../../../gitops/rules/trailers.js';
import {
  SHARED_REGISTRY,
  containerParts,
  engineEnv,
  runPipelineProcess,
  testConfig,
  testContext,
} from './helpers.js';
import { bareClone, cleanupTemp, gitSync as git } from '../../helpers/git-fixture.js';
import { needs } from '../../helpers/real-parts.js';

const repository = `pipeline-it/rollback-${process.pid}`;
afterAll(async () => {
  cleanupTemp();
});

const withImages = needs(await containerParts());

withImages.test(
  'a bad release is detected, reverted exactly once, and its commit is refused unless forced',
  async () => {
    const work = serviceRepo();
    const remote = bareClone(work);
    const sha = git(work, 'rev-parse', 'HEAD');
    const env = { ...engineEnv, PIPELINE_IMAGE_REPOSITORY: repository };
    const args = [
      '--skip-lint',
      '--skip-tests',
      '--no-cluster',
      '--registry',
      SHARED_REGISTRY,
      '--remote',
      remote,
      '--json',
    ];

    const bad = await runPipelineProcess(work, [...args, '--build-arg', 'CORRUPT_MODEL=true'], env);
    const result = JSON.parse(bad.stdout) as {
      result: string;
      bump: { commit: string; status: string };
      revert: { status: string; commit: string };
      image: { ref: string };
      deploy: { reason: string };
    };
    expect({
      code: bad.code,
      result: result.result,
      stderr: bad.code === 3 ? '' : bad.stderr,
    }).toEqual({ code: 3, result: 'rolled-back', stderr: '' });
    expect(result.bump.status).toBe('committed');
    expect(result.deploy.reason).toMatch(/exited with 1 before it was ready/);
    expect(result.revert.status).toBe('reverted');
    expect(git(remote, 'rev-parse', 'main')).toBe(result.revert.commit);
    expect(deployedSha(remote)).not.toBe(sha);

    // The same verification again (a re-run, a second watcher): it finds the earlier revert, adds none.
    const ctx = testContext(testConfig(work, { remote, imageRepository: repository }), engineEnv);
    const again = await containerDeployStage(ctx, {
      image: result.image.ref,
      sha,
      bumpCommit: result.bump.commit,
    });
    expect(again.ok).toBe(false);
    expect(again.revert).toEqual({ status: 'already-reverted', commit: result.revert.commit });
    const reverts = git(remote, 'log', '--format=%B%x1e', 'main')
      .split('\x1e')
      .filter((m) => parseTrailers(m.trim())[TRAILER.reverts] === result.bump.commit);
    expect(reverts).toHaveLength(1);
    expect(git(remote, 'rev-parse', 'main')).toBe(result.revert.commit);

    // Redeploying the rolled-back commit is refused ...
    const refused = await runPipelineProcess(work, args, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`source commit ${sha} was rolled back by ${result.revert.commit}`),
    );
    expect(git(remote, 'rev-parse', 'main')).toBe(result.revert.commit);

    // ... unless forced (here with a good build of the same commit).
    const forced = await runPipelineProcess(work, [...args, '--force', '--rebuild'], env);
    const ok = JSON.parse(forced.stdout) as {
      result: string;
      deploy: { ok: boolean; label: string };
    };
    expect({ code: forced.code, result: ok.result }).toEqual({ code: 0, result: 'deployed' });
    expect(ok.deploy.label).toBe('setosa');
    expect(deployedSha(remote)).toBe(sha);
  },
  900_000,
);
