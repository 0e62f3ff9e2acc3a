// Verify's timeout against what it waits for: Argo CD's own sync retries (the Applications' retry
// policy) and then the Deployment's progressDeadlineSeconds (a Pending pod waits for it). A timeout
// shorter than both reverts a release Argo CD was still applying or a pod still waiting for a node.
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_VERIFY_TIMEOUT_S } from '../../../gitops/flows/verify.js';

const root = new URL('../../../', import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, root), 'utf8');

/** Argo CD's duration strings (`5s`, `1m`, `1h`) in seconds. */
function seconds(d: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

/** The waits between Argo CD's sync attempts: duration × factor^n, each capped at maxDuration. */
function retryWaitsSeconds(app: string): number {
  const retry = (
    parse(read(`argocd/application-${app}.yaml`)) as {
      spec: {
        syncPolicy: {
          retry: {
            limit: number;
            backoff: { duration: string; factor: number; maxDuration: string };
          };
        };
      };
    }
  ).spec.syncPolicy.retry;
  let total = 0;
  for (let n = 0; n < retry.limit; n += 1) {
    total += Math.min(
      seconds(retry.backoff.duration) * retry.backoff.factor ** n,
      seconds(retry.backoff.maxDuration),
    );
  }
  return total;
}

const progressDeadline = (file: string): number =>
  (parse(read(file)) as { spec: { progressDeadlineSeconds: number } }).spec.progressDeadlineSeconds;

/** The `timeout` the workflow's verify-rollout step passes (the action's default when it passes none). */
function workflowTimeout(workflow: string): number {
  const doc = parse(read(`.github/workflows/${workflow}`)) as {
    jobs: Record<string, { steps?: { uses?: string; with?: { timeout?: string } }[] }>;
  };
  const steps = Object.values(doc.jobs).flatMap((j) =>
    (j.steps ?? []).filter((s) => s.uses === './actions/verify-rollout'),
  );
  if (steps.length !== 1) {
    throw new Error(`${workflow}: expected one verify-rollout step, found ${steps.length}`);
  }
  return Number(steps[0]?.with?.timeout ?? actionDefaultTimeout());
}

function actionDefaultTimeout(): number {
  const action = parseAllDocuments(read('actions/verify-rollout/action.yml'))[0]?.toJS() as {
    inputs: { timeout: { default: string } };
  };
  return Number(action.inputs.timeout.default);
}

describe("verify's timeout outlasts Argo CD's retries and the progress deadline", () => {
  it('has one default timeout in the flow, the CLI and the action', () => {
    expect(actionDefaultTimeout()).toBe(DEFAULT_VERIFY_TIMEOUT_S);
  });

  it('minikube: the default timeout covers the retries and the base progress deadline', () => {
    const need = retryWaitsSeconds('minikube') + progressDeadline('deploy/deployment.yaml');
    expect(need).toBe(135 + 120);
    expect(need).toBeLessThan(DEFAULT_VERIFY_TIMEOUT_S);
    expect(workflowTimeout('deploy.yml')).toBeGreaterThan(need);
  });

  it("gke: verify-gke's timeout covers the retries and the overlay's longer progress deadline", () => {
    const need = retryWaitsSeconds('gke') + progressDeadline('overlays/gke/progress-deadline.yaml');
    expect(need).toBe(135 + 420);
    expect(workflowTimeout('promote.yml')).toBeGreaterThan(need);
  });
});
