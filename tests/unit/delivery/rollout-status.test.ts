import { readFileSync } from 'node:fs';
import { evaluateRollout, findNewReplicaSet } from '../../../gitops/rules/rollout-status.js';
import type { RolloutVerdict } from '../../../gitops/rules/rollout-status.js';

interface Step {
  deployment: Record<string, unknown>;
  replicaSets: Record<string, unknown>[];
  pods: Record<string, unknown>[];
}

function fixture(name: string): Step[] {
  const url = new URL(`./fixtures/rollout-${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Step[];
}

function at(steps: Step[], i: number): Step {
  const step = steps[i];
  if (!step) throw new Error(`fixture has no step ${i}`);
  return step;
}

function failed(v: RolloutVerdict): { reason: string; message: string } {
  if (v.state !== 'failed') throw new Error(`expected failed, got ${v.state}: ${v.message}`);
  return v;
}

describe('evaluateRollout (kubectl rollout status rules + fail-fast pod checks)', () => {
  it('walks a healthy rolling update step by step and only completes at the end', () => {
    const steps = fixture('healthy');
    const states = steps.map((s) => evaluateRollout(s).state);
    expect(states).toEqual([
      'progressing',
      'progressing',
      'progressing',
      'progressing',
      'complete',
    ]);
    expect(evaluateRollout(at(steps, 1)).message).toContain(
      '1 out of 2 new replicas have been updated',
    );
    expect(evaluateRollout(at(steps, 3)).message).toContain(
      '1 old replicas are pending termination',
    );
    expect(evaluateRollout(at(steps, 3)).message).toContain(
      'p3q4r container score-api running, not ready',
    );
    expect(evaluateRollout(at(steps, 4)).message).toContain('successfully rolled out');
  });

  it('keeps waiting while observedGeneration lags even though the old counters look complete', () => {
    const v = evaluateRollout(at(fixture('healthy'), 0));
    expect(v.state).toBe('progressing');
    expect(v.message).toContain('generation 2, observed 1');
  });

  it('fails fast on a crash loop of the new ReplicaSet with pod, container and last exit', () => {
    const v = failed(evaluateRollout(at(fixture('crash-loop'), 0)));
    expect(v.reason).toBe('CrashLoopBackOff');
    expect(v.message).toContain('pod score-api-5d4b9c8f7-k1m2n');
    expect(v.message).toContain('container score-api');
    expect(v.message).toContain('exit code 1');
  });

  it('fails fast on ErrImagePull and ImagePullBackOff with the registry message', () => {
    const [pull, backoff] = fixture('image-pull').map((s) => failed(evaluateRollout(s)));
    expect(pull?.reason).toBe('ErrImagePull');
    expect(pull?.message).toContain('not found');
    expect(backoff?.reason).toBe('ImagePullBackOff');
  });

  it('ignores a crash loop in an old ReplicaSet pod (not the release under test)', () => {
    const step = structuredClone(at(fixture('crash-loop'), 0));
    // Move the crashing pod's ownership to the old ReplicaSet.
    const crashing = step.pods[2] as {
      metadata: {
        ownerReferences: { uid: string; name: string }[];
        labels: Record<string, string>;
      };
    };
    const oldRs = step.replicaSets[0] as { metadata: { uid: string; name: string } };
    crashing.metadata.ownerReferences = [{ uid: oldRs.metadata.uid, name: oldRs.metadata.name }];
    expect(evaluateRollout(step).state).toBe('progressing');
  });

  it('stays progressing while readiness never passes, then fails with ProgressDeadlineExceeded', () => {
    const steps = fixture('readiness-never');
    const first = evaluateRollout(at(steps, 0));
    expect(first.state).toBe('progressing');
    expect(first.message).toContain('readiness probe');
    expect(evaluateRollout(at(steps, 1)).state).toBe('progressing');
    const v = failed(evaluateRollout(at(steps, 2)));
    expect(v.reason).toBe('ProgressDeadlineExceeded');
    expect(v.message).toContain('has timed out progressing');
  });

  it('fails when a new pod restarts past the threshold even while Running, and honours a custom threshold', () => {
    const step = at(fixture('restarts'), 0);
    const v = failed(evaluateRollout(step));
    expect(v.reason).toBe('RestartThresholdExceeded');
    expect(v.message).toContain('restarted 5 times');
    expect(v.message).toContain('OOMKilled');
    expect(evaluateRollout({ ...step, restartThreshold: 10 }).state).toBe('progressing');
  });

  it('treats a Deployment scaled to zero as complete once updated', () => {
    const v = evaluateRollout(at(fixture('scaled-to-zero'), 0));
    expect(v).toEqual({ state: 'complete', message: expect.stringContaining('scaled to zero') });
  });

  it('waits for lingering old replicas to terminate', () => {
    const v = evaluateRollout(at(fixture('old-replicas-lingering'), 0));
    expect(v.state).toBe('progressing');
    expect(v.message).toContain('1 old replicas are pending termination');
  });

  it('reports a paused Deployment as progressing with the reason it will not move', () => {
    const v = evaluateRollout(at(fixture('paused'), 0));
    expect(v.state).toBe('progressing');
    expect(v.message).toContain('paused');
  });

  it('finds the new ReplicaSet by revision annotation, and by pod template when annotations are absent', () => {
    const step = at(fixture('healthy'), 2);
    const byRevision = findNewReplicaSet(step.deployment, step.replicaSets) as {
      metadata: { name: string };
    };
    expect(byRevision.metadata.name).toBe('score-api-5d4b9c8f7');

    const stripped = structuredClone(step);
    for (const o of [stripped.deployment, ...stripped.replicaSets]) {
      delete (o as { metadata: { annotations?: unknown } }).metadata.annotations;
    }
    const byTemplate = findNewReplicaSet(stripped.deployment, stripped.replicaSets) as {
      metadata: { name: string };
    };
    expect(byTemplate.metadata.name).toBe('score-api-5d4b9c8f7');
    // Pods still fail fast via the template match.
    const crash = structuredClone(at(fixture('crash-loop'), 0));
    for (const o of [crash.deployment, ...crash.replicaSets]) {
      delete (o as { metadata: { annotations?: unknown } }).metadata.annotations;
    }
    expect(evaluateRollout(crash).state).toBe('failed');
  });
});
