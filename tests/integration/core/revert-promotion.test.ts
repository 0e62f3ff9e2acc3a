// revertDeployment on a promotion as GitHub lands it on main (merge commit, squash merge, rebase merge), against a
// real bare remote. The promotion itself is made by promote() and its PR body comes from the fake GitHub API.
import { jest } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { describeError } from '../../../gitops/errors.js';
import { promote } from '../../../gitops/flows/promote.js';
import {
  NotADeploymentError,
  findRevertOf,
  revertDeployment,
} from '../../../gitops/flows/revert.js';
import { Git } from '../../../gitops/adapters/git.js';
import { parseTrailers } from '../../../gitops/rules/trailers.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import {
  FIXTURE_IDENTITY,
  commitMessages,
  createGitFixture,
  git,
  showFile,
} from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

jest.setTimeout(120_000);

const GKE_FILE = 'overlays/gke/kustomization.yaml';
const GKE = `# gke overlay: Artifact Registry, promoted through pull requests.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: score-api
resources:
  - ../../deploy
images:
  - name: score-api
    newName: europe-west1-docker.pkg.dev/score-api-prod/containers/score-api # Artifact Registry
    newTag: "0000000000000000000000000000000000000000"
    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
`;
const DIGEST = `sha256:${'c'.repeat(64)}`;

let fx: GitFixture;
let gh: FakeGithubApi;
/** A clone standing in for GitHub's merge button: it lands the PR on main and pushes. */
let github: string;
let source: string;

beforeEach(async () => {
  fx = await createGitFixture({ appCommits: 3 });
  github = await fx.clone('github');
  await fx.commitAndPush(github, { [GKE_FILE]: GKE }, 'add gke overlay');
  source = fx.commits[2] as string;
  const bump = await bumpOverlay({
    repo: fx.remote,
    overlay: 'overlays/minikube',
    image: {
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: source,
      digest: DIGEST,
    },
    sourceCommit: source,
    push: true,
  });
  expect(bump.status).toBe('committed');
  gh = await startFakeGithubApi({ gitRemote: fx.remote });
  const res = await promote({
    repo: fx.remote,
    from: 'overlays/minikube',
    to: 'overlays/gke',
    push: true,
    openPr: true,
    github: { token: gh.token, owner: gh.owner, repo: gh.repo, apiUrl: gh.url },
  });
  expect(res.pushed).toBe(true);
  await git(github, ['pull', '--quiet', '--rebase', 'origin', 'main']);
  await git(github, ['fetch', '--quiet', 'origin', 'promote/gke']);
});
afterEach(async () => {
  await gh.close();
  await fx.cleanup();
});

/** Commits what is staged in the GitHub stand-in with `message` and returns the new commit. */
async function commit(message: string): Promise<string> {
  await git(github, [...FIXTURE_IDENTITY, 'commit', '--quiet', '-F', '-'], message);
  return git(github, ['rev-parse', 'HEAD']);
}

/** The PR's title and body, as GitHub would compose a squash commit message from them. */
function pullRequest(): { title: string; body: string } {
  const pr = gh.pulls[0];
  if (!pr) throw new Error('the promotion opened no pull request');
  return { title: pr.title, body: pr.body };
}

// The shapes GitHub can land PR #1 in; each returns the commit on main that deployed the promotion.
const SHAPES: Record<string, () => Promise<string>> = {
  'a merge commit': async () => {
    const { title } = pullRequest();
    await git(github, [
      ...FIXTURE_IDENTITY,
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      `Merge pull request #1 from ${gh.owner}/promote/gke`,
      '-m',
      title,
      'FETCH_HEAD',
    ]);
    return git(github, ['rev-parse', 'HEAD']);
  },
  'a squash merge with the PR title and description (Co-authored-by appended)': async () => {
    const { title, body } = pullRequest();
    await git(github, ['merge', '--quiet', '--squash', 'FETCH_HEAD']);
    // GitHub stores descriptions edited in the browser with CRLF and may add its own trailer paragraph.
    const crlf = body.replace(/\n/g, '\r\n');
    return commit(`${title} (#1)\n\n${crlf}\n\nCo-authored-by: reviewer <reviewer@example.test>\n`);
  },
  'a squash merge with the default message (the commit message)': async () => {
    const message = await git(github, ['log', '-1', '--format=%B', 'FETCH_HEAD']);
    const [subject, ...rest] = message.split('\n');
    await git(github, ['merge', '--quiet', '--squash', 'FETCH_HEAD']);
    return commit(`${subject} (#1)\n${rest.join('\n')}\n`);
  },
  'a rebase merge': async () => {
    await git(github, [...FIXTURE_IDENTITY, 'cherry-pick', 'FETCH_HEAD']);
    return git(github, ['rev-parse', 'HEAD']);
  },
};

async function land(shape: string): Promise<{ merged: string; before: string }> {
  const before = await showFile(fx.remote, 'main', GKE_FILE);
  const merged = await (SHAPES[shape] as () => Promise<string>)();
  await git(github, ['push', '--quiet', 'origin', 'HEAD:main']);
  expect(await showFile(fx.remote, 'main', GKE_FILE)).toContain(DIGEST);
  return { merged, before };
}

async function revertsOf(sha: string): Promise<string[]> {
  return (await commitMessages(fx.remote)).filter((m) => {
    const t = parseTrailers(m);
    return t['Gitops-Action'] === 'revert' && t.Reverts === sha;
  });
}

describe('revertDeployment on a promotion landed by GitHub', () => {
  it.each(Object.keys(SHAPES))('reverts %s once, with trailers naming it', async (shape) => {
    const { merged, before } = await land(shape);
    const isMerge = shape === 'a merge commit';
    const first = await revertDeployment({
      repo: await fx.clone(),
      commit: merged,
      reason: 'rollout failed: ImagePullBackOff',
      push: true,
    });
    expect(first).toMatchObject({
      status: 'reverted',
      environment: 'gke',
      revertedSourceCommit: source,
      revertedAction: 'promote',
      pushed: true,
    });
    expect(first.merge === true).toBe(isMerge);
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(first.commit);
    // gke pins exactly what it pinned before the promotion, byte for byte.
    expect(await showFile(fx.remote, 'main', GKE_FILE)).toBe(before);
    expect(await git(fx.remote, ['diff', '--name-only', `${merged}^`, 'main'])).toBe('');

    const [message = ''] = await commitMessages(fx.remote, 'main', ['-n', '1']);
    expect(message.split('\n')[0]).toBe(
      `rollback(gke): score-api ${source.slice(0, 7)}: rollout failed: ImagePullBackOff`,
    );
    const trailers = parseTrailers(message);
    expect(trailers).toMatchObject({
      Reverts: merged,
      'Rolled-Back-Source': source,
      Environment: 'gke',
      Overlay: 'overlays/gke',
      'Reverted-Action': 'promote',
      'Rolled-Back-Digest': DIGEST,
      'Gitops-Action': 'revert',
    });
    if (isMerge) {
      const [mainline, promotion] = (
        await git(fx.remote, ['rev-parse', `${merged}^1`, `${merged}^2`])
      ).split('\n');
      expect(trailers['Reverted-Promotion']).toBe(promotion);
      expect(message).toContain(
        `This reverts commit ${merged}, reversing\nchanges made to ${mainline}.`,
      );
    } else {
      expect(trailers['Reverted-Promotion']).toBeUndefined();
      expect(message).toContain(`This reverts commit ${merged}.`);
    }

    // A retry (another clone, or the bare remote itself) finds the revert and adds none.
    const again = await revertDeployment({
      repo: fx.remote,
      commit: merged,
      reason: 'again',
      push: true,
    });
    expect(again).toMatchObject({
      status: 'already-reverted',
      commit: first.commit,
      pushed: false,
      revertedAction: 'promote',
    });
    expect(await revertsOf(merged)).toHaveLength(1);
  });

  it('two clones racing to revert the same merge commit produce exactly one revert', async () => {
    const { merged } = await land('a merge commit');
    const [a, b] = await Promise.all([fx.clone('a'), fx.clone('b')]);
    const results = await Promise.all(
      [a, b].map((repo) =>
        revertDeployment({ repo, commit: merged, reason: `verify failed (${repo})`, push: true }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['already-reverted', 'reverted']);
    expect(results[0]?.commit).toBe(results[1]?.commit);
    expect(await revertsOf(merged)).toHaveLength(1);
  });

  it('recognises a revert of the merge made by hand (git revert -m 1 / GitHub Revert button)', async () => {
    const { merged, before } = await land('a merge commit');
    await git(github, [...FIXTURE_IDENTITY, 'revert', '--no-edit', '-m', '1', merged]);
    const manual = await git(github, ['rev-parse', 'HEAD']);
    expect(await git(github, ['log', '-1', '--format=%s'])).toMatch(
      /^Revert "Merge pull request #1/,
    );
    // Someone pushes on top, so the tip is not the revert itself.
    await fx.commitAndPush(github, { 'service/version.txt': 'later\n' }, 'app change later');
    expect(await findRevertOf(new Git(github), merged)).toBe(manual);
    const res = await revertDeployment({
      repo: fx.remote,
      commit: merged,
      reason: 'failed',
      push: true,
    });
    expect(res).toMatchObject({ status: 'already-reverted', commit: manual });
    expect(await showFile(fx.remote, 'main', GKE_FILE)).toBe(before);
    expect(await revertsOf(merged)).toHaveLength(0);
  });
});

describe('revertDeployment refuses what is not a gitops deployment', () => {
  async function refusal(sha: string): Promise<NotADeploymentError> {
    const head = await git(fx.remote, ['rev-parse', 'main']);
    const err = await revertDeployment({
      repo: fx.remote,
      commit: sha,
      reason: 'x',
      push: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotADeploymentError);
    expect((err as Error).message).toContain(sha);
    // The hint says what would have been accepted.
    expect(describeError(err)).toMatch(/bump.*promotion.*merge commit of a promotion PR/);
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(head);
    return err as NotADeploymentError;
  }

  it('a merge commit of a branch that is not a promotion', async () => {
    await git(github, ['checkout', '--quiet', '-b', 'feature', 'HEAD~1']);
    await writeFile(join(github, 'service/feature.txt'), 'feature\n');
    await git(github, ['add', 'service/feature.txt']);
    await commit('feature work\n');
    await git(github, ['checkout', '--quiet', 'main']);
    await git(github, [
      ...FIXTURE_IDENTITY,
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      'Merge feature',
      'feature',
    ]);
    await git(github, ['push', '--quiet', 'origin', 'HEAD:main']);
    const err = await refusal(await git(github, ['rev-parse', 'HEAD']));
    expect(err.message).toMatch(
      /second parent [0-9a-f]{12} is not a gitops promotion \(Gitops-Action: none/,
    );
  });

  it('a squash merge whose description lost the trailers', async () => {
    const { title } = pullRequest();
    await git(github, ['merge', '--quiet', '--squash', 'FETCH_HEAD']);
    const sha = await commit(`${title} (#1)\n\nPromotes the image to gke.\n`);
    await git(github, ['push', '--quiet', 'origin', 'HEAD:main']);
    const err = await refusal(sha);
    expect(err.message).toMatch(/is not a gitops bump or promotion \(Gitops-Action: none/);
  });

  it('a squash merge of a promotion PR that also changed other files', async () => {
    const { title, body } = pullRequest();
    await git(github, ['merge', '--quiet', '--squash', 'FETCH_HEAD']);
    await git(github, ['rm', '--quiet', 'service/version.txt']);
    const sha = await commit(`${title} (#1)\n\n${body}`);
    await git(github, ['push', '--quiet', 'origin', 'HEAD:main']);
    const err = await refusal(sha);
    expect(err.message).toMatch(/changes files outside overlays\/gke \(service\/version.txt\)/);
  });

  it('an app commit', async () => {
    const err = await refusal(fx.commits[1] as string);
    expect(err.message).toMatch(/expected bump or promote/);
  });
});

describe('the promotion PR description', () => {
  it('ends with the promotion trailers, so a squash commit made from it carries them', async () => {
    const { body } = pullRequest();
    const promotion = await git(github, ['log', '-1', '--format=%B', 'FETCH_HEAD']);
    expect(parseTrailers(`title\n\n${body}`)).toEqual(parseTrailers(promotion));
    expect(parseTrailers(promotion)['Gitops-Action']).toBe('promote');
    expect(await readFile(join(github, GKE_FILE), 'utf8')).toBe(GKE);
  });
});
