/** Runs the stages in order, timing each, and turns what happened into a PipelineResult (never throws). */
import { join } from 'node:path';
import { GitopsError, InputError, MissingToolError, describeError } from '../../gitops/errors.js';
import { existsSync } from 'node:fs';
import { engineVariables } from '../../gitops/adapters/container-engine.js';
import { kubeconfigPath } from './kubeconfig.js';
import type { PipelineConfig } from './defaults.js';
import { syncLocalRemote } from './gitops-remote.js';
import { PreflightError, checkTools, readSource } from './preflight.js';
import type { SourceState } from './preflight.js';
import { redactorFromEnv } from '../../gitops/rules/redact.js';
import type { Redactor } from '../../gitops/rules/redact.js';
import { ensureRegistry, registryAnswers } from './registry-server.js';
import { formatMs } from './report.js';
import type { PipelineResult, StageRecord } from './report.js';
import { buildStage, imageRepositoryOf } from './build-stage.js';
import type { BuiltImage } from './build-stage.js';
import { bumpStage } from './bump-stage.js';
import type { BumpOutcome } from './bump-stage.js';
import { containerDeployStage } from './deploy-stage.js';
import type { DeployOutcome } from './deploy-stage.js';
import { StageFailedError, lintStage, testStage, validateOverlay } from './stages.js';
import type { StageContext } from './stages.js';

/** Where progress goes, and the environment child processes get (DOCKER_HOST may be added to it). */
export interface PipelineIO {
  progress: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Masks secrets; default: every credential-like variable of `env` plus the registry password/token. */
  redactor?: Redactor;
}

/** True for errors that mean "fix the input or install a tool" (exit code 2) rather than "a stage failed". */
export function isSetupError(err: unknown): boolean {
  return (
    err instanceof InputError || err instanceof MissingToolError || err instanceof PreflightError
  );
}

class Timeline {
  readonly stages: StageRecord[] = [];
  private stageStart = performance.now();
  constructor(
    private readonly progress: (line: string) => void,
    private readonly redactor: Redactor,
  ) {}

  async run<T>(
    name: string,
    fn: () => Promise<T>,
    detail?: (value: T) => string | undefined,
  ): Promise<T> {
    this.progress(`▶ ${name}`);
    const t0 = performance.now();
    this.stageStart = t0;
    try {
      const value = await fn();
      const ms = performance.now() - t0;
      const d = detail?.(value);
      this.stages.push({
        name,
        status: 'ok',
        ms,
        ...(d ? { detail: this.redactor.apply(d) } : {}),
      });
      this.progress(`✔ ${name} (${formatMs(ms)})${d ? ` ${this.redactor.apply(d)}` : ''}`);
      return value;
    } catch (err) {
      const ms = performance.now() - t0;
      this.stages.push({ name, status: 'failed', ms });
      this.progress(`✘ ${name} (${formatMs(ms)})`);
      throw err;
    }
  }

  /** Seconds since the current stage started, for the stage's own log lines (where its time goes). */
  elapsed(): string {
    return `+${((performance.now() - this.stageStart) / 1000).toFixed(1)}s`;
  }

  skip(name: string, why: string): void {
    this.stages.push({ name, status: 'skipped', ms: 0, detail: why });
    this.progress(`- ${name} skipped: ${why}`);
  }
}

/** Runs the whole pipeline for the current commit of `config.repoRoot`. */
export async function runPipeline(config: PipelineConfig, io: PipelineIO): Promise<PipelineResult> {
  const t0 = performance.now();
  const redactor = io.redactor ?? redactorFromEnv(io.env);
  redactor.add(config.registryAuth?.password, config.registryAuth?.token);
  const progress = (line: string): void => io.progress(redactor.apply(line));
  const timeline = new Timeline(progress, redactor);
  const ctx: StageContext = {
    config,
    env: io.env,
    redactor,
    log: (line) => progress(`  [${timeline.elapsed()}] ${line}`),
  };
  const result: PipelineResult = { result: 'failed', stages: timeline.stages, totalMs: 0 };

  try {
    const source: SourceState = await timeline.run(
      'preflight',
      async () => {
        // The caller's env object: every later stage's docker call uses the engine found here.
        const set = engineVariables(io.env);
        Object.assign(io.env, set);
        if (set.DOCKER_HOST) ctx.log(`using the container engine at ${set.DOCKER_HOST}`);
        const state = await readSource(config.repoRoot);
        if (state.dirty && !config.allowDirty) {
          throw new InputError(
            'working tree',
            `has uncommitted changes (${state.changes
              .slice(0, 5)
              .map((c) => c.trim())
              .join(', ')}${state.changes.length > 5 ? ', ...' : ''}); ` +
              `refusing to tag uncommitted code with commit ${state.sha.slice(0, 12)}`,
            'commit them, or pass --allow-dirty to build and check the working tree locally (never pushed, never bumped)',
          );
        }
        await validateOverlay(config.repoRoot, config.overlay, config.imageName);
        const needRegistryServer =
          !state.dirty && !config.registryGiven && !(await registryAnswers(config.registry));
        const tools = await checkTools({ env: io.env, needRegistryServer });
        ctx.log(`${tools.engine}; renderer ${tools.renderer}`);
        return state;
      },
      (s) => `${s.sha.slice(0, 12)}${s.dirty ? ' (dirty: local build and check only)' : ''}`,
    );
    result.sha = source.sha;
    result.dirty = source.dirty;

    // The check stages, each skipped by its flag; their result is their detail line.
    const checks = [
      ['lint', config.skipLint, '--skip-lint', () => lintStage(ctx)],
      ['test', config.skipTests, '--skip-tests', () => testStage(ctx)],
    ] as const;
    for (const [name, skip, flag, stage] of checks) {
      if (skip) timeline.skip(name, flag);
      else await timeline.run(name, stage, (d) => d);
    }

    if (source.dirty) timeline.skip('registry', 'dirty tree: nothing is pushed');
    else {
      await timeline.run(
        'registry',
        async () => {
          if (!config.registryGiven)
            return ensureRegistry(config.registry, join(config.cacheDir, 'registry'));
          if (!(await registryAnswers(config.registry, 5000))) {
            throw new StageFailedError(
              'registry',
              `registry ${config.registry} does not answer http://${config.registry}/v2/`,
              'start it, or fix --registry/PIPELINE_REGISTRY',
            );
          }
          return { started: false };
        },
        (r) =>
          r.started
            ? `started docker-registry on ${config.registry} (pid ${r.pid})`
            : `${config.registry} answers`,
      );
    }

    const image: BuiltImage = await timeline.run(
      'build',
      () => buildStage(ctx, source.sha, source.dirty),
      (i) => (i.reused ? `${i.ref} (reused)` : i.ref),
    );
    result.image = {
      ref: image.ref,
      reused: image.reused,
      ...(image.digest ? { digest: image.digest } : {}),
    };

    let bumped: BumpOutcome | undefined;
    if (source.dirty) {
      timeline.skip('remote', 'dirty tree');
      timeline.skip('bump', 'dirty tree: never bumped');
    } else {
      if (config.remoteGiven) timeline.skip('remote', `given: ${config.remote}`);
      else {
        await timeline.run(
          'remote',
          () =>
            syncLocalRemote({
              repoRoot: config.repoRoot,
              sha: source.sha,
              remote: config.remote,
              branch: config.branch,
              log: ctx.log,
            }),
          (s) => `${s} (${config.remote})`,
        );
      }
      bumped = await timeline.run(
        'bump',
        () =>
          bumpStage(ctx, {
            sha: source.sha,
            repository: imageRepositoryOf(config),
            digest: image.digest as string,
          }),
        (b) => `${b.bump.status} ${b.bump.commit.slice(0, 12)}`,
      );
      result.bump = {
        status: bumped.bump.status,
        commit: bumped.bump.commit,
        pushed: bumped.bump.pushed,
        remote: config.remote,
        branch: config.branch,
        overlay: config.overlay,
        message: bumped.bump.message,
      };
      result.diff = bumped.diff;
    }

    if (bumped?.bump.status === 'stale') {
      timeline.skip('deploy', 'a newer commit is already deployed');
      result.result = 'stale';
    } else {
      const deploy = await timeline.run(
        'deploy',
        () => deployCheck(ctx, source, image, bumped),
        (d) =>
          d.ok
            ? `${d.mode} check healthy`
            : `${d.mode} check failed${d.revert ? `; ${d.revert.status} ${d.revert.commit.slice(0, 12)}` : ''}`,
      );
      result.deploy = { mode: deploy.mode, ok: deploy.ok };
      if (deploy.reason) result.deploy.reason = deploy.reason;
      if (deploy.label) result.deploy.label = deploy.label;
      if (deploy.steps) result.deploy.steps = deploy.steps;
      if (deploy.revert) result.revert = deploy.revert;
      if (deploy.ok)
        result.result = source.dirty
          ? 'checked-dirty'
          : bumped?.bump.status === 'unchanged'
            ? 'unchanged'
            : 'deployed';
      else {
        result.result = deploy.revert ? 'rolled-back' : 'failed';
        result.error = `deploy check failed: ${deploy.reason ?? ''}`;
      }
    }
  } catch (err) {
    result.result = 'failed';
    result.error = redactor.apply(describeError(err));
    if (err instanceof GitopsError) result.errorCode = err.code;
  }
  result.totalMs = performance.now() - t0;
  return result;
}

/** The deploy check: verifyRollout through Argo CD when a cluster answers, else the container check. */
async function deployCheck(
  ctx: StageContext,
  source: SourceState,
  image: BuiltImage,
  bumped: BumpOutcome | undefined,
): Promise<DeployOutcome> {
  const { config } = ctx;
  const environment = config.overlay.split('/').pop() ?? 'minikube';
  // Loaded only with a kubeconfig: the Kubernetes client is the slowest module to load, and most runs have no cluster.
  const kubeconfig = kubeconfigPath(config.kubeconfig);
  if (!source.dirty && !config.noCluster && bumped?.bumpCommit && !existsSync(kubeconfig)) {
    ctx.log(`no kubeconfig (${kubeconfig}): running the container check`);
  } else if (!source.dirty && !config.noCluster && bumped?.bumpCommit) {
    const { probeCluster } = await import('./cluster.js');
    const { verifyRollout } = await import('../../gitops/flows/verify.js');
    const probe = await probeCluster({
      kubeconfig: config.kubeconfig,
      app: `${config.imageName}-${environment}`,
    });
    if ('kube' in probe) {
      ctx.log(
        `cluster found through ${probe.kubeconfig}: verifying Argo CD application ${probe.appNamespace}/${probe.app}`,
      );
      if (!config.remoteGiven) {
        ctx.log(
          `note: Argo CD must track ${config.remote} for this to converge; pass --remote with the repository it watches`,
        );
      }
      const verdict = await verifyRollout({
        kube: probe.kube,
        app: probe.app,
        appNamespace: probe.appNamespace,
        revision: bumped.bumpCommit,
        deployment: config.imageName,
        namespace: config.imageName,
        rollback: { repo: config.remote, branch: config.branch, commit: bumped.bumpCommit },
        log: ctx.log,
        timeoutMs: config.verifyTimeoutMs,
        ...(config.verifyPollMs !== undefined ? { pollMs: config.verifyPollMs } : {}),
        ...(config.verifySettleMs !== undefined ? { settleMs: config.verifySettleMs } : {}),
      });
      const out: DeployOutcome = { mode: 'cluster', ok: verdict.result === 'healthy' };
      if (verdict.reason) out.reason = verdict.reason;
      if (verdict.revertCommit)
        out.revert = { status: verdict.revertStatus ?? 'reverted', commit: verdict.revertCommit };
      return out;
    }
    ctx.log(`${probe.none}: running the container check`);
  }
  const input: { image: string; sha: string; bumpCommit?: string } = {
    image: image.ref,
    sha: source.sha,
  };
  if (bumped?.bumpCommit) input.bumpCommit = bumped.bumpCommit;
  return containerDeployStage(ctx, input);
}
