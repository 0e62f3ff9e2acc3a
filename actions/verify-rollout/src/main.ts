// The `verify-rollout` action: asks Argo CD to refresh, waits until the bump revision is synced, watches
// the Deployment roll out, and on failure reverts the bump commit and waits for the previous version.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ActionInputs } from '../../../gitops/action/inputs.js';
import {
  coreRuntime,
  formatSeconds,
  markdownTable,
  runAction,
  secondsOutput,
} from '../../../gitops/action/runtime.js';
import type { ActionRuntime } from '../../../gitops/action/runtime.js';
import { InputError } from '../../../gitops/errors.js';
import type { KubeClient } from '../../../gitops/adapters/kube-api.js';
import {
  DEFAULT_VERIFY_TIMEOUT_S,
  validateVerifyOptions,
} from '../../../gitops/flows/verify-options.js';
import type { VerifyOptions, VerifyResult } from '../../../gitops/flows/verify-options.js';
import { DEFAULT_SMOKE, parseSmokeInput } from '../../../gitops/rules/smoke-check.js';

/** Verify options without the client, plus how to make the client. */
export interface VerifyInputs {
  options: Omit<VerifyOptions, 'kube' | 'log'>;
  kubeconfig?: string;
  context?: string;
}

/** The side-effecting parts, injectable for tests. */
export interface VerifyDeps {
  kube(opts: { kubeconfig?: string; context?: string }): KubeClient;
  verify(opts: VerifyOptions): Promise<VerifyResult>;
}

// Loaded after the inputs are validated: the Kubernetes client is most of the bundle, and a bad input
// should fail in the time it takes to start node, not to initialise the client.
async function loadDeps(): Promise<VerifyDeps> {
  const { kubeClientFromConfig, verifyRollout } = await import('./cluster.chunk.js');
  return { kube: kubeClientFromConfig, verify: verifyRollout };
}

/** Reads and validates the inputs; throws InputError naming the first bad one. */
export function readInputs(rt: ActionRuntime): VerifyInputs {
  const inputs = new ActionInputs(rt.input, rt.env);
  const app = inputs.kubeName('app');
  const appNamespace = inputs.kubeName('app-namespace', { label: true, default: 'argocd' });
  const revision = inputs.sha('revision');
  const deployment = inputs.kubeName('deployment');
  const namespace = inputs.kubeName('namespace', { label: true });
  const timeout = inputs.int('timeout', {
    default: DEFAULT_VERIFY_TIMEOUT_S,
    min: 1,
    max: 21600,
    unit: 'seconds',
  });
  const pollInterval = inputs.int('poll-interval', {
    default: 5,
    min: 1,
    max: 300,
    unit: 'seconds',
  });
  const rollback = inputs.boolean('rollback', true);
  const kubeconfigInput = inputs.optional('kubeconfig');
  const workspace = resolve(rt.env.GITHUB_WORKSPACE || process.cwd());
  const kubeconfig = kubeconfigInput ? resolve(workspace, kubeconfigInput) : undefined;
  if (kubeconfig && !existsSync(kubeconfig)) {
    throw new InputError(
      'kubeconfig',
      `expected a kubeconfig file, '${kubeconfig}' does not exist`,
    );
  }
  const context = inputs.optional('context');
  let rollbackTo: VerifyOptions['rollback'];
  let source: VerifyOptions['source'];
  if (rollback) {
    const repo = inputs.workingCopy('to revert the bump in (rollback is true)');
    const branch = inputs.branch();
    rollbackTo = { repo, branch, commit: revision };
  } else {
    // Without a rollback the checkout is only read, to follow a descendant revision; it is optional.
    const repo = resolve(inputs.optional('repository-path', { env: 'GITHUB_WORKSPACE' }) ?? '.');
    if (existsSync(join(repo, '.git'))) source = { repo, branch: inputs.branch() };
  }
  const smokeInput = inputs.optional('smoke-input');
  const smoke: VerifyOptions['smoke'] = inputs.boolean('smoke', true)
    ? {
        service: inputs.kubeName('service', { default: deployment }),
        port: inputs.optional('service-port') ?? 'http',
        request: {
          ...DEFAULT_SMOKE,
          ...(smokeInput !== undefined ? { body: parseSmokeInput(smokeInput) } : {}),
          label: inputs.optional('smoke-label') ?? DEFAULT_SMOKE.label,
        },
      }
    : false;
  const options: VerifyInputs['options'] = {
    app,
    appNamespace,
    revision,
    deployment,
    namespace,
    timeoutMs: timeout * 1000,
    pollMs: pollInterval * 1000,
    rollback: rollbackTo,
    source,
    smoke,
  };
  validateVerifyOptions(options);
  return { options, kubeconfig, context };
}

/** The job summary: the timeline of events with elapsed times, then the timings. */
export function verifySummary(inputs: VerifyInputs, result: VerifyResult): string {
  const icons: Record<VerifyResult['result'], string> = {
    healthy: '✅',
    'rolled-back': '↩️',
    failed: '❌',
    suspended: '⏸️',
    superseded: '⏭️',
  };
  const icon = icons[result.result];
  const o = inputs.options;
  const parts = [
    `## Rollout of ${o.revision.slice(0, 7)}: ${icon} ${result.result}`,
    '',
    `Argo CD application \`${o.appNamespace}/${o.app}\`, Deployment \`${o.namespace}/${o.deployment}\`.`,
  ];
  if (result.reason) parts.push('', `**Reason:** ${result.reason}`);
  if (result.liveRevision && result.liveRevision !== o.revision)
    parts.push(
      '',
      `**Live revision:** \`${result.liveRevision}\` (a descendant pinning the same images)`,
    );
  if (result.smoke) parts.push('', `**Smoke request:** ${result.smoke}`);
  if (result.revertCommit) parts.push('', `**Revert commit:** \`${result.revertCommit}\``);
  parts.push('', '### Timeline', '');
  parts.push(
    markdownTable(
      ['Elapsed', 'Event'],
      result.timeline.map((e) => [formatSeconds(e.atMs), e.event]),
    ),
  );
  parts.push('', '### Timings', '');
  parts.push(
    markdownTable(
      ['Milestone', 'Time'],
      [
        ['Synced', formatSeconds(result.timings.toSyncedMs)],
        ['Ready', formatSeconds(result.timings.toReadyMs)],
        ['Recovered', formatSeconds(result.timings.toRecoveredMs)],
      ],
    ),
  );
  return `${parts.join('\n')}\n`;
}

/** The action body over a runtime and injectable cluster access. */
export async function verifyRolloutAction(rt: ActionRuntime, injected?: VerifyDeps): Promise<void> {
  const inputs = readInputs(rt);
  const deps = injected ?? (await loadDeps());
  const kube = deps.kube({ kubeconfig: inputs.kubeconfig, context: inputs.context });
  const o = inputs.options;
  rt.info(
    `verify-rollout: ${o.appNamespace}/${o.app} at ${o.revision}, Deployment ${o.namespace}/${o.deployment}`,
  );
  const result = await deps.verify({ ...o, kube, log: (line) => rt.info(line) });
  rt.setOutput('result', result.result);
  rt.setOutput('reason', result.reason ?? '');
  rt.setOutput('time-to-synced', secondsOutput(result.timings.toSyncedMs));
  rt.setOutput('time-to-ready', secondsOutput(result.timings.toReadyMs));
  rt.setOutput('time-to-recovered', secondsOutput(result.timings.toRecoveredMs));
  rt.setOutput('revert-commit', result.revertCommit ?? '');
  rt.setOutput('live-revision', result.liveRevision ?? '');
  rt.setOutput('superseded-by', result.supersededBy ?? '');
  rt.setOutput('smoke', result.smoke ?? '');
  await rt.writeSummary(verifySummary(inputs, result));
  if (result.result === 'healthy') {
    rt.info(
      `verify-rollout: healthy (synced ${formatSeconds(result.timings.toSyncedMs)}, ready ${formatSeconds(result.timings.toReadyMs)})`,
    );
    return;
  }
  // A newer bump replaced this release: its own verification judges it; this step has nothing to fail.
  if (result.result === 'superseded') {
    rt.info(`verify-rollout: superseded, not judged and not reverted: ${result.reason ?? ''}`);
    return;
  }
  const what =
    result.result === 'rolled-back'
      ? `rolled back (revert ${result.revertCommit ?? '?'})`
      : result.result === 'suspended'
        ? 'suspended (the Deployment is paused; not reverted)'
        : 'failed';
  rt.setFailed(
    `verify-rollout: rollout of ${o.revision.slice(0, 7)} ${what}: ${result.reason ?? 'no reason given'}`,
  );
}

/** Runs the action in a workflow step. */
export async function run(rt: ActionRuntime = coreRuntime()): Promise<void> {
  await runAction((r) => verifyRolloutAction(r), rt);
}
