// Smoke test of the local e2e cluster's real node (tests/e2e/cluster/up.sh): the kubelet joins as
// system:node:NAME under the Node authorizer, runs pods through containerd + runc + the CNI bridge,
// a crash-looping release stalls while the old pods keep running, a release that never becomes ready
// is judged by its readiness budget from the kubelet's own events, PodSecurity `restricted` is
// enforced, and down.sh leaves the machine as it found it (node/inventory.sh before and after).
// Skips with the reason printed unless the binaries are built or E2E_CLUSTER=1 (which builds them).
import { jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { KubeClient } from '../../gitops/adapters/kube-api.js';
import { kubeClientFromConfig } from '../../gitops/adapters/kube.js';
import { selectorOf } from '../../gitops/rules/rollout-status.js';
import { evaluateRollout } from '../../gitops/rules/rollout-status.js';
import type { RolloutVerdict } from '../../gitops/rules/rollout-status.js';
import {
  CLUSTER_SCRIPTS,
  KubectlError,
  clusterSkipReason,
  createNamespace,
  kubectl,
  kubectlJson,
  readEnvFile,
  startCluster,
  stopCluster,
  waitFor,
} from './cluster/harness.js';
import type { ClusterHandle } from './cluster/harness.js';

const skipReason = clusterSkipReason();
if (skipReason) process.stdout.write(`[cluster-smoke] skipped: ${skipReason}\n`);
const describeCluster = skipReason ? describe.skip : describe;

// up.sh may have to build binaries first when E2E_CLUSTER=1; a warm start takes seconds.
const STARTUP_TIMEOUT_MS = Number(process.env.E2E_CLUSTER_STARTUP_TIMEOUT_MS ?? 90 * 60_000);
jest.setTimeout(5 * 60_000);

const log = (line: string): void => void process.stdout.write(`[cluster-smoke] ${line}\n`);
const node = readEnvFile(join(CLUSTER_SCRIPTS, 'node', 'node.env'));
const inventory = (): string =>
  execFileSync('bash', [join(CLUSTER_SCRIPTS, 'node', 'inventory.sh')], { encoding: 'utf8' });

/** What restricted Pod Security asks of a container. */
const RESTRICTED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function deployment(namespace: string, image: string, command?: string[]): string {
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
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'app', image, ...(command ? { command } : {}) }],
        },
      },
    },
  });
}

async function verdict(
  kube: KubeClient,
  namespace: string,
  name = 'smoke',
): Promise<RolloutVerdict> {
  const d = await kube.getDeployment(namespace, name);
  const selector = selectorOf(d);
  const [replicaSets, pods, events] = await Promise.all([
    kube.listReplicaSets(namespace, selector),
    kube.listPods(namespace, selector),
    kube.listEvents(namespace, 'reason=Unhealthy'),
  ]);
  return evaluateRollout({ deployment: d, replicaSets, pods, events, now: new Date() });
}

interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string; containers: { command?: string[] }[] };
  status: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; state?: { waiting?: { reason?: string } } }[];
  };
}

const isReady = (p: PodJson): boolean =>
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describeCluster('local e2e cluster: the real node', () => {
  let cluster: ClusterHandle | undefined;
  let kube: KubeClient;
  let before = '';
  const ns = `smoke-${Date.now().toString(36)}`;

  beforeAll(async () => {
    before = inventory();
    cluster = await startCluster(log);
    if (cluster.startupMs !== undefined) log(`cluster started in ${cluster.startupMs}ms`);
    if (!cluster.node) throw new Error('the cluster runs no real node (E2E_CLUSTER_NODE=0?)');
    kube = kubeClientFromConfig({ kubeconfig: cluster.kubeconfig });
    await createNamespace(cluster, ns);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    // The last test stops an owned cluster itself; this covers a failure before it.
    if (cluster && !cluster.owned)
      await kubectl(cluster, ['delete', 'namespace', ns, '--wait=false']).catch((err: unknown) =>
        log(`namespace cleanup failed: ${String(err)}`),
      );
    await stopCluster(cluster);
  }, 120_000);

  it('joins as system:node:NAME under the Node authorizer, with its IP on lo and its pod range', async () => {
    const c = cluster!;
    const n = await kubectlJson<{
      spec: { podCIDR?: string };
      status: {
        addresses: { type: string; address: string }[];
        nodeInfo: { containerRuntimeVersion: string };
      };
    }>(c, ['get', 'node', node.NODE_NAME!]);
    expect(n.status.addresses).toContainEqual({ type: 'InternalIP', address: node.NODE_IP });
    expect(n.spec.podCIDR).toBe(node.POD_CIDR);
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    // The kubelet's own credentials: what the Node authorizer allows a node, and no more.
    // (`kubectl auth can-i` prints yes/no and exits 1 on no.)
    const asNode = (...args: string[]): string =>
      spawnSync('kubectl', ['--kubeconfig', join(c.dir, 'kubelet.kubeconfig'), ...args], {
        encoding: 'utf8',
      }).stdout.trim();
    expect(asNode('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).toBe(
      `system:node:${node.NODE_NAME}`,
    );
    expect(asNode('auth', 'can-i', 'get', `nodes/${node.NODE_NAME}`)).toBe('yes');
    expect(asNode('auth', 'can-i', 'list', 'secrets', '-A')).toMatch(/^no\b/);
    expect(asNode('auth', 'can-i', 'create', 'deployments.apps', '-n', ns)).toMatch(/^no\b/);
  });

  it('runs a Deployment on the node, then stalls a crash-looping release while the old pods run', async () => {
    const c = cluster!;
    await kubectl(c, ['apply', '-f', '-'], deployment(ns, c.pauseImage));
    await waitFor(
      'the first rollout to complete',
      async () => {
        const v = await verdict(kube, ns);
        if (v.state === 'failed') throw new Error(`healthy release judged failed: ${v.message}`);
        return v.state === 'complete' ? v : undefined;
      },
      {
        timeoutMs: 120_000,
        describe: async () => kubectl(c, ['get', 'deploy,rs,pods', '-n', ns, '-o', 'wide']),
      },
    );
    const first = (
      await kubectlJson<{ items: PodJson[] }>(c, ['get', 'pods', '-n', ns, '-l', 'app=smoke'])
    ).items;
    expect(first).toHaveLength(2);
    for (const p of first) {
      expect(isReady(p)).toBe(true);
      expect(p.spec.nodeName).toBe(node.NODE_NAME);
      expect(p.status.podIP).toMatch(/^198\.18\.0\./); // the CNI bridge's host-local range
    }

    // A release whose process cannot start: runc fails to exec it, the kubelet backs off.
    await kubectl(c, ['apply', '-f', '-'], deployment(ns, c.pauseImage, ['/no-such-program']));
    const failed = await waitFor<RolloutVerdict>(
      'the bad rollout to be judged failed',
      async () => {
        const v = await verdict(kube, ns);
        if (v.state === 'complete') throw new Error(`bad release judged complete: ${v.message}`);
        return v.state === 'failed' ? v : undefined;
      },
      {
        timeoutMs: 120_000,
        describe: async () => kubectl(c, ['get', 'deploy,rs,pods', '-n', ns, '-o', 'wide']),
      },
    );
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed.state === 'failed' && failed.reason).toMatch(
      /CrashLoopBackOff|RunContainerError|CreateContainerError|RestartThresholdExceeded/,
    );
    const pods = (
      await kubectlJson<{ items: PodJson[] }>(c, ['get', 'pods', '-n', ns, '-l', 'app=smoke'])
    ).items;
    const bad = pods.filter((p) => p.spec.containers[0]?.command);
    const good = pods.filter((p) => !p.spec.containers[0]?.command);
    // maxSurge 1 / maxUnavailable 0: one new pod is tried, both old pods keep running.
    expect(bad).toHaveLength(1);
    expect(isReady(bad[0]!)).toBe(false);
    expect(good).toHaveLength(2);
    expect(good.every(isReady)).toBe(true);
  });

  it("judges a release that runs but never becomes ready by its readiness budget, naming the kubelet's probe failure", async () => {
    const c = cluster!;
    // The pause process runs but serves nothing: its readiness probe is refused on every try.
    const never = JSON.parse(deployment(ns, c.pauseImage)) as {
      metadata: { name: string };
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: Record<string, unknown>[] };
        };
      };
    };
    never.metadata.name = 'never-ready';
    never.spec.selector.matchLabels = { app: 'never-ready' };
    never.spec.template.metadata.labels = { app: 'never-ready' };
    never.spec.template.spec.containers[0]!.readinessProbe = {
      httpGet: { path: '/readyz', port: 8080 },
      periodSeconds: 2,
      failureThreshold: 2,
    };
    await kubectl(c, ['apply', '-f', '-'], JSON.stringify(never));
    const failed = await waitFor<RolloutVerdict>(
      'the never-ready release to be judged failed',
      async () => {
        const v = await verdict(kube, ns, 'never-ready');
        if (v.state === 'complete') throw new Error(`never-ready release complete: ${v.message}`);
        return v.state === 'failed' ? v : undefined;
      },
      {
        timeoutMs: 120_000,
        pollMs: 1000,
        describe: async () => kubectl(c, ['get', 'deploy,rs,pods,events', '-n', ns]),
      },
    );
    const judgedAt = Date.now();
    expect(failed).toMatchObject({ state: 'failed', reason: 'ReadinessProbeFailed' });
    expect(failed.message).toMatch(/not ready \d+s after its readiness probing began/);
    expect(failed.message).toContain('Readiness probe failed:');
    expect(failed.message).toContain('connection refused');
    // Its first readiness failure, as the kubelet reported it (the budget's clock).
    const events = await kube.listEvents(ns, 'reason=Unhealthy');
    const first = Math.min(
      ...(events as { firstTimestamp?: string; involvedObject?: { name?: string } }[])
        .filter((e) => e.involvedObject?.name?.startsWith('never-ready-'))
        .map((e) => Date.parse(e.firstTimestamp ?? '')),
    );
    log(
      `never-ready judged ${((judgedAt - first) / 1000).toFixed(1)}s after the first readiness failure (budget 0 + 2 × 2 = 4 s + 5 s margin): ${failed.message}`,
    );
  });

  it('enforces Pod Security restricted: a privileged pod is refused, a restricted one runs', async () => {
    const c = cluster!;
    const restricted = `${ns}-restricted`;
    await createNamespace(c, restricted);
    await kubectl(c, [
      'label',
      'namespace',
      restricted,
      'pod-security.kubernetes.io/enforce=restricted',
    ]);
    const pod = (name: string, securityContext?: object): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: restricted },
        spec: {
          containers: [
            { name: 'app', image: c.pauseImage, ...(securityContext ? { securityContext } : {}) },
          ],
        },
      });
    const refused = await kubectl(c, ['apply', '-f', '-'], pod('loose', { privileged: true })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(KubectlError);
    expect((refused as KubectlError).stderr).toMatch(/violates PodSecurity "restricted:latest"/);
    // seccomp RuntimeDefault, no capabilities, non-root: what deploy/ asks for, on this node.
    await kubectl(c, ['apply', '-f', '-'], pod('restricted', { ...RESTRICTED, runAsUser: 65535 }));
    await kubectl(c, [
      'wait',
      '--for=condition=Ready',
      'pod/restricted',
      '-n',
      restricted,
      '--timeout=90s',
    ]);
    await kubectl(c, ['delete', 'namespace', restricted, '--wait=false']);
  });

  it('down.sh removes everything the node made (node/inventory.sh before and after are equal)', async () => {
    const c = cluster!;
    if (!c.owned) {
      log('teardown not checked: this file reused a running cluster, which it does not stop');
      return;
    }
    await stopCluster(c);
    cluster = undefined;
    expect(inventory()).toBe(before);
  });
});
