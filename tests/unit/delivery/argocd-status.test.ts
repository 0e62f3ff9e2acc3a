import { readFileSync } from 'node:fs';
import { evaluateApplication, isSyncedTo } from '../../../gitops/rules/argocd-status.js';

const fx = JSON.parse(
  readFileSync(new URL('./fixtures/argocd-sequence.json', import.meta.url), 'utf8'),
) as { oldRevision: string; newRevision: string; apps: Record<string, Record<string, unknown>> };

function app(name: string): Record<string, unknown> {
  const a = fx.apps[name];
  if (!a) throw new Error(`no fixture app ${name}`);
  return a;
}

const NEW = fx.newRevision;
const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 9, 10, s));

describe('evaluateApplication (Argo CD Application status)', () => {
  it('is pending while Argo CD still tracks the old revision, naming both revisions', () => {
    const v = evaluateApplication(app('pending-old-revision'), NEW, at(30));
    expect(v.state).toBe('pending');
    expect(v.message).toContain(NEW.slice(0, 12));
    expect(v.message).toContain(fx.oldRevision.slice(0, 12));
    // The very same object is live for the old revision.
    expect(evaluateApplication(app('pending-old-revision'), fx.oldRevision, at(30)).state).toBe(
      'live',
    );
  });

  it('is pending while compared OutOfSync and while the sync operation runs', () => {
    expect(evaluateApplication(app('out-of-sync-new'), NEW, at(30)).message).toContain(
      'successful sync',
    );
    const running = evaluateApplication(app('sync-running'), NEW, at(30));
    expect(running.state).toBe('pending');
    expect(running.message).toContain('Running');
  });

  it('is pending when synced but the health is Progressing, quoting the health message', () => {
    const v = evaluateApplication(app('synced-progressing'), NEW, at(30));
    expect(v).toEqual({
      state: 'pending',
      message: expect.stringContaining('1 out of 2 new replicas'),
    });
    expect(isSyncedTo(app('synced-progressing'), NEW)).toBe(true);
  });

  it('goes live only after the settle window since the last transition', () => {
    const a = app('healthy-settling'); // health turned Healthy at :20
    expect(evaluateApplication(a, NEW, at(22), 5000)).toEqual({
      state: 'pending',
      message: expect.stringContaining('settling (3s left)'),
    });
    expect(evaluateApplication(a, NEW, at(25), 5000).state).toBe('live');
    expect(evaluateApplication(a, NEW, at(21), 0).state).toBe('live');
  });

  it('reports degraded health for the revision', () => {
    const v = evaluateApplication(app('degraded'), NEW, at(50));
    expect(v.state).toBe('degraded');
    expect(v.message).toContain('exceeded its progress deadline');
  });

  it('does not blame the revision for a Degraded health that predates its sync', () => {
    const stale = structuredClone(app('degraded')) as {
      status: { health: { lastTransitionTime: string }; operationState: { finishedAt: string } };
    };
    stale.status.operationState.finishedAt = '2026-11-23T09:10:45Z'; // degraded at :40, synced at :45
    const v = evaluateApplication(stale, NEW, at(50));
    expect(v.state).toBe('pending');
    expect(v.message).toContain('since before the sync');
  });

  it('reports a failed sync operation for the revision with the failing resource', () => {
    const v = evaluateApplication(app('operation-failed'), NEW, at(30));
    expect(v.state).toBe('failed');
    expect(v.message).toContain('Deployment/score-api');
    expect(v.message).toContain('Required value');
    // A failed operation for another revision says nothing about this one.
    expect(evaluateApplication(app('operation-failed'), 'f'.repeat(40), at(30)).state).toBe(
      'pending',
    );
  });

  it('keeps a ComparisonError pending with its message: Argo CD retries the comparison', () => {
    const v = evaluateApplication(app('comparison-error'), NEW, at(30));
    expect(v.state).toBe('pending');
    expect(v.message).toContain('Argo CD reports ComparisonError');
    expect(v.message).toContain('until the deadline');
  });

  it('keeps a sync operation Argo CD is retrying pending, and fails it once the retries are spent', () => {
    const retrying = structuredClone(app('operation-failed')) as {
      status: { operationState: Record<string, unknown> };
    };
    Object.assign(retrying.status.operationState, {
      phase: 'Running',
      retryCount: 2,
      message:
        'one or more objects failed to apply, reason: Deployment.apps "score-api" is invalid. Retrying attempt #2 at 9:11AM.',
    });
    const v = evaluateApplication(retrying, NEW, at(30));
    expect(v.state).toBe('pending');
    expect(v.message).toContain('Argo CD retry 2');
    expect(v.message).toContain('Retrying attempt #2');
    Object.assign(retrying.status.operationState, {
      phase: 'Failed',
      retryCount: 5,
      message: 'one or more objects failed to apply (retried 5 times).',
    });
    expect(evaluateApplication(retrying, NEW, at(30))).toEqual({
      state: 'failed',
      message: expect.stringContaining('(retried 5 times)'),
    });
  });

  it('keeps a Suspended application pending (the rollout says why)', () => {
    const suspended = structuredClone(app('healthy-settling')) as {
      status: { health: { status: string; message?: string } };
    };
    suspended.status.health = { status: 'Suspended', message: 'Deployment is paused' };
    const v = evaluateApplication(suspended, NEW, at(40));
    expect(v.state).toBe('pending');
    expect(v.message).toContain('Suspended');
  });

  it('matches a multi-source application through its revisions arrays', () => {
    const multi = structuredClone(app('healthy-settling')) as {
      status: {
        sync: Record<string, unknown>;
        operationState: { syncResult: Record<string, unknown> };
      };
    };
    delete multi.status.sync.revision;
    multi.status.sync.revisions = ['1'.repeat(40), NEW];
    delete multi.status.operationState.syncResult.revision;
    multi.status.operationState.syncResult.revisions = ['1'.repeat(40), NEW];
    expect(evaluateApplication(multi, NEW, at(40)).state).toBe('live');
  });
});
