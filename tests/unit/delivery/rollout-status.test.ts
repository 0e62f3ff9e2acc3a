import { readFileSync } from 'node:fs';
import {
  evaluateRollout,
  findNewReplicaSet,
  isFatalWaitingReason,
} from '../../../gitops/rules/rollout-status.js';
import type { RolloutVerdict } from '../../../gitops/rules/rollout-status.js';

interface Step {
  deployment: Record<string, unknown>;
  replicaSets: Record<string, unknown>[];
  pods: Record<string, unknown>[];
  events?: Record<string, unknown>[];
}

interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: Record<string, unknown>;
  lastState?: Record<string, unknown>;
}
/** The crash-loop fixture's new pod (index 2), whose first container status a test rewrites. */
function newPodStatus(step: Step): {
  status: { containerStatuses: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
} {
  return step.pods[2] as never;
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

  describe('readiness budget', () => {
    const never = (): Step => structuredClone(at(fixture('never-ready'), 0));
    const t = (hms: string): Date => new Date(`2026-11-23T${hms}Z`);

    it('fails a running pod that never becomes ready once its readiness probe has used its budget, naming the last probe failure', () => {
      // Started 09:00:05; first readiness failure 09:00:09; readiness 0 + 5 × 2 = 10 s + 5 s margin.
      expect(evaluateRollout({ ...never(), now: t('09:00:23') }).state).toBe('progressing');
      const v = failed(evaluateRollout({ ...never(), now: t('09:00:24') }));
      expect(v.reason).toBe('ReadinessProbeFailed');
      expect(v.message).toContain(
        'pod score-api-5d4b9c8f7-k1m2n container score-api not ready 15s',
      );
      expect(v.message).toContain('Readiness probe failed: HTTP probe failed with statuscode: 404');
      expect(v.message).toContain('first readiness failure, then readiness 0 + 5 × 2 = 10s');
    });

    it('without events, gives the startup probe its whole budget first', () => {
      // 09:00:05 + startup 0 + 2 × 15 = 30 s + readiness 10 s + 5 s margin = 09:00:50.
      const step = { ...never(), events: [] };
      expect(evaluateRollout({ ...step, now: t('09:00:49') }).state).toBe('progressing');
      const v = failed(evaluateRollout({ ...step, now: t('09:00:50') }));
      expect(v.message).toContain('start + startup 30s');
      expect(v.message).toContain('no Readiness probe failed event found');
    });

    it("ignores another pod's events and a failure from the container's previous instance", () => {
      const step = never();
      const own = step.events![1] as { firstTimestamp: string; lastTimestamp: string };
      own.firstTimestamp = '2026-11-23T08:58:00Z';
      own.lastTimestamp = '2026-11-23T08:59:00Z'; // before this instance started at 09:00:05
      expect(evaluateRollout({ ...step, now: t('09:00:40') }).state).toBe('progressing');
      // A series that started in the previous instance and went on in this one counts from its last time.
      own.lastTimestamp = '2026-11-23T09:00:12Z';
      expect(evaluateRollout({ ...step, now: t('09:00:26') }).state).toBe('progressing');
      expect(evaluateRollout({ ...step, now: t('09:00:27') }).state).toBe('failed');
    });

    it('does not judge a pod that became ready, nor one without a readiness probe', () => {
      const ready = never();
      newPodStatus(ready).status.containerStatuses[0]!.ready = true;
      expect(evaluateRollout({ ...ready, now: t('09:05:00') }).state).toBe('progressing');
      const noProbe = never();
      delete (noProbe.pods[2] as { spec: { containers: { readinessProbe?: unknown }[] } }).spec
        .containers[0]!.readinessProbe;
      expect(evaluateRollout({ ...noProbe, now: t('09:05:00') }).state).toBe('progressing');
    });

    it('counts the readiness probe from the start when there is no startup probe', () => {
      const step = { ...never(), events: [] };
      delete (step.pods[2] as { spec: { containers: { startupProbe?: unknown }[] } }).spec
        .containers[0]!.startupProbe;
      // 09:00:05 + 10 s + 5 s.
      expect(evaluateRollout({ ...step, now: t('09:00:19') }).state).toBe('progressing');
      expect(evaluateRollout({ ...step, now: t('09:00:20') }).state).toBe('failed');
    });
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

  it('reports a paused Deployment as suspended, with how to resume it', () => {
    const v = evaluateRollout(at(fixture('paused'), 0));
    expect(v.state).toBe('suspended');
    expect(v.message).toContain('kubectl rollout resume deployment/score-api');
    // Paused mid-rollout with a crashing new pod: still suspended (nothing to revert while paused).
    const crash = structuredClone(at(fixture('crash-loop'), 0));
    (crash.deployment as { spec: { paused?: boolean } }).spec.paused = true;
    expect(evaluateRollout(crash).state).toBe('suspended');
  });

  it.each([
    'ErrImageNeverPull',
    'ImageInspectError',
    'RunContainerError',
    'CreateContainerConfigError',
    'PostStartHookError',
    'PreCreateHookError',
    'CrashLoopBackOff',
    'ImagePullBackOff',
    'InvalidImageName',
  ])('fails fast on the waiting reason %s, as Argo CD calls it Degraded', (reason) => {
    const step = structuredClone(at(fixture('crash-loop'), 0));
    const c = newPodStatus(step).status.containerStatuses[0]!;
    c.state = { waiting: { reason, message: `${reason} from the kubelet` } };
    const v = failed(evaluateRollout(step));
    expect(v.reason).toBe(reason);
    expect(v.message).toContain(`${reason} from the kubelet`);
  });

  it.each(['ContainerCreating', 'PodInitializing'])(
    'keeps waiting through the normal waiting reason %s',
    (reason) => {
      expect(isFatalWaitingReason(reason)).toBe(false);
      const step = structuredClone(at(fixture('crash-loop'), 0));
      const c = newPodStatus(step).status.containerStatuses[0]!;
      c.state = { waiting: { reason } };
      c.restartCount = 0;
      delete c.lastState;
      expect(evaluateRollout(step).state).toBe('progressing');
    },
  );

  it('applies the waiting reasons to init containers too', () => {
    const step = structuredClone(at(fixture('crash-loop'), 0));
    const pod = newPodStatus(step);
    const main = pod.status.containerStatuses[0]!;
    main.state = { waiting: { reason: 'PodInitializing' } };
    main.restartCount = 0;
    delete main.lastState;
    pod.status.initContainerStatuses = [
      {
        name: 'migrate',
        ready: false,
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
        lastState: { terminated: { exitCode: 2, reason: 'Error' } },
      },
    ];
    const v = failed(evaluateRollout(step));
    expect(v.reason).toBe('CrashLoopBackOff');
    expect(v.message).toContain('container migrate');
    expect(v.message).toContain('exit code 2');
  });

  it('fails a container that exited non-zero again after its second restart, without waiting for the back-off', () => {
    const step = structuredClone(at(fixture('crash-loop'), 0));
    const c = newPodStatus(step).status.containerStatuses[0]!;
    // Between two back-offs: terminated, not yet waiting in CrashLoopBackOff.
    c.state = { terminated: { exitCode: 1, reason: 'Error', message: 'model load failed' } };
    c.restartCount = 2;
    const v = failed(evaluateRollout(step));
    expect(v.reason).toBe('ExitedNonZero');
    expect(v.message).toContain('after 2 restarts');
    expect(v.message).toContain('model load failed');
    // Running again after the second restart but not ready, last exit OOMKilled: named by its reason.
    c.state = { running: { startedAt: '2026-11-23T09:00:20Z' } };
    c.lastState = { terminated: { exitCode: 137, reason: 'OOMKilled' } };
    expect(failed(evaluateRollout(step)).reason).toBe('OOMKilled');
  });

  it('allows a single restart after an error (a dependency not up yet) and a ready restarted container', () => {
    const step = structuredClone(at(fixture('crash-loop'), 0));
    const c = newPodStatus(step).status.containerStatuses[0]!;
    c.state = { running: { startedAt: '2026-11-23T09:00:20Z' } };
    c.lastState = { terminated: { exitCode: 1, reason: 'Error' } };
    c.restartCount = 1;
    expect(evaluateRollout(step).state).toBe('progressing');
    c.restartCount = 2;
    c.ready = true;
    expect(evaluateRollout(step).state).toBe('progressing');
  });

  it('leaves an unschedulable pod to the progress deadline (a node may still be added)', () => {
    const step = structuredClone(at(fixture('crash-loop'), 0));
    const pod = step.pods[2] as {
      spec: { nodeName?: string };
      status: Record<string, unknown>;
    };
    delete pod.spec.nodeName;
    pod.status = {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
        },
      ],
    };
    const v = evaluateRollout({ ...step, now: new Date('2026-11-23T09:30:00Z') });
    expect(v.state).toBe('progressing');
    expect(v.message).toContain('not scheduled: Unschedulable 0/3 nodes are available');
  });

  it('waits while the Deployment does not pin the release digest yet, whatever its counters say', () => {
    const step = at(fixture('healthy'), 4);
    const digest = `sha256:${'2'.repeat(64)}`;
    expect(evaluateRollout({ ...step, expectedDigests: [digest] }).state).toBe('complete');
    const other = `sha256:${'9'.repeat(64)}`;
    const v = evaluateRollout({ ...step, expectedDigests: [other] });
    expect(v.state).toBe('progressing');
    expect(v.message).toContain(`the release pins ${other}`);
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
