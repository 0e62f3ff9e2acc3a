// What the pipeline leaves on GitHub before a promotion, written through the fake GitHub API
// (tests/fakes/fake-github-api.ts) over real HTTP: the verification status verify's outcome sets on a
// deployed revision (gitops/verify/<env>), which a promotion reads back.
import type { GithubTarget } from '../../gitops/adapters/github.js';
import { setCommitStatus } from '../../gitops/adapters/github-deployments.js';
import type { CommitState } from '../../gitops/adapters/github-deployments.js';
import { verifyContext } from '../../gitops/rules/deploy-record.js';
import type { FakeGithubApi } from '../fakes/fake-github-api.js';

/** The fake's repository as the library addresses it. */
export function fakeTarget(gh: FakeGithubApi): GithubTarget {
  return { token: gh.token, owner: gh.owner, repo: gh.repo, apiUrl: gh.url };
}

/** Sets verify's verdict on `revision` in `environment` (default minikube, healthy), as the record step does. */
export async function recordVerification(
  gh: FakeGithubApi,
  revision: string,
  opts: { environment?: string; state?: CommitState } = {},
): Promise<void> {
  const environment = opts.environment ?? 'minikube';
  await setCommitStatus(fakeTarget(gh), revision, {
    state: opts.state ?? 'success',
    context: verifyContext(environment),
    description: `verified ${opts.state ?? 'success'} on ${environment}`,
    targetUrl: 'https://github.com/acme/score-api-gitops/actions/runs/1',
  });
}
