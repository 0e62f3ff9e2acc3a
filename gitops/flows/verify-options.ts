/**
 * What a verification takes and returns, its defaults and the check of its inputs: apart from the flow
 * (verify.ts) so that the action's entry and the CLI validate inputs without loading the flow.
 */
import type { KubeClient } from '../adapters/kube-api.js';
import { InputError } from '../errors.js';
import { checkBranch, checkCommitSha, checkKubeName } from '../rules/names.js';
import type { Pin, Relation } from '../rules/revision-lineage.js';
import type { SmokeSpec } from '../rules/smoke-check.js';
import type { RevertOptions, RevertResult } from './revert.js';

/** Time source and wait; injected so unit tests run without real waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Where the lineage of a live revision comes from: the GitOps repository by default, injected in tests. */
export interface LineageSource {
  /** How `live` relates to `bump` in the branch's history. */
  relation(bump: string, live: string): Promise<Relation>;
  /** The images the overlay at `path` pins at `revision`, or undefined when it has no kustomization there. */
  pins(revision: string, path: string): Promise<Pin[] | undefined>;
}

/** The smoke request: POST `request.body` to the Service's `request.path` through the API server's proxy. */
export interface SmokeOptions {
  /** Default: the Deployment's name. */
  service?: string;
  /** The Service port's name or number. Default `http`. */
  port?: string;
  /** Default DEFAULT_SMOKE: an iris-setosa flower to /score, labelled setosa. */
  request?: SmokeSpec;
}

/** Verify's default timeout: Argo CD's retries (argocd/application-*.yaml) plus minikube's progress deadline, with room. */
export const DEFAULT_VERIFY_TIMEOUT_S = 300;

export interface VerifyOptions {
  kube: KubeClient;
  app: string;
  appNamespace?: string;
  /** The GitOps repository commit Argo CD must reach (40 hex). */
  revision: string;
  deployment: string;
  namespace: string;
  /** How long to wait for the revision to be live. Default DEFAULT_VERIFY_TIMEOUT_S. */
  timeoutMs?: number;
  /** Poll interval. Default 2000 ms. */
  pollMs?: number;
  /** Revert `commit` (default: `revision`) in `repo` when verification fails, and wait for the recovery. */
  rollback?: { repo: string; branch?: string; commit?: string };
  /**
   * The GitOps repository, only read: it lets verify follow a live revision that descends from `revision`
   * (and check the Deployment runs the digest it pins). Default: `rollback`'s repository and branch.
   */
  source?: { repo: string; branch?: string };
  /** The smoke request once the rollout is healthy; `false` skips it. Default: DEFAULT_SMOKE to the Service. */
  smoke?: SmokeOptions | false;
  log?: (line: string) => void;
  /** Argo CD must report Synced+Healthy this long after its last transition. Default 5000 ms. */
  settleMs?: number;
  /** Container restarts of a new pod above which the rollout fails. Default 3. */
  restartThreshold?: number;
  /** How long to wait for the recovery after a revert. Default: timeoutMs. */
  recoveryTimeoutMs?: number;
  clock?: Clock;
  /** Injected for tests; default revertDeployment in the rollback workspace. */
  revert?: (opts: RevertOptions) => Promise<RevertResult>;
  /** Injected for tests; default: the revert of `commit` on the remote rollback branch (findRevertOf), if any. */
  findRevert?: (commit: string) => Promise<string | undefined>;
  /** Injected for tests; default: git in the `source` (or rollback) repository. */
  lineage?: LineageSource;
}

export interface VerifyResult {
  result: 'healthy' | 'rolled-back' | 'failed' | 'suspended' | 'superseded';
  reason?: string;
  /** The revision found live: `revision`, or a descendant that pins the same images. */
  liveRevision?: string;
  /** The descendant revision that pins other images (result superseded). */
  supersededBy?: string;
  /** What the smoke request found (healthy, or failed on it). */
  smoke?: string;
  timings: { toSyncedMs?: number; toReadyMs?: number; toRecoveredMs?: number };
  timeline: { atMs: number; event: string }[];
  revertCommit?: string;
  /** 'reverted' when this run pushed the revert, 'already-reverted' when an earlier run had. */
  revertStatus?: RevertResult['status'];
}

/** Checks the verify inputs before anything is contacted; InputError naming the first bad one. */
export function validateVerifyOptions(opts: Omit<VerifyOptions, 'kube'>): void {
  checkCommitSha(opts.revision, 'revision');
  if (opts.rollback?.commit !== undefined) checkCommitSha(opts.rollback.commit, 'rollback.commit');
  checkKubeName(opts.app, 'app');
  checkKubeName(opts.deployment, 'deployment');
  checkKubeName(opts.namespace, 'namespace', { label: true });
  if (opts.appNamespace !== undefined)
    checkKubeName(opts.appNamespace, 'app-namespace', { label: true });
  for (const [input, value] of [
    ['timeout', opts.timeoutMs],
    ['poll', opts.pollMs],
    ['recovery-timeout', opts.recoveryTimeoutMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new InputError(input, `expected a positive number of milliseconds, got ${value}`);
    }
  }
  for (const [what, repo] of [
    ['a rollback', opts.rollback],
    ['following a descendant revision', opts.source],
  ] as const) {
    if (!repo) continue;
    if (typeof repo.repo !== 'string' || repo.repo.trim() === '')
      throw new InputError('repo', `is required for ${what} (the GitOps repository path or URL)`);
    if (repo.branch !== undefined) checkBranch(repo.branch);
  }
  if (opts.smoke) {
    if (opts.smoke.service !== undefined) checkKubeName(opts.smoke.service, 'service');
    const port = opts.smoke.port;
    // A Service port is named like an IANA service name, or given by number.
    if (
      port !== undefined &&
      !/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(port) &&
      !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)
    ) {
      throw new InputError('service-port', `expected a Service port name or number, got '${port}'`);
    }
  }
}
