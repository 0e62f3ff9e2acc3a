// The pipeline's cluster deploy path, driven through the fake Kubernetes API server + fake Argo CD
// (tests/fakes; a cluster cannot run here): with a kubeconfig whose API answers and an Argo CD Application,
// the pipeline runs verifyRollout on its bump commit; a release the cluster reports Degraded is reverted
// exactly once, even when the verification runs a second time. Real registry, real bare remote, real git.
import { execFileSync } from 'node:child_process';
import { verifyRollout } from '../../../gitops/flows/verify.js';
import { kubeClientFromConfig } from '../../../gitops/adapters/kube.js';
import { TRAILER, parseTrailers } from '../../../gitops/rules/trailers.js';
import { BASE_IMAGES } from '../../../scripts/pipeline/build-stage.js';
import { runPipeline } from '../../../scripts/pipeline/pipeline.js';
import { installFakeArgoCd } from '../../fakes/fake-argocd.js';
import { startFakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import type { FakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import { SHARED_REGISTRY, containerParts, engineEnv, testConfig } from './helpers.js';
import {
  bareClone,
  cleanupTemp,
  gitSync as git,
  makeSourceRepo,
  tempDir,
} from '../../helpers/git-fixture.js';
import { needs } from '../../helpers/real-parts.js';

let fake: FakeKubeApiServer | undefined;
afterAll(async () => {
  await fake?.close();
  cleanupTemp();
});

const repository = `pipeline-it/cluster-${process.pid}`;

const withImages = needs(await containerParts());

withImages.test(
  'cluster path: verifyRollout through fake Argo CD rolls a degraded release back once',
  async () => {
    const work = makeSourceRepo();
    const remote = bareClone(work);
    const sha = git(work, 'rev-parse', 'HEAD');
    // The commit's image is already in the registry (any image will do: the fake cluster never runs it),
    // so the build stage takes its reuse path.
    const image = `${SHARED_REGISTRY}/${repository}:${sha}`;
    execFileSync('docker', ['tag', BASE_IMAGES.BASE_IMAGE, image], { env: engineEnv });
    execFileSync('docker', ['push', '--quiet', image], { env: engineEnv });
    execFileSync('docker', ['rmi', image], { env: engineEnv });

    fake = await startFakeKubeApiServer();
    const argocd = installFakeArgoCd(fake, {
      remote,
      overlay: 'overlays/minikube',
      app: 'score-api-minikube',
      appNamespace: 'argocd',
      namespace: 'score-api',
      deployment: 'score-api',
      imageName: 'score-api',
      isBad: (ref) => ref.includes(sha),
    });
    const kubeconfig = fake.writeKubeconfig(tempDir('pipeline-kube-'));
    const config = testConfig(work, {
      remote,
      imageRepository: repository,
      kubeconfig,
      noCluster: false,
      verifyTimeoutMs: 30_000,
      verifyPollMs: 50,
      verifySettleMs: 50,
    });
    const lines: string[] = [];
    const result = await runPipeline(config, {
      env: { ...engineEnv },
      progress: (l) => lines.push(l),
    });

    expect(lines.join('\n')).toContain('verifying Argo CD application argocd/score-api-minikube');
    expect(result.image?.reused).toBe(true);
    expect(result.deploy?.mode).toBe('cluster');
    expect(result.result).toBe('rolled-back');
    const bumpCommit = result.bump?.commit as string;
    expect(argocd.synced).toContain(bumpCommit);
    expect(git(remote, 'rev-parse', 'main')).toBe(result.revert?.commit);

    // A second verification of the same release adds no second revert.
    await verifyRollout({
      kube: kubeClientFromConfig({ kubeconfig }),
      app: 'score-api-minikube',
      revision: bumpCommit,
      deployment: 'score-api',
      namespace: 'score-api',
      timeoutMs: 10_000,
      pollMs: 50,
      settleMs: 50,
      rollback: { repo: remote, commit: bumpCommit },
    });
    const reverts = git(remote, 'log', '--format=%B%x1e', 'main')
      .split('\x1e')
      .filter((m) => parseTrailers(m.trim())[TRAILER.reverts] === bumpCommit);
    expect(reverts).toHaveLength(1);
    expect(git(remote, 'rev-parse', 'main')).toBe(result.revert?.commit);
  },
  300_000,
);
