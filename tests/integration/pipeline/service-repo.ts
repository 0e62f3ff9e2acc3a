/** A temporary source repository holding what the service image builds from, plus the real manifests. */
import { readImage } from '../../../gitops/rules/kustomization.js';
import { gitSync as git, makeSourceRepo } from '../../helpers/git-fixture.js';

/** The service sources, manifests, lockfile and .dockerignore in a fresh one-commit repository. */
export function serviceRepo(): string {
  return makeSourceRepo([
    'package.json',
    'package-lock.json',
    '.dockerignore',
    'service',
    'scripts/make-base-images.sh',
    'scripts/container-engine.sh',
  ]);
}

/** The newTag (source SHA) the minikube overlay pins on main of `remote`. */
export function deployedSha(remote: string): string | undefined {
  return readImage(git(remote, 'show', 'main:overlays/minikube/kustomization.yaml'), 'score-api')
    ?.newTag;
}
