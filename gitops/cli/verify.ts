import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import { boolFlag, printOutput, progressLogger, requireFlag, stringFlag } from './output.js';
import { InputError, withInputNames } from '../errors.js';
import { DEFAULT_VERIFY_TIMEOUT_S, validateVerifyOptions } from '../flows/verify-options.js';
import { verifyRollout } from '../flows/verify.js';
import type { VerifyOptions, VerifyResult } from '../flows/verify-options.js';
import { DEFAULT_SMOKE, parseSmokeInput } from '../rules/smoke-check.js';

/** The exit status of each verdict (2 is a usage error). */
export const EXIT_CODES: Record<VerifyResult['result'], number> = {
  healthy: 0,
  failed: 1,
  'rolled-back': 1,
  suspended: 3,
  superseded: 4,
};

const usage = `Usage: gitops verify --app NAME --revision SHA --deployment NAME --namespace NS [options]

Waits until Argo CD has synced the GitOps revision SHA (or a descendant that pins the same images) and the
Deployment has rolled out, sends a known request through the Service, and reports healthy, failed, or (with
--rollback) rolled-back after reverting the bump or promotion (commit, squash or merge commit of the
promotion PR) in --repo; suspended for a paused Deployment and superseded when a newer bump replaced this
one (neither is reverted).

Options:
  --app NAME              Argo CD Application name
  --app-namespace NS      Namespace of the Application (default argocd)
  --revision SHA          GitOps repository commit Argo CD must reach (full 40-character SHA)
  --deployment NAME       Deployment to watch
  --namespace NS          Namespace of the Deployment
  --timeout S             Seconds to wait for the release, and again for a recovery (default ${DEFAULT_VERIFY_TIMEOUT_S})
  --poll S                Seconds between polls (default 2)
  --settle S              Seconds Argo CD must stay Synced+Healthy (default 5)
  --restart-threshold N   Container restarts of a new pod that fail the rollout (default 3)
  --rollback              On failure, revert the bump/promotion commit and wait for the recovery
  --repo PATH|URL         GitOps repository: read to follow a descendant revision; reverted in with
                          --rollback (required then)
  --branch NAME           Branch of the GitOps repository (default main)
  --rollback-commit SHA   Bump, promotion or promotion merge commit to revert (default: --revision)
  --service NAME          Service the smoke request goes through (default: --deployment)
  --service-port PORT     Its port, by name or number (default http)
  --smoke-input JSON      Body POSTed to /${DEFAULT_SMOKE.path} (default ${JSON.stringify(DEFAULT_SMOKE.body)})
  --smoke-label LABEL     Label the first row must get (default ${DEFAULT_SMOKE.label})
  --no-smoke              Skip the smoke request
  --kubeconfig FILE       Kubeconfig (default KUBECONFIG, ~/.kube/config, or in-cluster)
  --context NAME          Kubeconfig context
  --json                  Print one JSON object: the verdict with timings and timeline
  -h, --help              Show this help

Exit status: ${Object.entries(EXIT_CODES)
  .map(([result, code]) => `${code} ${result}`)
  .join(', ')}, 2 usage error.`;

/** The verify inputs' names as flags, for the core's InputErrors. */
const FLAGS: Record<string, string> = {
  app: '--app',
  'app-namespace': '--app-namespace',
  revision: '--revision',
  deployment: '--deployment',
  namespace: '--namespace',
  repo: '--repo',
  branch: '--branch',
  'rollback.commit': '--rollback-commit',
  service: '--service',
  'service-port': '--service-port',
};

function seconds(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0)) {
    throw new InputError(`--${name}`, `expected a positive number of seconds, got '${raw}'`);
  }
  return n;
}

function describe(res: VerifyResult, app: string, revision: string): string[] {
  const t = res.timings;
  const fmt = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);
  const at = revision.slice(0, 12);
  const heads: Record<VerifyResult['result'], string> = {
    healthy: `healthy: ${app} is live at ${res.liveRevision && res.liveRevision !== revision ? `${res.liveRevision.slice(0, 12)} (descends from ${at}, same images)` : at}`,
    'rolled-back': `rolled back: ${app} at ${at} failed and was reverted by ${res.revertCommit?.slice(0, 12)}`,
    failed: `failed: ${app} at ${at}`,
    suspended: `suspended: ${app} at ${at}: the Deployment is paused; nothing was reverted`,
    superseded: `superseded: ${app} at ${at} was replaced by ${res.supersededBy?.slice(0, 12)}; nothing was reverted`,
  };
  const lines = [heads[res.result]];
  if (res.reason) lines.push(`reason: ${res.reason}`);
  if (res.smoke) lines.push(`smoke: ${res.smoke}`);
  lines.push(
    `timings: synced ${fmt(t.toSyncedMs)}, ready ${fmt(t.toReadyMs)}, recovered ${fmt(t.toRecoveredMs)}`,
  );
  return lines;
}

/** `gitops verify`: watch Argo CD and the rollout of a revision; optionally roll back. */
export const verifyCommand: CliCommand = {
  name: 'verify',
  usage,
  options: flagOptions({
    string:
      'app app-namespace revision deployment namespace timeout poll settle restart-threshold repo branch rollback-commit kubeconfig context service service-port smoke-input smoke-label',
    boolean: 'rollback json no-smoke',
  }),
  async run(values, io) {
    const json = boolFlag(values, 'json');
    const app = requireFlag(values, 'app');
    const revision = requireFlag(values, 'revision');
    const deployment = requireFlag(values, 'deployment');
    const namespace = requireFlag(values, 'namespace');
    const timeoutMs = seconds(values, 'timeout', DEFAULT_VERIFY_TIMEOUT_S) * 1000;
    const pollMs = seconds(values, 'poll', 2) * 1000;
    const settleMs = stringFlag(values, 'settle') === '0' ? 0 : seconds(values, 'settle', 5) * 1000;
    const thresholdRaw = stringFlag(values, 'restart-threshold');
    if (thresholdRaw !== undefined && !/^\d+$/.test(thresholdRaw)) {
      throw new InputError('--restart-threshold', `expected a whole number, got '${thresholdRaw}'`);
    }
    const rollback = boolFlag(values, 'rollback');
    const repo = stringFlag(values, 'repo');
    if (rollback && !repo)
      throw new InputError('--repo', 'is required with --rollback (the GitOps repository)');
    if (!rollback && stringFlag(values, 'rollback-commit')) {
      throw new InputError('--rollback', 'is required when --rollback-commit is given');
    }
    if (!repo && stringFlag(values, 'branch')) {
      throw new InputError('--repo', 'is required when --branch is given');
    }
    const smokeFlags = ['service', 'service-port', 'smoke-input', 'smoke-label'].filter(
      (f) => stringFlag(values, f) !== undefined,
    );
    if (boolFlag(values, 'no-smoke') && smokeFlags.length > 0) {
      throw new InputError('--no-smoke', `contradicts --${smokeFlags.join(', --')}`);
    }
    const smokeInput = stringFlag(values, 'smoke-input');
    const smoke: VerifyOptions['smoke'] = boolFlag(values, 'no-smoke')
      ? false
      : {
          service: stringFlag(values, 'service'),
          port: stringFlag(values, 'service-port'),
          request: {
            ...DEFAULT_SMOKE,
            ...(smokeInput !== undefined
              ? { body: parseSmokeInput(smokeInput, '--smoke-input') }
              : {}),
            label: stringFlag(values, 'smoke-label') ?? DEFAULT_SMOKE.label,
          },
        };
    const options = {
      app,
      appNamespace: stringFlag(values, 'app-namespace'),
      revision,
      deployment,
      namespace,
      timeoutMs,
      pollMs,
      settleMs,
      restartThreshold: thresholdRaw === undefined ? undefined : Number(thresholdRaw),
      rollback:
        rollback && repo
          ? {
              repo,
              branch: stringFlag(values, 'branch'),
              commit: stringFlag(values, 'rollback-commit'),
            }
          : undefined,
      source: repo ? { repo, branch: stringFlag(values, 'branch') } : undefined,
      smoke,
      log: progressLogger(io, json),
    };
    const res = await withInputNames(FLAGS, async () => {
      validateVerifyOptions(options);
      // The Kubernetes client is the heaviest module of the CLI: loaded only when a verify runs.
      const { kubeClientFromConfig } = await import('../adapters/kube.js');
      const kube = kubeClientFromConfig({
        kubeconfig: stringFlag(values, 'kubeconfig'),
        context: stringFlag(values, 'context'),
      });
      return verifyRollout({ ...options, kube });
    });
    printOutput(io, json, {
      json: { app, revision, deployment, namespace, ...res },
      lines: describe(res, app, revision),
    });
    return EXIT_CODES[res.result];
  },
};
