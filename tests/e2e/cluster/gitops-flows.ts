// The deploy, rollback and promotion flows of the pipeline on the local e2e cluster, shared by the
// e2e tests (which assert on what they return) and `npm run bench -- cluster` (which prints their
// timings). Each flow does what the GitHub workflows do, through the project's own `gitops` CLI:
// `gitops bump` (bump-overlay), `gitops verify --rollback` (verify-rollout), `gitops promote`
// (promote); Argo CD syncs the project's own argocd/ Applications from the GitOps remote of
// gitops-env.ts, served over HTTP on loopback.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyResult } from '../../../gitops/flows/verify.js';
import type { FakeGithubApi } from '../../fakes/fake-github-api.js';
import { gitopsJson } from './gitops-cli.js';
import { DEPLOYMENT, GKE, MINIKUBE, git } from './gitops-env.js';
import type { GitopsEnv, Target } from './gitops-env.js';

const VERIFY_TIMEOUT_S = Number(process.env.E2E_VERIFY_TIMEOUT_S ?? 180);

/** A build of the service: its source commit on main, and the image tag and digest the pipeline pins. */
export interface Release {
  label: string;
  sourceCommit: string;
  tag: string;
  digest: string;
}

/** The headline figures of one flow, in milliseconds. */
export interface FlowTimings {
  /** The commit (bump, revert or merge) reached the remote -> Argo CD synced it. */
  pushToSyncedMs?: number;
  /** Synced -> Argo CD Healthy (settled) and the Deployment complete. */
  syncedToReadyMs?: number;
  /** Synced -> verify judged the release failed. */
  syncedToFailedMs?: number;
  /** Failure judged -> the revert commit pushed to the remote. */
  failureToRevertedMs?: number;
  /** Revert pushed -> Argo CD synced it and the Deployment is complete again. */
  revertedToRecoveredMs?: number;
}

/** The JSON `gitops verify --json` prints. */
export type VerifyJson = VerifyResult & { app: string; revision: string };

/** What `gitops bump --json` prints (the fields the flows read). */
export interface BumpJson {
  status: 'committed' | 'unchanged' | 'stale';
  commit: string;
  pushed: boolean;
  ref: string;
}

/** What `gitops promote --json` prints (the fields the flows read). */
export interface PromoteJson {
  changed: boolean;
  branch: string;
  commit?: string;
  pushed: boolean;
  digest: string;
  sourceCommit?: string;
  pullRequest?: { number: number; url: string; created: boolean };
}

/** The image reference Kustomize renders for a release in an environment (name:tag@digest). */
export function imageRef(target: Target, release: Release): string {
  return `${target.newName}:${release.tag}@${release.digest}`;
}

/** Prints one flow's timings as `name: push→synced 2.1s, synced→ready 12.3s, ...`. */
export function formatTimings(name: string, t: FlowTimings): string {
  const parts: [string, number | undefined][] = [
    ['push→synced', t.pushToSyncedMs],
    ['synced→ready', t.syncedToReadyMs],
    ['synced→failed', t.syncedToFailedMs],
    ['failure→reverted', t.failureToRevertedMs],
    ['reverted→recovered', t.revertedToRecoveredMs],
  ];
  return `${name}: ${parts
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${((v ?? 0) / 1000).toFixed(1)}s`)
    .join(', ')}`;
}

/** Timeline offset (ms from the start of verify) of the first event starting with `prefix`. */
function eventAt(v: VerifyJson, prefix: string): number | undefined {
  return v.timeline.find((e) => e.event.startsWith(prefix))?.atMs;
}

/**
 * The flow's headline figures from verify's own timeline: `pushedAt` is when the commit reached the
 * remote, `verifyStartedAt` when verify started (its timeline offsets count from there).
 */
export function flowTimings(pushedAt: number, verifyStartedAt: number, v: VerifyJson): FlowTimings {
  const t: FlowTimings = {};
  const lead = verifyStartedAt - pushedAt;
  const synced = v.timings.toSyncedMs;
  if (synced !== undefined) t.pushToSyncedMs = lead + synced;
  if (synced !== undefined && v.timings.toReadyMs !== undefined)
    t.syncedToReadyMs = v.timings.toReadyMs - synced;
  const failed = eventAt(v, 'verification failed');
  const reverted = eventAt(v, 'pushed revert commit') ?? eventAt(v, 'already reverted');
  if (failed !== undefined && synced !== undefined) t.syncedToFailedMs = failed - synced;
  if (failed !== undefined && reverted !== undefined) t.failureToRevertedMs = reverted - failed;
  if (reverted !== undefined && v.timings.toRecoveredMs !== undefined)
    t.revertedToRecoveredMs = v.timings.toRecoveredMs - reverted;
  return t;
}

/**
 * Commits a new version of the "service" on main, as a developer's merge would, and returns the
 * release the pipeline builds from it: tag = the commit SHA, digest = a made-up sha256 (kwok runs no
 * container, so no image is built or pulled). `corrupt` marks the release the way the deliberately
 * bad build (CORRUPT_MODEL=true) is marked for kwok: its pods crash-loop (kwok/pod-stages.yaml).
 */
export function commitRelease(
  env: GitopsEnv,
  label: string,
  opts: { corrupt?: boolean } = {},
): Release {
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  writeFileSync(join(env.work, 'service', 'RELEASE'), `${label}\n`);
  git(env.work, 'commit', '--quiet', '-am', `service: release ${label}`);
  git(env.work, 'push', '--quiet', 'origin', 'main');
  const sourceCommit = git(env.work, 'rev-parse', 'HEAD');
  const digest = `sha256:${createHash('sha256').update(`score-api ${label} ${sourceCommit}`).digest('hex')}`;
  return {
    label,
    sourceCommit,
    tag: opts.corrupt ? `${sourceCommit}-corrupt-model` : sourceCommit,
    digest,
  };
}

/** `gitops bump --push` of a release into an overlay; returns its JSON and when the push had landed. */
export async function bump(
  env: GitopsEnv,
  release: Release,
  target: Target = MINIKUBE,
): Promise<{ json: BumpJson; pushedAt: number }> {
  const { json } = await gitopsJson<BumpJson>([
    'bump',
    '--repo',
    env.url,
    '--overlay',
    target.overlay,
    '--image',
    'score-api',
    '--new-name',
    target.newName,
    '--tag',
    release.tag,
    '--digest',
    release.digest,
    '--source-commit',
    release.sourceCommit,
    '--push',
  ]);
  return { json, pushedAt: Date.now() };
}

/**
 * `gitops verify` of a revision, with `--rollback` (the verify-rollout action's default) unless
 * `rollback` is false; exit code 1 (failed or rolled back) is a result here, not an error.
 */
export async function verify(
  env: GitopsEnv,
  target: Target,
  revision: string,
  opts: { rollback?: boolean; rollbackCommit?: string } = {},
): Promise<{ json: VerifyJson; startedAt: number }> {
  const startedAt = Date.now();
  const rollback =
    opts.rollback === false
      ? []
      : [
          '--rollback',
          '--repo',
          env.url,
          ...(opts.rollbackCommit ? ['--rollback-commit', opts.rollbackCommit] : []),
        ];
  const { json } = await gitopsJson<VerifyJson>(
    [
      'verify',
      '--app',
      target.app,
      '--revision',
      revision,
      '--deployment',
      DEPLOYMENT,
      '--namespace',
      target.namespace,
      '--kubeconfig',
      env.cluster.kubeconfig,
      '--timeout',
      String(VERIFY_TIMEOUT_S),
      '--poll',
      '1',
      ...rollback,
    ],
    { expectCodes: [0, 1] },
  );
  return { json, startedAt };
}

/** Result of a deploy flow: the bump, verify's verdict and the headline timings. */
export interface DeployOutcome {
  bump: BumpJson;
  verify: VerifyJson;
  timings: FlowTimings;
}

/** Deploy flow (deploy.yml's bump + verify jobs): bump the minikube overlay, verify with rollback. */
export async function deployRelease(env: GitopsEnv, release: Release): Promise<DeployOutcome> {
  const b = await bump(env, release, MINIKUBE);
  const v = await verify(env, MINIKUBE, b.json.commit);
  return { bump: b.json, verify: v.json, timings: flowTimings(b.pushedAt, v.startedAt, v.json) };
}

/** Manual rollback: a plain `git revert` of a bump commit in a developer clone, pushed by hand, then verified. */
export async function manualRevert(
  env: GitopsEnv,
  bumpCommit: string,
): Promise<{ revertCommit: string; verify: VerifyJson; timings: FlowTimings }> {
  git(env.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  git(env.work, 'revert', '--no-edit', bumpCommit);
  git(env.work, 'push', '--quiet', 'origin', 'main');
  const pushedAt = Date.now();
  const revertCommit = git(env.work, 'rev-parse', 'HEAD');
  // A revert is itself the rollback: verified, never reverted again (as the workflows do).
  const v = await verify(env, MINIKUBE, revertCommit, { rollback: false });
  return { revertCommit, verify: v.json, timings: flowTimings(pushedAt, v.startedAt, v.json) };
}

/**
 * Merges a pull request the way GitHub's "Create a merge commit" does: on the server, without a
 * working tree (merge-ort through `git merge-tree --write-tree`), then moves main with a
 * compare-and-swap. Returns the merge commit.
 */
export function mergePullRequest(
  env: GitopsEnv,
  head: string,
  number: number,
  title: string,
): string {
  const base = git(env.bare, 'rev-parse', 'refs/heads/main');
  const tree = git(env.bare, 'merge-tree', '--write-tree', 'refs/heads/main', `refs/heads/${head}`);
  const merge = git(
    env.bare,
    '-c',
    'user.name=GitHub',
    '-c',
    'user.email=noreply@github.com',
    'commit-tree',
    tree,
    '-p',
    base,
    '-p',
    `refs/heads/${head}`,
    '-m',
    `Merge pull request #${number} from ${head}\n\n${title}`,
  );
  git(env.bare, 'update-ref', 'refs/heads/main', merge, base);
  return merge;
}

/** Result of the promotion flow: the PR, the merge commit, gke's verdict and the timings. */
export interface PromotionOutcome {
  promote: PromoteJson;
  merge: string;
  verify: VerifyJson;
  timings: FlowTimings;
}

/**
 * Promotion flow (promote.yml): `gitops promote --push --open-pr` pins the minikube overlay's digest
 * in overlays/gke on promote/gke and opens the PR (GitHub's API is the fake: it cannot run here);
 * the PR is merged with a real merge commit in the remote; verify-gke then verifies score-api-gke
 * at the merge, with the merge as the commit to revert on failure.
 */
export async function promoteAndMerge(
  env: GitopsEnv,
  github: FakeGithubApi,
): Promise<PromotionOutcome> {
  const { json } = await gitopsJson<PromoteJson>(
    [
      'promote',
      '--repo',
      env.url,
      '--from',
      MINIKUBE.overlay,
      '--to',
      GKE.overlay,
      '--push',
      '--open-pr',
      '--github-repo',
      `${github.owner}/${github.repo}`,
      '--github-api-url',
      github.url,
    ],
    { env: { GITHUB_TOKEN: github.token } },
  );
  const pr = json.pullRequest;
  const pull = github.pulls.find((p) => p.number === pr?.number);
  if (!pr || !pull)
    throw new Error(`gitops promote opened no pull request: ${JSON.stringify(json)}`);
  const merge = mergePullRequest(env, pull.head, pull.number, pull.title);
  const pushedAt = Date.now();
  pull.state = 'closed';
  const v = await verify(env, GKE, merge, { rollbackCommit: merge });
  return {
    promote: json,
    merge,
    verify: v.json,
    timings: flowTimings(pushedAt, v.startedAt, v.json),
  };
}
