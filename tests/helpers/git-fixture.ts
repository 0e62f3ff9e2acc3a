// Builds a real bare git remote holding an app history, a minimal renderable Kustomize base (deploy/)
// and an overlay (overlays/minikube), plus helpers to clone it. Used by the core, delivery and pipeline tests.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Identity for fixture commits (never the user's config). */
export const FIXTURE_IDENTITY = [
  '-c',
  'user.name=fixture',
  '-c',
  'user.email=fixture@example.test',
];

/** Runs git in `cwd` and returns trimmed stdout; rejects with stderr on failure. */
export function git(cwd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
        maxBuffer: 32 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr || err.message}`));
        else resolve(stdout.trim());
      },
    );
    // git may exit before reading stdin (EPIPE); its exit status is what counts.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** The base Deployment: its container image `score-api` is what overlays pin. */
export const BASE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: score-api
  labels:
    app: score-api
spec:
  replicas: 1
  selector:
    matchLabels:
      app: score-api
  template:
    metadata:
      labels:
        app: score-api
    spec:
      containers:
        - name: score-api
          image: score-api
          ports:
            - containerPort: 8080
`;

/** The overlay's kustomization as a user would write it: comments, a commonLabels block after images. */
export const OVERLAY_KUSTOMIZATION = `# minikube overlay: the bump commits edit only the images entry below.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: score-api   # deployed by Argo CD
resources:
  - ../../deploy
images:
  - name: score-api
    newName: 127.0.0.1:5000/score-api # local registry
    newTag: bootstrap
labels:
  - pairs:
      environment: minikube
`;

/** A bare remote plus the SHAs of its linear app history (oldest first). */
export interface GitFixture {
  /** Temp directory holding everything (removed by cleanup). */
  root: string;
  /** Path of the bare repository (a real remote). */
  remote: string;
  /** App commits, oldest first; each is in the remote's main history. */
  commits: string[];
  /** The SHA main pointed to when the fixture was made. */
  head: string;
  /** Clones the remote into a new directory under root and returns its path. */
  clone(name?: string): Promise<string>;
  /** Makes a commit in a clone with `files` written and pushes it (a "someone else" commit). */
  commitAndPush(clonePath: string, files: Record<string, string>, message: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** Options for createGitFixture. */
export interface GitFixtureOptions {
  /** Number of app commits after the initial one (default 8). */
  appCommits?: number;
  /** Overlay kustomization text (default OVERLAY_KUSTOMIZATION). */
  overlay?: string;
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** Creates a bare remote with an initial deploy layout and `appCommits` app commits on main. */
export async function createGitFixture(opts: GitFixtureOptions = {}): Promise<GitFixture> {
  const root = await mkdtemp(join(tmpdir(), 'gitops-fixture-'));
  const remote = join(root, 'remote.git');
  const seed = join(root, 'seed');
  await git(root, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  await git(root, ['clone', '--quiet', remote, seed]);
  await git(seed, ['checkout', '--quiet', '-B', 'main']);
  await writeFiles(seed, {
    'deploy/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n',
    'deploy/deployment.yaml': BASE_DEPLOYMENT,
    'overlays/minikube/kustomization.yaml': opts.overlay ?? OVERLAY_KUSTOMIZATION,
    'service/version.txt': '0\n',
  });
  await git(seed, ['add', '-A']);
  await git(seed, [...FIXTURE_IDENTITY, 'commit', '--quiet', '-m', 'initial layout']);
  const commits = [await git(seed, ['rev-parse', 'HEAD'])];
  for (let i = 1; i <= (opts.appCommits ?? 8); i += 1) {
    await writeFile(join(seed, 'service/version.txt'), `${i}\n`);
    await git(seed, [...FIXTURE_IDENTITY, 'commit', '--quiet', '-am', `app change ${i}`]);
    commits.push(await git(seed, ['rev-parse', 'HEAD']));
  }
  await git(seed, ['push', '--quiet', 'origin', 'main']);
  let clones = 0;
  const fixture: GitFixture = {
    root,
    remote,
    commits,
    head: commits[commits.length - 1] as string,
    async clone(name) {
      clones += 1;
      const dir = join(root, name ?? `clone-${clones}`);
      await git(root, ['clone', '--quiet', remote, dir]);
      return dir;
    },
    async commitAndPush(clonePath, files, message) {
      await git(clonePath, ['pull', '--quiet', '--rebase', 'origin', 'main']);
      await writeFiles(clonePath, files);
      await git(clonePath, ['add', '-A']);
      await git(clonePath, [...FIXTURE_IDENTITY, 'commit', '--quiet', '-m', message]);
      await git(clonePath, ['push', '--quiet', 'origin', 'HEAD:main']);
      return git(clonePath, ['rev-parse', 'HEAD']);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  return fixture;
}

/** The text of `path` at `rev` in a repository (bare or not). */
export function showFile(repo: string, rev: string, path: string): Promise<string> {
  return git(repo, ['show', `${rev}:${path}`]);
}

/** Full messages of the commits on `rev` (newest first). */
export async function commitMessages(
  repo: string,
  rev = 'main',
  extra: string[] = [],
): Promise<string[]> {
  const out = await git(repo, ['log', '--format=%B%x1e', rev, ...extra]);
  return out
    .split('\x1e')
    .map((m) => m.trim())
    .filter(Boolean);
}
