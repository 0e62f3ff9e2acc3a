// TEMPORARY negative control (deleted after the run): with maxSurge 0 / maxUnavailable 1 the update
// test's availability assertion must fail.
import { jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSamples, watchAvailability } from './cluster/availability-watch.js';
import { MINIKUBE, commitRelease, deployRelease, git, setupGitopsEnv } from './cluster/gitops-flows.js';
import { startCluster, stopCluster } from './cluster/harness.js';
import type { ClusterHandle } from './cluster/harness.js';

jest.setTimeout(600_000);
let cluster: ClusterHandle | undefined;
afterAll(async () => stopCluster(cluster));
it('negative control: a rollout that drops the only replica fails the availability assertion', async () => {
  cluster = await startCluster();
  const env = await setupGitopsEnv(cluster, console.log);
  await deployRelease(env, commitRelease(env, 'A'));
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  const f = join(env.work, 'deploy', 'deployment.yaml');
  const text = readFileSync(f, 'utf8');
  writeFileSync(f, text.replace('maxSurge: 1', 'maxSurge: 0').replace('maxUnavailable: 0', 'maxUnavailable: 1'));
  git(env.work, 'commit', '--quiet', '-am', 'strategy: maxSurge 0, maxUnavailable 1');
  git(env.work, 'push', '--quiet', 'origin', 'main');
  const b = commitRelease(env, 'B');
  const watch = await watchAvailability(cluster.kubeconfig, MINIKUBE.namespace, 'score-api');
  const out = await deployRelease(env, b);
  const seen = await watch.stop();
  console.log(out.verify.result, formatSamples(seen));
  expect(seen.minReadyPods).toBeGreaterThanOrEqual(MINIKUBE.minReplicas);
});
