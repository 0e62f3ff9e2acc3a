// Smoke test of the local e2e cluster (tests/e2e/cluster/up.sh): a real kube-apiserver,
// controller-manager and scheduler with kwok nodes, and, when built, Argo CD's application
// controller and repo server syncing from a loopback git server. Skips with the reason printed
// unless the binaries are built or E2E_CLUSTER=1 (which builds them: a cold build takes long).
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateApplication } from '../../gitops/rules/argocd-status.js';
import type { KubeClient } from '../../gitops/adapters/kube.js';
import { kubeClientFromConfig, selectorOf } from '../../gitops/adapters/kube.js';
import { readImage, setImage } from '../../gitops/rules/kustomization.js';
import { evaluateRollout } from '../../gitops/rules/rollout-status.js';
import type { RolloutVerdict } from '../../gitops/rules/rollout-status.js';
import {
  CLUSTER_SCRIPTS,
  REPO_ROOT,
  argocdExpected,
  clusterSkipReason,
  createNamespace,
  kubectl,
  kubectlJson,
  startCluster,
  stopCluster,
  waitFor,
} from './cluster/harness.js';
import type { ClusterHandle } from './cluster/harness.js';

const skipReason = clusterSkipReason();
if (skipReason) process.stdout.write(`[cluster-smoke] skipped: ${skipReason}\n`);
const describeCluster = skipReason ? describe.skip : describe;
const withArgo = !skipReason && argocdExpected();
if (!skipReason && !withArgo) {
  process.stdout.write(
    '[cluster-smoke] Argo CD checks skipped: Argo CD will not run (argocd binary not built: tests/e2e/cluster/build.sh argocd)\n',
  );
}
const itArgo = withArgo ? it : it.skip;

// up.sh may have to build binaries first when E2E_CLUSTER=1; a warm start takes seconds.
const STARTUP_TIMEOUT_MS = Number(process.env.E2E_CLUSTER_STARTUP_TIMEOUT_MS ?? 90 * 60_000);
jest.setTimeout(10 * 60_000);

const log = (line: string): void => void process.stdout.write(`[cluster-smoke] ${line}\n`);

function deploymentManifest(namespace: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'smoke', namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'smoke' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'smoke' } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
}

async function observe(kube: KubeClient, namespace: string, name: string) {
  const deployment = await kube.getDeployment(namespace, name);
  const selector = selectorOf(deployment);
  const [replicaSets, pods] = await Promise.all([
    kube.listReplicaSets(namespace, selector),
    kube.listPods(namespace, selector),
  ]);
  return { deployment, replicaSets, pods };
}

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { containers: { image: string }[]; nodeName?: string };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      ready: boolean;
      restartCount: number;
      state?: { waiting?: { reason?: string } };
    }[];
  };
}

const isReady = (p: PodJson): boolean =>
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describeCluster('local e2e cluster (kube-apiserver + kwok [+ Argo CD])', () => {
  let cluster: ClusterHandle | undefined;
  let kube: KubeClient;
  const ns = `smoke-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cluster = await startCluster(log);
    if (cluster.startupMs !== undefined)
      log(`cluster started in ${cluster.startupMs}ms (argocd=${cluster.argocd})`);
    kube = kubeClientFromConfig({ kubeconfig: cluster.kubeconfig });
    await createNamespace(cluster, ns);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    if (cluster && !cluster.owned)
      await kubectl(cluster, ['delete', 'namespace', ns, '--wait=false']).catch((err: unknown) =>
        log(`namespace cleanup failed: ${String(err)}`),
      );
    await stopCluster(cluster);
  }, 120_000);

  it('runs a Deployment to completion on kwok nodes, then stalls a bad release with crash-looping pods', async () => {
    const c = cluster!;
    const nodes = await kubectlJson<{ items: { metadata: { name: string } }[] }>(c, [
      'get',
      'nodes',
      '-l',
      'type=kwok',
    ]);
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(['kwok-node-0', 'kwok-node-1']);

    await kubectl(
      c,
      ['apply', '-f', '-'],
      deploymentManifest(ns, '127.0.0.1:5000/score-api:1111111'),
    );
    const complete = await waitFor<RolloutVerdict>(
      'the first rollout to complete',
      async () => {
        const v = evaluateRollout(await observe(kube, ns, 'smoke'));
        if (v.state === 'failed') throw new Error(`healthy release judged failed: ${v.message}`);
        return v.state === 'complete' ? v : undefined;
      },
      {
        timeoutMs: 90_000,
        describe: async () => kubectl(c, ['get', 'deploy,rs,pods', '-n', ns, '-o', 'wide']),
      },
    );
    expect(complete.state).toBe('complete');
    const firstPods = await kubectlJson<{ items: PodJson[] }>(c, [
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      'app=smoke',
    ]);
    expect(firstPods.items).toHaveLength(2);
    for (const p of firstPods.items) {
      expect(isReady(p)).toBe(true);
      expect(p.spec.nodeName).toMatch(/^kwok-node-/); // bound by the real scheduler
    }

    // A bad release: kwok's pod-crashloop stages make its pods crash-loop and never become ready.
    await kubectl(c, [
      'set',
      'image',
      'deployment/smoke',
      '-n',
      ns,
      'app=127.0.0.1:5000/score-api:bad-2222222',
    ]);
    const failed = await waitFor<RolloutVerdict>(
      'the bad rollout to be judged failed',
      async () => {
        const v = evaluateRollout(await observe(kube, ns, 'smoke'));
        if (v.state === 'complete') throw new Error(`bad release judged complete: ${v.message}`);
        return v.state === 'failed' ? v : undefined;
      },
      {
        timeoutMs: 90_000,
        describe: async () => kubectl(c, ['get', 'deploy,rs,pods', '-n', ns, '-o', 'wide']),
      },
    );
    expect(failed).toMatchObject({ state: 'failed', reason: 'CrashLoopBackOff' });

    const pods = (
      await kubectlJson<{ items: PodJson[] }>(c, ['get', 'pods', '-n', ns, '-l', 'app=smoke'])
    ).items;
    const bad = pods.filter((p) => p.spec.containers[0]?.image.includes(':bad-'));
    const good = pods.filter((p) => !p.spec.containers[0]?.image.includes(':bad-'));
    // maxSurge 1 / maxUnavailable 0: one new pod is tried, both old pods keep serving.
    expect(bad).toHaveLength(1);
    expect(isReady(bad[0]!)).toBe(false);
    expect(bad[0]!.status.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(good).toHaveLength(2);
    expect(good.every(isReady)).toBe(true);

    // The restart count keeps growing, as with a real crash loop (kwok restarts it every ~10s).
    const restarts = await waitFor(
      'the bad pod to restart again',
      async () => {
        const p = await kubectlJson<PodJson>(c, ['get', 'pod', bad[0]!.metadata.name, '-n', ns]);
        const n = p.status.containerStatuses?.[0]?.restartCount ?? 0;
        return n >= 2 ? n : undefined;
      },
      { timeoutMs: 40_000, pollMs: 1000 },
    );
    expect(restarts).toBeGreaterThanOrEqual(2);
    const dep = await kubectlJson<{
      status: { availableReplicas?: number; updatedReplicas?: number };
    }>(c, ['get', 'deployment', 'smoke', '-n', ns]);
    expect(dep.status.availableReplicas).toBe(2);
    expect(dep.status.updatedReplicas).toBe(1);
  });

  describe('Argo CD', () => {
    let work: string;

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'cluster-smoke-git-'));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    const git = (cwd: string, ...args: string[]): string =>
      execFileSync(
        'git',
        ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', ...args],
        {
          cwd,
          encoding: 'utf8',
        },
      ).trim();

    /** Creates bare repo NAME under the git server's root and pushes the tree `fill` writes into a clone. */
    function publish(name: string, fill: (dir: string) => void): { url: string; commit: string } {
      const c = cluster!;
      const bare = join(c.gitRoot, `${name}.git`);
      execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
      const clone = join(work, name);
      execFileSync('git', ['init', '--quiet', '--initial-branch=main', clone]);
      fill(clone);
      git(clone, 'add', '-A');
      git(clone, 'commit', '--quiet', '-m', `${name}: initial`);
      const url = `${c.gitUrl}/${name}.git`;
      git(clone, 'push', '--quiet', url, 'main'); // through the HTTP server, as Argo CD fetches it
      return { url, commit: git(clone, 'rev-parse', 'HEAD') };
    }

    itArgo('syncs an Application from the loopback git server to Synced/Healthy', async () => {
      if (!cluster?.argocd)
        throw new Error(
          'Argo CD was expected to run but up.sh did not start it (see $E2E_CLUSTER_DIR/logs)',
        );
      const c = cluster!;
      const target = `${ns}-argo`;
      const { url, commit } = publish(`${ns}-app`, (dir) => {
        mkdirSync(join(dir, 'overlay'));
        writeFileSync(
          join(dir, 'overlay', 'deployment.json'),
          deploymentManifest(target, '127.0.0.1:5000/score-api:3333333'),
        );
        writeFileSync(
          join(dir, 'overlay', 'kustomization.yaml'),
          'resources:\n  - deployment.json\n',
        );
      });
      await kubectl(
        c,
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: `${ns}-app`, namespace: 'argocd' },
          spec: {
            project: 'default',
            source: { repoURL: url, targetRevision: 'main', path: 'overlay' },
            destination: { server: 'https://kubernetes.default.svc', namespace: target },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ['CreateNamespace=true'],
            },
          },
        }),
      );
      const app = await waitFor(
        'the Application to be Synced and Healthy',
        async () => {
          const a = await kubectlJson<{
            status?: {
              sync?: { status?: string; revision?: string };
              health?: { status?: string };
            };
          }>(c, ['get', 'application', `${ns}-app`, '-n', 'argocd']);
          return a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy'
            ? a
            : undefined;
        },
        {
          timeoutMs: 180_000,
          pollMs: 1000,
          describe: async () =>
            kubectl(c, ['get', 'application', `${ns}-app`, '-n', 'argocd', '-o', 'yaml']),
        },
      );
      expect(app.status?.sync?.revision).toBe(commit);
      const verdict = evaluateApplication(app, commit, new Date(Date.now() + 60_000));
      expect(verdict.state).toBe('live');
      const dep = await kubectlJson<{ status: { availableReplicas?: number } }>(c, [
        'get',
        'deploy',
        'smoke',
        '-n',
        target,
      ]);
      expect(dep.status.availableReplicas).toBe(2);
      await kubectl(c, ['delete', 'application', `${ns}-app`, '-n', 'argocd', '--wait=false']);
    });

    itArgo(
      "deploys the project's own argocd/ + overlays/minikube through argocd-local",
      async () => {
        if (!cluster?.argocd)
          throw new Error(
            'Argo CD was expected to run but up.sh did not start it (see $E2E_CLUSTER_DIR/logs)',
          );
        const c = cluster!;
        const { url, commit } = publish(`${ns}-gitops`, (dir) => {
          for (const d of ['deploy', 'overlays'])
            cpSync(join(REPO_ROOT, d), join(dir, d), { recursive: true });
        });
        const rendered = execFileSync(
          'kubectl',
          ['kustomize', join(CLUSTER_SCRIPTS, 'argocd-local')],
          {
            encoding: 'utf8',
          },
        ).replaceAll('http://127.0.0.1:26407/score-api-gitops.git', url);
        await kubectl(c, ['apply', '-n', 'argocd', '-f', '-'], rendered);
        const app = await waitFor(
          'score-api-minikube to be Synced and Healthy',
          async () => {
            const a = await kubectlJson<{
              status?: { sync?: { status?: string }; health?: { status?: string } };
            }>(c, ['get', 'application', 'score-api-minikube', '-n', 'argocd']);
            return a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy'
              ? a
              : undefined;
          },
          {
            timeoutMs: 240_000,
            pollMs: 1000,
            describe: async () =>
              kubectl(c, [
                'get',
                'application',
                'score-api-minikube',
                '-n',
                'argocd',
                '-o',
                'yaml',
              ]),
          },
        );
        expect(evaluateApplication(app, commit, new Date(Date.now() + 60_000)).state).toBe('live');
        const verdict = evaluateRollout(await observe(kube, 'score-api', 'score-api'));
        expect(verdict.state).toBe('complete');

        // The deploy flow's failure path: a bump commit to a bad image is synced by Argo CD and its
        // rollout stalls in CrashLoopBackOff; `git revert` of the bump brings the cluster back.
        const clone = join(work, `${ns}-gitops`);
        const file = join(clone, 'overlays', 'minikube', 'kustomization.yaml');
        const current = readImage(readFileSync(file, 'utf8'), 'score-api', file);
        expect(current).toBeDefined();
        const bumped = setImage(
          readFileSync(file, 'utf8'),
          { ...current!, newTag: 'bad-4444444' },
          file,
        );
        expect(bumped.changed).toBe(true);
        writeFileSync(file, bumped.text);
        git(clone, 'commit', '--quiet', '-am', 'bump score-api to bad-4444444');
        git(clone, 'push', '--quiet', url, 'main');
        const bumpCommit = git(clone, 'rev-parse', 'HEAD');
        const refresh = () =>
          kubectl(c, [
            'annotate',
            '--overwrite',
            'application',
            'score-api-minikube',
            '-n',
            'argocd',
            'argocd.argoproj.io/refresh=normal',
          ]);
        await refresh();
        const stalled = await waitFor<RolloutVerdict>(
          'the bad bump to be synced and its rollout judged failed',
          async () => {
            const a = await kubectlJson<{ status?: { sync?: { revision?: string } } }>(c, [
              'get',
              'application',
              'score-api-minikube',
              '-n',
              'argocd',
            ]);
            if (a.status?.sync?.revision !== bumpCommit) return undefined;
            const v = evaluateRollout(await observe(kube, 'score-api', 'score-api'));
            return v.state === 'failed' ? v : undefined;
          },
          {
            timeoutMs: 180_000,
            pollMs: 1000,
            describe: async () =>
              kubectl(c, ['get', 'application,deploy,rs,pods', '-n', 'score-api', '-o', 'wide']),
          },
        );
        expect(stalled).toMatchObject({ state: 'failed', reason: 'CrashLoopBackOff' });
        const appAfterBump = await kubectlJson(c, [
          'get',
          'application',
          'score-api-minikube',
          '-n',
          'argocd',
        ]);
        expect(
          evaluateApplication(appAfterBump, bumpCommit, new Date(Date.now() + 60_000)).state,
        ).not.toBe('live');

        git(clone, 'revert', '--no-edit', 'HEAD');
        git(clone, 'push', '--quiet', url, 'main');
        const revertCommit = git(clone, 'rev-parse', 'HEAD');
        await refresh();
        const recovered = await waitFor(
          'the revert to be synced and the Deployment complete again',
          async () => {
            const a = await kubectlJson<{
              status?: {
                sync?: { revision?: string; status?: string };
                health?: { status?: string };
              };
            }>(c, ['get', 'application', 'score-api-minikube', '-n', 'argocd']);
            if (a.status?.sync?.revision !== revertCommit || a.status.health?.status !== 'Healthy')
              return undefined;
            const v = evaluateRollout(await observe(kube, 'score-api', 'score-api'));
            return v.state === 'complete' ? a : undefined;
          },
          {
            timeoutMs: 180_000,
            pollMs: 1000,
            describe: async () =>
              kubectl(c, ['get', 'deploy,rs,pods', '-n', 'score-api', '-o', 'wide']),
          },
        );
        expect(
          evaluateApplication(recovered, revertCommit, new Date(Date.now() + 60_000)).state,
        ).toBe('live');
        const pods = (
          await kubectlJson<{ items: PodJson[] }>(c, ['get', 'pods', '-n', 'score-api'])
        ).items;
        expect(pods.some((p) => p.spec.containers[0]?.image.includes(':bad-'))).toBe(false);
      },
    );
  });
});
