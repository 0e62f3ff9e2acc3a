// A real bare git remote with a working clone holding the repository's deploy/ base and a minikube
// overlay, for actions that commit and push.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './run-action.js';

/** A bare remote, a clone of it, and a git helper bound to a directory. */
export interface GitFixture {
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

/** Creates the remote and a clone with one initial commit on main, pushed. */
export function createGitFixture(): GitFixture {
  const dir = mkdtempSync(join(tmpdir(), 'actions-git-'));
  const remote = join(dir, 'remote.git');
  const clone = join(dir, 'clone');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'fixture',
        GIT_AUTHOR_EMAIL: 'fixture@example.com',
        GIT_COMMITTER_NAME: 'fixture',
        GIT_COMMITTER_EMAIL: 'fixture@example.com',
      },
    }).trim();
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(dir, 'clone', '--quiet', remote, clone);
  cpSync(join(repoRoot, 'deploy'), join(clone, 'deploy'), { recursive: true });
  git(clone, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  // The app and its deployment live in one repository: the pinned tag is a commit of its history.
  writeFileSync(join(clone, 'app.txt'), 'version 1\n');
  git(clone, 'add', '-A');
  git(clone, 'commit', '--quiet', '-m', 'app: version 1');
  const deployedTag = git(clone, 'rev-parse', 'HEAD');
  mkdirSync(join(clone, 'overlays', 'minikube'), { recursive: true });
  writeFileSync(
    join(clone, 'overlays', 'minikube', 'kustomization.yaml'),
    overlayKustomization(deployedTag),
  );
  git(clone, 'add', '-A');
  git(clone, 'commit', '--quiet', '-m', 'pin version 1 in minikube');
  git(clone, 'push', '--quiet', 'origin', 'main');
  return {
    dir,
    remote,
    clone,
    deployedTag,
    git,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes `overlays/<name>/kustomization.yaml`, commits it and pushes main. */
export function addOverlay(
  fx: GitFixture,
  name: string,
  text: string,
  message = `add ${name} overlay`,
): string {
  mkdirSync(join(fx.clone, 'overlays', name), { recursive: true });
  writeFileSync(join(fx.clone, 'overlays', name, 'kustomization.yaml'), text);
  fx.git(fx.clone, 'add', '-A');
  fx.git(fx.clone, 'commit', '--quiet', '-m', message);
  fx.git(fx.clone, 'push', '--quiet', 'origin', 'main');
  return fx.git(fx.clone, 'rev-parse', 'HEAD');
}

/** Commits an application change on main, pushes it, and returns its SHA (the next source commit). */
export function appCommit(fx: GitFixture, version: string): string {
  writeFileSync(join(fx.clone, 'app.txt'), `version ${version}\n`);
  fx.git(fx.clone, 'commit', '--quiet', '-am', `app: version ${version}`);
  fx.git(fx.clone, 'push', '--quiet', 'origin', 'main');
  return fx.git(fx.clone, 'rev-parse', 'HEAD');
}
