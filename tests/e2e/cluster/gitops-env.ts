// The GitOps environment of the e2e flows on the local cluster: a bare repository on the cluster's
// git server holding this project's service source beside deploy/, overlays/ and argocd/ (the
// monorepo layout the pipeline expects), the project's own Argo CD Applications pointed at it
// through argocd-local, a second registered cluster "gke", and small readers of what the cluster
// and the remote hold. Both environments start on release 0, built from the first commit, as a
// project does after its first deployment.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isSyncedTo } from '../../../gitops/rules/argocd-status.js';
import { setImage } from '../../../gitops/rules/kustomization.js';
import { git } from './git.js';
import { CLUSTER_SCRIPTS, REPO_ROOT, kubectl, kubectlJson, waitFor } from './harness.js';
import type { ClusterHandle } from './harness.js';
import { copyImage, makeRelease } from './releases.js';
import type { Release } from './releases.js';

/** One environment: its Application, namespace, overlay and the registry path its overlay pins. */
export interface Target {
  app: string;
  namespace: string;
  overlay: string;
  newName: string;
  /** The HPA's minReplicas in the overlay: the capacity a rollout must never go below. */
  minReplicas: number;
  /** Where the node pulls newName from on the loopback registry (its registry config maps the host). */
  loopbackRepository: string;
}

/** The minikube environment (argocd/application-minikube.yaml, overlays/minikube). */
export const MINIKUBE: Target = {
  app: 'score-api-minikube',
  namespace: 'score-api',
  overlay: 'overlays/minikube',
  newName: 'localhost:5000/score-api',
  minReplicas: 1,
  loopbackRepository: 'score-api',
};

/** The gke environment; namespace score-api-gke because both "clusters" are one API server here (argocd-local). */
export const GKE: Target = {
  app: 'score-api-gke',
  namespace: 'score-api-gke',
  overlay: 'overlays/gke',
  newName: 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api',
  minReplicas: 3,
  loopbackRepository: 'score-api-prod/containers/score-api',
};

/**
 * What the GitOps repository holds: the service's source and what its image build needs
 * (.dockerignore lets only these into the build), the make-base-images script the build stage
 * runs when the local base images are missing (with the container-engine helper it sources), and
 * the deployment manifests.
 */
const SOURCE_PATHS = [
  'package.json',
  'package-lock.json',
  '.dockerignore',
  'service',
  'scripts/make-base-images.sh',
  'scripts/container-engine.sh',
  'deploy',
  'overlays',
  'argocd',
];

/** The Deployment both overlays render (deploy/deployment.yaml). */
export const DEPLOYMENT = 'score-api';
const PLACEHOLDER_REPO_URL = 'http://127.0.0.1:26407/score-api-gitops.git';

/** The GitOps repository the flows push to and Argo CD syncs from. */
export interface GitopsEnv {
  cluster: ClusterHandle;
  /** Bare repository under the git server's root (GitHub's side of the remote). */
  bare: string;
  /** http://127.0.0.1:PORT/NAME.git: what Argo CD, `gitops` and the hand-made commits use. */
  url: string;
  /** A developer's working clone: source commits and the manual revert are made here. */
  work: string;
  tmp: string;
  /** The commit Argo CD first synced: both overlays pin release 0. */
  initialCommit: string;
  /** Every release built (release 0 first), so their local image tags can be removed at the end. */
  releases: Release[];
  log: (line: string) => void;
}

/** The Application as JSON. */
export function getApp(cluster: ClusterHandle, app: string): Promise<Record<string, unknown>> {
  return kubectlJson(cluster, ['get', 'application', app, '-n', 'argocd']);
}

/** Sets Argo CD's refresh annotation so it compares with Git now instead of at its next poll. */
export async function refreshApp(cluster: ClusterHandle, app: string): Promise<void> {
  await kubectl(cluster, [
    'annotate',
    '--overwrite',
    'application',
    app,
    '-n',
    'argocd',
    'argocd.argoproj.io/refresh=normal',
  ]);
}

/** The image of the Deployment's pod template in a namespace. */
export async function deployedImage(cluster: ClusterHandle, namespace: string): Promise<string> {
  const d = await kubectlJson<{
    spec: { template: { spec: { containers: { image: string }[] } } };
  }>(cluster, ['get', 'deployment', DEPLOYMENT, '-n', namespace]);
  return d.spec.template.spec.containers[0]?.image ?? '';
}

/** The images of the pods of the Deployment (any ReplicaSet), with their readiness. */
export async function podImages(
  cluster: ClusterHandle,
  namespace: string,
): Promise<{ image: string; ready: boolean }[]> {
  const pods = await kubectlJson<{
    items: {
      spec: { containers: { image: string }[] };
      status: { conditions?: { type: string; status: string }[] };
    }[];
  }>(cluster, ['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/name=score-api']);
  return pods.items.map((p) => ({
    image: p.spec.containers[0]?.image ?? '',
    ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  }));
}

async function waitForApp(
  cluster: ClusterHandle,
  target: Target,
  revision: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `${target.app} Synced to ${revision.slice(0, 12)} and Healthy`,
    async () => {
      const app = await getApp(cluster, target.app);
      const health = (app.status as { health?: { status?: string } } | undefined)?.health?.status;
      return isSyncedTo(app, revision) && health === 'Healthy' ? true : undefined;
    },
    {
      timeoutMs,
      pollMs: 1000,
      describe: async () =>
        (await kubectl(cluster, ['get', 'application', target.app, '-n', 'argocd', '-o', 'yaml'])) +
        (await kubectl(cluster, ['get', 'all', '-n', target.namespace]).catch(String)),
    },
  );
}

/**
 * Registers the API server as a second Argo CD cluster named `name`, as `argocd cluster add CONTEXT
 * --name NAME` does: a ServiceAccount bound to a cluster-admin role, a long-lived token Secret, and
 * a cluster Secret holding the server URL, the token and the CA.
 */
export async function registerCluster(cluster: ClusterHandle, name: string): Promise<void> {
  const manifest = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'argocd-manager', namespace: 'kube-system' },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'argocd-manager-role' },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'argocd-manager-role-binding' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'argocd-manager-role',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'argocd-manager', namespace: 'kube-system' }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'argocd-manager-long-lived-token',
        namespace: 'kube-system',
        annotations: { 'kubernetes.io/service-account.name': 'argocd-manager' },
      },
    },
  ];
  await kubectl(
    cluster,
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest }),
  );
  // The token controller (kube-controller-manager) fills the Secret in.
  const token = await waitFor(
    'the argocd-manager token',
    async () => {
      const s = await kubectlJson<{ data?: { token?: string } }>(cluster, [
        'get',
        'secret',
        'argocd-manager-long-lived-token',
        '-n',
        'kube-system',
      ]);
      return s.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8') : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const view = await kubectlJson<{
    clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
  }>(cluster, ['config', 'view', '--raw', '--minify', '--flatten']);
  const entry = view.clusters[0]?.cluster;
  if (!entry?.server || !entry['certificate-authority-data'])
    throw new Error(`kubeconfig ${cluster.kubeconfig} has no server or CA to register`);
  await kubectl(
    cluster,
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: `cluster-${name}`,
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
      },
      stringData: {
        name,
        server: entry.server,
        config: JSON.stringify({
          bearerToken: token,
          tlsClientConfig: { insecure: false, caData: entry['certificate-authority-data'] },
        }),
      },
    }),
  );
}

/** Deletes both Applications, if there; their finalizer deletes what they deployed. */
export async function deleteApplications(cluster: ClusterHandle): Promise<void> {
  await kubectl(cluster, [
    'delete',
    'application',
    MINIKUBE.app,
    GKE.app,
    '-n',
    'argocd',
    '--ignore-not-found',
    '--timeout=180s',
  ]);
}

/**
 * Release 0: built from the tip of `work`'s main (a good release commit on top), copied to the gke
 * overlay's registry path, and pinned in both overlays by an operator's commit pushed to origin main,
 * as a project does at its first deployment. Returns it and that commit.
 */
export async function deployReleaseZero(
  work: string,
  log: (line: string) => void,
): Promise<{ release0: Release; initialCommit: string }> {
  const release0 = await makeRelease(work, '0', 'good', log);
  await copyImage(release0, GKE.loopbackRepository);
  for (const target of [MINIKUBE, GKE]) {
    const file = join(work, target.overlay, 'kustomization.yaml');
    const edit = setImage(readFileSync(file, 'utf8'), {
      name: 'score-api',
      newName: target.newName,
      newTag: release0.tag,
      digest: release0.digest,
    });
    writeFileSync(file, edit.text);
  }
  git(work, 'commit', '--quiet', '-am', 'deploy release 0 to minikube and gke');
  git(work, 'push', '--quiet', 'origin', 'main');
  const initialCommit = git(work, 'rev-parse', 'HEAD');
  return { release0, initialCommit };
}

/**
 * Applies the project's Applications through argocd-local pointed at the GitOps repository `url`
 * (a reused cluster's earlier ones deleted first), plays GKE's ingress and certificate controllers,
 * and waits until both environments are Synced and Healthy at `initialCommit` with their
 * minReplicas available.
 */
export async function bootstrapApplications(
  cluster: ClusterHandle,
  url: string,
  initialCommit: string,
): Promise<void> {
  // A cluster reused from an earlier run may still hold these Applications.
  await deleteApplications(cluster);
  await kubectl(cluster, ['apply', '-f', join(CLUSTER_SCRIPTS, 'gke-stand-ins')]);
  await kubectl(cluster, [
    'wait',
    '--for=condition=Established',
    'crd/backendconfigs.cloud.google.com',
    'crd/managedcertificates.networking.gke.io',
    'crd/frontendconfigs.networking.gke.io',
    '--timeout=30s',
  ]);
  await registerCluster(cluster, 'gke');
  const rendered = execFileSync('kubectl', ['kustomize', join(CLUSTER_SCRIPTS, 'argocd-local')], {
    encoding: 'utf8',
  }).replaceAll(PLACEHOLDER_REPO_URL, url);
  await kubectl(cluster, ['apply', '-f', '-'], rendered);
  await Promise.all([refreshApp(cluster, MINIKUBE.app), refreshApp(cluster, GKE.app)]);

  // GKE's ingress controller gives the Ingress a load balancer address, and Argo CD's Ingress health
  // stays Progressing until it has one; here the test plays that controller (and the certificate's).
  await waitFor(
    'the gke Ingress and ManagedCertificate',
    async () => {
      const args = ['get', 'ingress,managedcertificate', '-n', GKE.namespace, '-o', 'name'];
      return (await kubectl(cluster, args)).trim().split('\n').length === 2 ? true : undefined;
    },
    { timeoutMs: 180_000, pollMs: 1000 },
  );
  await kubectl(cluster, [
    'patch',
    'ingress',
    DEPLOYMENT,
    '-n',
    GKE.namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } }),
  ]);
  // Likewise GKE's certificate controller: Argo CD's ManagedCertificate health waits for Active.
  await kubectl(cluster, [
    'patch',
    'managedcertificate',
    DEPLOYMENT,
    '-n',
    GKE.namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { certificateStatus: 'Active' } }),
  ]);
  await Promise.all([
    waitForApp(cluster, MINIKUBE, initialCommit, 180_000),
    waitForApp(cluster, GKE, initialCommit, 180_000),
  ]);
  // The HPA scales gke from the Deployment's default of 1 to its minReplicas; start from steady state.
  await waitFor(
    `${GKE.minReplicas} available replicas in ${GKE.namespace}`,
    async () => {
      const d = await kubectlJson<{ status: { availableReplicas?: number; replicas?: number } }>(
        cluster,
        ['get', 'deployment', DEPLOYMENT, '-n', GKE.namespace],
      );
      return d.status.availableReplicas === GKE.minReplicas && d.status.replicas === GKE.minReplicas
        ? true
        : undefined;
    },
    { timeoutMs: 120_000, pollMs: 1000 },
  );
}

/**
 * Creates the GitOps repository (a copy of this project's deploy/, overlays/ and argocd/ plus a
 * service/ marker standing for the application code) on the cluster's git server, applies the
 * project's Applications through argocd-local pointed at it, and waits until both environments run
 * the overlays' placeholder release.
 */
export async function setupGitopsEnv(
  cluster: ClusterHandle,
  log: (line: string) => void,
): Promise<GitopsEnv> {
  if (!cluster.argocd)
    throw new Error('the GitOps flows need Argo CD (tests/e2e/cluster/build.sh argocd)');
  if (!cluster.node)
    throw new Error('the GitOps flows need the real node (E2E_CLUSTER_NODE=1, as root)');
  const tmp = mkdtempSync(join(tmpdir(), 'gitops-e2e-flows-'));
  const name = `score-api-gitops-${Date.now().toString(36)}`;
  const bare = join(cluster.gitRoot, `${name}.git`);
  const url = `${cluster.gitUrl}/${name}.git`;
  git(tmpdir(), 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  const work = join(tmp, 'work');
  git(tmpdir(), 'init', '--quiet', '--initial-branch=main', work);
  for (const p of SOURCE_PATHS) {
    mkdirSync(dirname(join(work, p)), { recursive: true });
    cpSync(join(REPO_ROOT, p), join(work, p), { recursive: true });
  }
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'score-api: service, deploy/, overlays/, argocd/');
  git(work, 'remote', 'add', 'origin', url);
  git(work, 'push', '--quiet', 'origin', 'main');

  const { release0, initialCommit } = await deployReleaseZero(work, log);
  log(`GitOps remote ${url} at ${initialCommit.slice(0, 12)}: both overlays pin release 0`);
  await bootstrapApplications(cluster, url, initialCommit);
  log('score-api-minikube and score-api-gke Synced/Healthy on release 0');
  return { cluster, bare, url, work, tmp, initialCommit, releases: [release0], log };
}

/** The NodePort of the minikube Service on 127.0.0.1 (kube-proxy's nodePortAddresses). */
export async function nodePortUrl(
  cluster: ClusterHandle,
  target: Target = MINIKUBE,
): Promise<string> {
  const svc = await kubectlJson<{ spec: { ports: { nodePort?: number }[] } }>(cluster, [
    'get',
    'service',
    DEPLOYMENT,
    '-n',
    target.namespace,
  ]);
  const port = svc.spec.ports[0]?.nodePort;
  if (!port) throw new Error(`service ${target.namespace}/${DEPLOYMENT} has no NodePort`);
  return `http://127.0.0.1:${port}/score`;
}

/** Removes the flows' temporary clones (the bare remote goes with the cluster's state dir). */
export function disposeGitopsEnv(env: GitopsEnv | undefined): void {
  if (env) rmSync(env.tmp, { recursive: true, force: true });
}

/** The overlay's kustomization.yaml on the remote's main. */
export function remoteOverlay(env: GitopsEnv, target: Target): string {
  return git(env.bare, 'show', `refs/heads/main:${target.overlay}/kustomization.yaml`);
}

/** The full message of a commit in the remote. */
export function remoteMessage(env: GitopsEnv, commit: string): string {
  return git(env.bare, 'log', '-1', '--format=%B', commit);
}
