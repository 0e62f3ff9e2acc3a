// Real git repositories on disk for the tests, in one place: a git runner (async, and sync for the
// synchronous suites), a bare remote holding an app history with a minimal renderable Kustomize base and an
// overlay (createGitFixture), a remote with a working clone of this repository's real deploy/ base
// (createWorkingClone, for the actions), and working repositories with the real manifests and bare
// clones of them (makeSourceRepo, bareClone, for the pipeline).
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BumpOptions } from '../../gitops/flows/bump.js';

/** The repository these tests belong to. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Identity for fixture commits (never the user's config). */
export const FIXTURE_IDENTITY = [
  '-c',
  'user.name=fixture',
  '-c',
  'user.email=fixture@example.test',
];

// Every fixture commit has this identity, whatever the user's git config says. Read at each call: a
// test may point HOME or GIT_CONFIG_* elsewhere after this module is loaded.
function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: 'fixture',
    GIT_AUTHOR_EMAIL: 'fixture@example.test',
    GIT_COMMITTER_NAME: 'fixture',
    GIT_COMMITTER_EMAIL: 'fixture@example.test',
  };
}

/** Runs git in `cwd` and returns trimmed stdout; rejects with stderr on failure. */
export function git(cwd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: gitEnv(), maxBuffer: 32 * 1024 * 1024 },
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

/** A digest made up for a fixture commit (any sha256 digest does: nothing pulls it). */
export const digestFor = (sha: string): string => `sha256:${sha}${sha.slice(0, 24)}`;

/** Bump options pinning `sha` (and its made-up digest) in the fixture's overlays/minikube, pushed. */
export function fixtureBump(
  repo: string,
  sha: string,
  extra: Partial<BumpOptions> = {},
): BumpOptions {
  return {
    repo,
    overlay: 'overlays/minikube',
    image: {
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: sha,
      digest: digestFor(sha),
    },
    sourceCommit: sha,
    push: true,
    ...extra,
  };
}

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

/** Runs git synchronously in `cwd` and returns trimmed stdout; throws with stderr on failure. */
export function gitSync(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: gitEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

const dirs: string[] = [];
/** A temporary folder removed by cleanupTemp(). */
export function tempDir(prefix = 'gitops-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
/** Removes every folder tempDir made. */
export function cleanupTemp(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A working repository with the project's real deploy/ and overlays/ (plus `extra` paths), one commit. */
export function makeSourceRepo(extra: string[] = []): string {
  const work = tempDir('gitops-src-');
  gitSync(work, 'init', '--quiet', '--initial-branch=main');
  for (const p of ['deploy', 'overlays', ...extra]) {
    cpSync(join(REPO_ROOT, p), join(work, p), {
      recursive: true,
      filter: (src) => !src.includes('node_modules'),
    });
  }
  writeFileSync(join(work, 'app.txt'), 'v0\n');
  writeFileSync(join(work, '.gitignore'), '.cache/\nnode_modules/\n');
  gitSync(work, 'add', '-A');
  gitSync(work, 'commit', '--quiet', '-m', 'initial');
  return work;
}

/** Adds `n` commits changing app.txt (v1, v2, ... after the last one); returns their SHAs oldest first. */
export function addCommits(work: string, n: number): string[] {
  const shas: string[] = [];
  const last = Number(/^v(\d+)/.exec(readFileSync(join(work, 'app.txt'), 'utf8'))?.[1] ?? 0);
  for (let i = last + 1; i <= last + n; i += 1) {
    writeFileSync(join(work, 'app.txt'), `v${i}\n`);
    gitSync(work, 'commit', '--quiet', '-am', `app v${i}`);
    shas.push(gitSync(work, 'rev-parse', 'HEAD'));
  }
  return shas;
}

/** A bare clone of `work` (a GitOps remote). */
export function bareClone(work: string): string {
  const bare = join(tempDir('gitops-remote-'), 'remote.git');
  gitSync(tmpdir(), 'clone', '--quiet', '--bare', work, bare);
  return bare;
}

/** The files of a commit in a repository. */
export function filesAt(repo: string, rev: string): string[] {
  return gitSync(repo, 'ls-tree', '-r', '--name-only', rev).split('\n').filter(Boolean);
}

/** A bare remote and a working clone of it holding this repository's deploy/ and a minikube overlay. */
export interface WorkingClone {
  dir: string;
  remote: string;
  clone: string;
  /** The application commit the overlay pins at the start (its tag). */
  deployedTag: string;
  git(cwd: string, ...args: string[]): string;
  cleanup(): void;
}

/** The minikube overlay pinning `tag` (a commit of the fixture) and a placeholder digest. */
export function overlayKustomization(tag: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# The release pin: bump-overlay edits only the images entry below.
resources:
  - ../../deploy
images:
  - name: score-api
    newName: 127.0.0.1:5000/score-api
    newTag: ${tag}
    digest: sha256:${'1'.repeat(64)}
`;
}

/** Creates the remote and a clone with the app commit and the overlay pinning it, pushed. */
export function createWorkingClone(): WorkingClone {
  const dir = mkdtempSync(join(tmpdir(), 'gitops-working-'));
  const remote = join(dir, 'remote.git');
  const clone = join(dir, 'clone');
  gitSync(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  gitSync(dir, 'clone', '--quiet', remote, clone);
  cpSync(join(REPO_ROOT, 'deploy'), join(clone, 'deploy'), { recursive: true });
  gitSync(clone, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  // The app and its deployment live in one repository: the pinned tag is a commit of its history.
  writeFileSync(join(clone, 'app.txt'), 'version 1\n');
  gitSync(clone, 'add', '-A');
  gitSync(clone, 'commit', '--quiet', '-m', 'app: version 1');
  const deployedTag = gitSync(clone, 'rev-parse', 'HEAD');
  mkdirSync(join(clone, 'overlays', 'minikube'), { recursive: true });
  writeFileSync(
    join(clone, 'overlays', 'minikube', 'kustomization.yaml'),
    overlayKustomization(deployedTag),
  );
  gitSync(clone, 'add', '-A');
  gitSync(clone, 'commit', '--quiet', '-m', 'pin version 1 in minikube');
  gitSync(clone, 'push', '--quiet', 'origin', 'main');
  return {
    dir,
    remote,
    clone,
    deployedTag,
    git: gitSync,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes `overlays/<name>/kustomization.yaml` in the working clone, commits it and pushes main. */
export function addOverlay(
  fx: WorkingClone,
  name: string,
  text: string,
  message = `add ${name} overlay`,
): string {
  mkdirSync(join(fx.clone, 'overlays', name), { recursive: true });
  writeFileSync(join(fx.clone, 'overlays', name, 'kustomization.yaml'), text);
  gitSync(fx.clone, 'add', '-A');
  gitSync(fx.clone, 'commit', '--quiet', '-m', message);
  gitSync(fx.clone, 'push', '--quiet', 'origin', 'main');
  return gitSync(fx.clone, 'rev-parse', 'HEAD');
}

/** Commits an application change on main of the working clone, pushes it, and returns its SHA. */
export function appCommit(fx: WorkingClone, version: string): string {
  writeFileSync(join(fx.clone, 'app.txt'), `version ${version}\n`);
  gitSync(fx.clone, 'commit', '--quiet', '-am', `app: version ${version}`);
  gitSync(fx.clone, 'push', '--quiet', 'origin', 'main');
  return gitSync(fx.clone, 'rev-parse', 'HEAD');
}
