import { readFileSync } from 'node:fs';
import { verifyRollout } from '../../../gitops/flows/verify.js';
import type { Clock, LineageSource } from '../../../gitops/flows/verify.js';
import type { Pin, Relation } from '../../../gitops/rules/revision-lineage.js';
import type { KubeClient } from '../../../gitops/adapters/kube-api.js';
import { KubeApiError } from '../../../gitops/adapters/kube-api.js';
import { InputError } from '../../../gitops/errors.js';
import type { RevertOptions, RevertResult } from '../../../gitops/flows/revert.js';

type Obj = Record<string, unknown>;
interface RolloutStep {
  deployment: Obj;
  replicaSets: Obj[];
  pods: Obj[];
  events?: Obj[];
}
const fixtures = new URL('./fixtures/', import.meta.url);
const cache = new Map<string, unknown>();
const load = <T>(name: string): T => {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')));
  return structuredClone(cache.get(name)) as T;
};
const argo = load<{ oldRevision: string; newRevision: string; apps: Record<string, Obj> }>(
  'argocd-sequence.json',
);
const rollout = (name: string, i: number): RolloutStep => {
  const step = load<RolloutStep[]>(`rollout-${name}.json`)[i];
  if (!step) throw new Error(`no step ${i} in ${name}`);
  return step;
};
const app = (name: string): Obj => {
  const a = argo.apps[name];
  if (!a) throw new Error(name);
  return structuredClone(a);
};
/** The same Application, re-pointed at another revision (as after Argo CD synced a revert). */
const appAt = (name: string, revision: string): Obj => {
  const a = app(name) as {
    status: {
      sync: { revision: string };
      operationState: {
        operation: { sync: { revision: string } };
        syncResult: { revision: string };
      };
    };
  };
  a.status.sync.revision = revision;
  a.status.operationState.syncResult.revision = revision;
  a.status.operationState.operation.sync.revision = revision;
  return a as unknown as Obj;
};

const NEW = argo.newRevision;
const REVERT = 'e'.repeat(40);

/** A clock at 09:10:00 on the fixtures' day whose sleep advances time instantly. */
function fakeClock(): Clock & { sleeps: number } {
  let now = Date.UTC(2026, 10, 23, 9, 10, 0);
  const clock = {
    sleeps: 0,
    now: () => now,
    sleep: async (ms: number) => {
      clock.sleeps += 1;
      now += ms;
    },
  };
  return clock;
}

interface Frame {
  app: Obj;
  rollout: RolloutStep;
}
/** An in-memory KubeClient that serves `frames[i]` where i advances with every poll of the application. */
type SmokeAnswer = { status: number; body: string };
const SETOSA: SmokeAnswer = {
  status: 200,
  body: JSON.stringify({ score: [{ label: 'setosa' }], model: { version: '1.0.0' } }),
};

function scriptedKube(frames: () => Frame[]): KubeClient & {
  refreshes: number;
  polls: number;
  failNext?: Error;
  smoke: SmokeAnswer[];
  smokeRequests: unknown[];
} {
  const k = {
    refreshes: 0,
    polls: 0,
    failNext: undefined as Error | undefined,
    /** Answers to the smoke requests, in order; the last one repeats. */
    smoke: [SETOSA],
    smokeRequests: [] as unknown[],
    current(): Frame {
      const list = frames();
      const f = list[Math.min(k.polls - 1, list.length - 1)];
      if (!f) throw new Error('no frames');
      return f;
    },
    async getApplication() {
      if (k.failNext) {
        const e = k.failNext;
        k.failNext = undefined;
        throw e;
      }
      k.polls += 1;
      return k.current().app;
    },
    async refreshApplication() {
      k.refreshes += 1;
    },
    async getDeployment() {
      return k.current().rollout.deployment;
    },
    async listReplicaSets() {
      return k.current().rollout.replicaSets;
    },
    async listPods() {
      return k.current().rollout.pods;
    },
    async listEvents() {
      return k.current().rollout.events ?? [];
    },
    async postServiceProxy(req: unknown) {
      k.smokeRequests.push(req);
      return k.smoke[Math.min(k.smokeRequests.length - 1, k.smoke.length - 1)] as SmokeAnswer;
    },
  };
  return k;
}

/** A lineage where `descendants` descend from NEW and pin what `pins` says (NEW pins '1'). */
function lineage(descendants: Record<string, string>): LineageSource & { asked: string[] } {
  const pinOf = (digit: string): Pin[] => [
    {
      name: 'score-api',
      newName: 'registry.local/score-api',
      digest: `sha256:${digit.repeat(64)}`,
    },
  ];
  const asked: string[] = [];
  return {
    asked,
    relation: async (bump, live): Promise<Relation> => {
      asked.push(live);
      return bump === live ? 'same' : live in descendants ? 'descendant' : 'ancestor';
    },
    pins: async (revision) => pinOf(revision === NEW ? '2' : (descendants[revision] ?? '0')),
  };
}

const base = {
  app: 'score-api-minikube',
  revision: NEW,
  deployment: 'score-api',
  namespace: 'score',
  // No revert in the repository before the run, unless a test says otherwise.
  findRevert: async () => undefined,
  // No repository to read the lineage of another revision from, unless a test says otherwise.
  lineage: {
    relation: async (): Promise<Relation> => 'unknown',
    pins: async () => undefined,
  } as LineageSource,
};

describe('verifyRollout with an in-memory cluster and a fake clock', () => {
  it('reports healthy after sync, rollout and the settle window, with timings and a timeline', async () => {
    const clock = fakeClock();
    const kube = scriptedKube(() => [
      { app: app('pending-old-revision'), rollout: rollout('healthy', 0) },
      { app: app('synced-progressing'), rollout: rollout('healthy', 1) },
      { app: app('synced-progressing'), rollout: rollout('healthy', 3) },
      { app: app('healthy-settling'), rollout: rollout('healthy', 4) },
    ]);
    const res = await verifyRollout({ ...base, kube, clock, pollMs: 2000, timeoutMs: 60_000 });
    expect(res.result).toBe('healthy');
    expect(res.timings.toSyncedMs).toBe(2000);
    // Healthy since :20 in the fixture, settle 5 s -> first poll at or after :25.
    expect(res.timings.toReadyMs).toBe(26_000);
    expect(kube.refreshes).toBe(1);
    expect(res.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('requesting an Argo CD refresh'),
        expect.stringContaining('Argo CD synced'),
        expect.stringContaining('settling'),
        expect.stringContaining('healthy'),
      ]),
    );
    expect(res.timeline.every((e, i, all) => i === 0 || e.atMs >= (all[i - 1]?.atMs ?? 0))).toBe(
      true,
    );
  });

  it('does not judge the old Deployment before Argo CD has synced the revision', async () => {
    const clock = fakeClock();
    // The old release crash-loops, but the new revision is not synced yet: nothing is decided from it.
    const kube = scriptedKube(() => [
      { app: app('pending-old-revision'), rollout: rollout('crash-loop', 0) },
    ]);
    const res = await verifyRollout({ ...base, kube, clock, timeoutMs: 10_000 });
    expect(res.result).toBe('failed');
    expect(res.reason).toContain('timed out after 10s waiting for waiting for Argo CD to compare');
  });

  it('rolls back a crash-looping release: reverts the revision once and waits for the recovery', async () => {
    const clock = fakeClock();
    let reverted = false;
    const calls: RevertOptions[] = [];
    const revert = async (o: RevertOptions): Promise<RevertResult> => {
      calls.push(o);
      const status = reverted ? 'already-reverted' : 'reverted';
      reverted = true;
      return {
        status,
        commit: REVERT,
        revertedSourceCommit: 'c'.repeat(40),
        environment: 'minikube',
        pushed: status === 'reverted',
      };
    };
    const kube = scriptedKube(() =>
      reverted
        ? [
            { app: app('synced-progressing'), rollout: rollout('crash-loop', 0) },
            { app: appAt('synced-progressing', REVERT), rollout: rollout('healthy', 3) },
            { app: appAt('pending-old-revision', REVERT), rollout: rollout('healthy', 4) },
          ]
        : [
            { app: app('out-of-sync-new'), rollout: rollout('healthy', 0) },
            { app: app('synced-progressing'), rollout: rollout('crash-loop', 0) },
          ],
    );
    const res = await verifyRollout({
      ...base,
      kube,
      clock,
      rollback: { repo: '/srv/gitops.git', branch: 'main' },
      revert,
    });
    expect(res.result).toBe('rolled-back');
    expect(res.reason).toMatch(/^rollout failed: CrashLoopBackOff: pod score-api-5d4b9c8f7-k1m2n/);
    expect(res.revertCommit).toBe(REVERT);
    expect(res.revertStatus).toBe('reverted');
    expect(calls).toEqual([
      expect.objectContaining({
        repo: '/srv/gitops.git',
        branch: 'main',
        commit: NEW,
        push: true,
        reason: res.reason,
      }),
    ]);
    expect(kube.refreshes).toBe(2);
    expect(res.timings.toSyncedMs).toBeDefined();
    expect(res.timings.toRecoveredMs).toBeGreaterThan(res.timings.toSyncedMs ?? 0);
    expect(res.timings.toReadyMs).toBeUndefined();
  });

  it('on a second run finds the release already reverted and only waits for the recovery', async () => {
    const clock = fakeClock();
    const calls: RevertOptions[] = [];
    const revert = async (o: RevertOptions): Promise<RevertResult> => {
      calls.push(o);
      return {
        status: 'already-reverted',
        commit: REVERT,
        revertedSourceCommit: 'c'.repeat(40),
        environment: 'minikube',
        pushed: false,
      };
    };
    const kube = scriptedKube(() => [
      { app: appAt('pending-old-revision', REVERT), rollout: rollout('healthy', 4) },
    ]);
    const res = await verifyRollout({
      ...base,
      kube,
      clock,
      timeoutMs: 300_000,
      rollback: { repo: '/srv/gitops.git' },
      revert,
      findRevert: async (commit) => (commit === NEW ? REVERT : undefined),
    });
    expect(res.result).toBe('rolled-back');
    expect(res.revertStatus).toBe('already-reverted');
    expect(res.reason).toContain(`already reverted by ${REVERT.slice(0, 12)}`);
    expect(calls).toHaveLength(1);
    // It went straight to the recovery instead of waiting out the 300 s timeout for a revision that is gone.
    expect(res.timings.toRecoveredMs).toBeLessThan(10_000);
    expect(res.timings.toSyncedMs).toBeUndefined();
    expect(res.timeline.map((e) => e.event)).toContainEqual(
      expect.stringContaining('already reverted by eeeeeeeeeeee'),
    );
  });

  it('reverts a given bump commit instead of the revision when told to', async () => {
    const clock = fakeClock();
    const bump = 'b'.repeat(40);
    const calls: RevertOptions[] = [];
    const kube = scriptedKube(() => [
      { app: app('degraded'), rollout: rollout('readiness-never', 2) },
    ]);
    const res = await verifyRollout({
      ...base,
      kube,
      clock,
      timeoutMs: 4000,
      rollback: { repo: '/srv/gitops.git', commit: bump },
      revert: async (o) => {
        calls.push(o);
        return {
          status: 'reverted',
          commit: REVERT,
          revertedSourceCommit: 'c'.repeat(40),
          environment: 'minikube',
          pushed: true,
        };
      },
    });
    expect(calls[0]?.commit).toBe(bump);
    expect(res.reason).toContain('Argo CD degraded');
    // Argo CD never picks the revert up in this script: the recovery times out with what it waited for.
    expect(res.result).toBe('failed');
    expect(res.reason).toContain('recovery was not observed in time');
    expect(res.reason).toContain('waiting for Argo CD to pick up revert');
  });

  it('retries transient API errors and stops on bad credentials without reverting', async () => {
    const clock = fakeClock();
    const kube = scriptedKube(() => [
      { app: app('healthy-settling'), rollout: rollout('healthy', 4) },
    ]);
    kube.failNext = new KubeApiError(
      'get Argo CD application argocd/score-api-minikube',
      0,
      'ECONNRESET',
    );
    const res = await verifyRollout({ ...base, kube, clock });
    expect(res.result).toBe('healthy');
    expect(res.timeline.map((e) => e.event)).toContainEqual(expect.stringContaining('ECONNRESET'));

    const calls: RevertOptions[] = [];
    const denied = scriptedKube(() => [
      { app: app('healthy-settling'), rollout: rollout('healthy', 4) },
    ]);
    denied.failNext = new KubeApiError(
      'get Argo CD application argocd/score-api-minikube',
      401,
      'Unauthorized',
    );
    await expect(
      verifyRollout({
        ...base,
        kube: denied,
        clock: fakeClock(),
        rollback: { repo: '/srv/gitops.git' },
        revert: async (o) => {
          calls.push(o);
          throw new Error('must not be called');
        },
      }),
    ).rejects.toThrow(/HTTP 401/);
    expect(calls).toHaveLength(0);
  });

  it('never rolls back when the cluster could not be read at all during the wait', async () => {
    const calls: RevertOptions[] = [];
    const kube = scriptedKube(() => [
      { app: app('healthy-settling'), rollout: rollout('healthy', 4) },
    ]);
    kube.getApplication = async () => {
      throw new KubeApiError(
        'get Argo CD application argocd/score-api-minikube',
        0,
        'connect ECONNREFUSED 10.0.0.1:443',
      );
    };
    await expect(
      verifyRollout({
        ...base,
        kube,
        clock: fakeClock(),
        timeoutMs: 10_000,
        rollback: { repo: '/srv/gitops.git' },
        revert: async (o) => {
          calls.push(o);
          throw new Error('must not be called');
        },
      }),
    ).rejects.toThrow(
      /could not read argocd\/score-api-minikube from the cluster in 10s: .*ECONNREFUSED/,
    );
    expect(calls).toHaveLength(0);
  });

  it('retries a refresh that hits a connection blip', async () => {
    const kube = scriptedKube(() => [
      { app: app('healthy-settling'), rollout: rollout('healthy', 4) },
    ]);
    let attempts = 0;
    kube.refreshApplication = async () => {
      attempts += 1;
      if (attempts === 1) throw new KubeApiError('refresh', 503, 'etcd leader changed');
    };
    const res = await verifyRollout({ ...base, kube, clock: fakeClock() });
    expect(res.result).toBe('healthy');
    expect(attempts).toBe(2);
  });

  it('judges a never-ready release by its readiness budget, names the probe failure and reverts it', async () => {
    const clock = fakeClock();
    const calls: RevertOptions[] = [];
    let reverted = false;
    // The never-ready fixture's pod started at 09:00:05 and failed readiness from 09:00:09 (404).
    const synced = app('synced-progressing');
    const kube = scriptedKube(() =>
      reverted
        ? [{ app: appAt('pending-old-revision', REVERT), rollout: rollout('healthy', 4) }]
        : [{ app: synced, rollout: rollout('never-ready', 0) }],
    );
    const at = (iso: string) => Date.parse(iso);
    const start = at('2026-11-23T09:00:10Z');
    clock.now = (() => {
      let now = start;
      clock.sleep = async (ms: number) => {
        now += ms;
      };
      return () => now;
    })();
    const res = await verifyRollout({
      ...base,
      kube,
      clock,
      pollMs: 1000,
      // The recovered Application's fixture settles at 09:10, ten minutes after this pod's clock.
      recoveryTimeoutMs: 700_000,
      rollback: { repo: '/srv/gitops.git' },
      revert: async (o) => {
        calls.push(o);
        reverted = true;
        return {
          status: 'reverted',
          commit: REVERT,
          revertedSourceCommit: 'c'.repeat(40),
          environment: 'minikube',
          pushed: true,
        };
      },
    });
    expect(res.result).toBe('rolled-back');
    expect(res.reason).toMatch(
      /^rollout failed: ReadinessProbeFailed: pod score-api-5d4b9c8f7-k1m2n/,
    );
    expect(res.reason).toContain('Readiness probe failed: HTTP probe failed with statuscode: 404');
    // 09:00:09 + 10 s + 5 s margin = 09:00:24, 14 s after verify started.
    const failedAt = res.timeline.find((e) => e.event.startsWith('verification failed'))?.atMs;
    expect(failedAt).toBe(14_000);
    expect(calls).toHaveLength(1);
  });

  it('never reverts a paused Deployment: suspended', async () => {
    const kube = scriptedKube(() => [
      { app: app('synced-progressing'), rollout: rollout('paused', 0) },
    ]);
    const calls: RevertOptions[] = [];
    const res = await verifyRollout({
      ...base,
      kube,
      clock: fakeClock(),
      rollback: { repo: '/srv/gitops.git' },
      revert: async (o) => {
        calls.push(o);
        throw new Error('must not be called');
      },
    });
    expect(res.result).toBe('suspended');
    expect(res.reason).toContain('is paused');
    expect(calls).toHaveLength(0);
  });

  it('follows a descendant that pins the same image, and judges the Deployment by its digest', async () => {
    const DESC = 'd'.repeat(40);
    const kube = scriptedKube(() => [
      { app: appAt('synced-progressing', DESC), rollout: rollout('healthy', 3) },
      { app: appAt('healthy-settling', DESC), rollout: rollout('healthy', 4) },
    ]);
    const lin = lineage({ [DESC]: '2' });
    const res = await verifyRollout({ ...base, kube, clock: fakeClock(), lineage: lin });
    expect(res.result).toBe('healthy');
    expect(res.liveRevision).toBe(DESC);
    expect(res.smoke).toContain('labelled the known input "setosa"');
    expect(res.timeline.map((e) => e.event)).toContainEqual(
      expect.stringContaining(
        `Argo CD synced ${DESC.slice(0, 12)} (Argo CD tracks ${DESC.slice(0, 12)}, a descendant`,
      ),
    );
    // Each revision's lineage is asked once.
    expect(lin.asked).toEqual([DESC]);
  });

  it('waits while the Deployment does not run the digest the bump pins', async () => {
    const DESC = 'd'.repeat(40);
    const kube = scriptedKube(() => [
      { app: appAt('healthy-settling', DESC), rollout: rollout('healthy', 4) },
    ]);
    // The repository says the bump pins digest 5..., the live template runs 2...: never healthy.
    const lin = lineage({ [DESC]: '5' });
    lin.pins = async () => [{ name: 'score-api', digest: `sha256:${'5'.repeat(64)}` }];
    const res = await verifyRollout({
      ...base,
      kube,
      clock: fakeClock(),
      timeoutMs: 60_000,
      lineage: lin,
    });
    expect(res.result).toBe('failed');
    expect(res.reason).toContain("does not pin the release's image yet");
  });

  it('calls a release a newer bump replaced superseded and never reverts it', async () => {
    const NEWER = 'f'.repeat(40);
    const kube = scriptedKube(() => [
      { app: appAt('synced-progressing', NEWER), rollout: rollout('crash-loop', 0) },
    ]);
    const calls: RevertOptions[] = [];
    const res = await verifyRollout({
      ...base,
      kube,
      clock: fakeClock(),
      lineage: lineage({ [NEWER]: '7' }),
      rollback: { repo: '/srv/gitops.git' },
      revert: async (o) => {
        calls.push(o);
        throw new Error('must not be called');
      },
    });
    expect(res.result).toBe('superseded');
    expect(res.supersededBy).toBe(NEWER);
    expect(res.reason).toContain('pins other images');
    expect(calls).toHaveLength(0);
  });

  it('rolls back a release whose Service answers the known input wrongly', async () => {
    const kube = scriptedKube(() => [
      { app: app('healthy-settling'), rollout: rollout('healthy', 4) },
    ]);
    kube.smoke = [{ status: 200, body: JSON.stringify({ score: [{ label: 'virginica' }] }) }];
    const calls: RevertOptions[] = [];
    const res = await verifyRollout({
      ...base,
      kube,
      clock: fakeClock(),
      recoveryTimeoutMs: 2000,
      rollback: { repo: '/srv/gitops.git' },
      revert: async (o) => {
        calls.push(o);
        return {
          status: 'reverted',
          commit: REVERT,
          revertedSourceCommit: 'c'.repeat(40),
          environment: 'minikube',
          pushed: true,
        };
      },
    });
    expect(calls).toHaveLength(1);
    expect(res.reason).toMatch(
      /^smoke request failed: service score\/score-api:http: POST \/score labelled/,
    );
    expect(res.smoke).toContain('expected "setosa"');
    expect(kube.smokeRequests[0]).toMatchObject({
      namespace: 'score',
      service: 'score-api',
      port: 'http',
      path: 'score',
      body: { X: [5.1, 3.5, 1.4, 0.2] },
    });
  });

  it('tries a smoke request the Service did not answer again, and skips it when told to', async () => {
    const frames = () => [{ app: app('healthy-settling'), rollout: rollout('healthy', 4) }];
    const kube = scriptedKube(frames);
    kube.smoke = [
      {
        status: 503,
        body: JSON.stringify({ kind: 'Status', message: 'no endpoints available for service' }),
      },
      SETOSA,
    ];
    const res = await verifyRollout({ ...base, kube, clock: fakeClock() });
    expect(res.result).toBe('healthy');
    expect(kube.smokeRequests).toHaveLength(2);

    const skipped = scriptedKube(frames);
    const res2 = await verifyRollout({ ...base, kube: skipped, clock: fakeClock(), smoke: false });
    expect(res2.result).toBe('healthy');
    expect(res2.smoke).toBeUndefined();
    expect(skipped.smokeRequests).toHaveLength(0);
  });

  it('keeps waiting through an Argo CD ComparisonError and names it when time runs out', async () => {
    const kube = scriptedKube(() => [
      { app: app('comparison-error'), rollout: rollout('healthy', 4) },
    ]);
    const res = await verifyRollout({ ...base, kube, clock: fakeClock(), timeoutMs: 20_000 });
    expect(res.result).toBe('failed');
    expect(res.reason).toMatch(/^timed out after 20s waiting for Argo CD reports ComparisonError/);
  });

  it('rejects bad input before touching the cluster', async () => {
    const kube = scriptedKube(() => []);
    await expect(verifyRollout({ ...base, kube, revision: 'main' })).rejects.toThrow(InputError);
    await expect(verifyRollout({ ...base, kube, deployment: 'Score_API' })).rejects.toThrow(
      /deployment/,
    );
    await expect(verifyRollout({ ...base, kube, timeoutMs: -1 })).rejects.toThrow(/timeout/);
    await expect(verifyRollout({ ...base, kube, smoke: { port: 'Not a port!' } })).rejects.toThrow(
      /service-port/,
    );
    expect(kube.refreshes + kube.polls).toBe(0);
  });
});
