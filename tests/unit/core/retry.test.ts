import { backoffDelay, retry } from '../../../gitops/retry.js';

function recorder(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
}

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, scaled by the injected random', () => {
    const max = (attempt: number) =>
      backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 10].map(max)).toEqual([99, 199, 399, 799, 999, 999]);
  });
  it('never waits zero (a tight spin) even when random returns 0', () => {
    expect(backoffDelay(3, { random: () => 0 })).toBe(1);
  });
  it('stays within [1, ceiling] for arbitrary random values', () => {
    for (let i = 0; i < 200; i += 1) {
      const r = (i * 0.618) % 1;
      const d = backoffDelay((i % 7) + 1, { baseDelayMs: 50, maxDelayMs: 800, random: () => r });
      expect(d).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThanOrEqual(Math.min(800, 50 * 2 ** (i % 7)));
    }
  });
});

describe('retry', () => {
  it('returns the first success and sleeps between failures only', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    const value = await retry(
      async (attempt) => {
        calls += 1;
        if (attempt < 3) throw new Error(`boom ${attempt}`);
        return 'ok';
      },
      { maxAttempts: 5, baseDelayMs: 10, random: () => 0.5, sleep },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([5, 10]);
  });

  it('is bounded: rethrows the last error after maxAttempts', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    await expect(
      retry(
        async (attempt) => {
          calls += 1;
          throw new Error(`fail ${attempt}`);
        },
        { maxAttempts: 4, sleep, random: () => 0.5 },
      ),
    ).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
    expect(sleeps).toHaveLength(3);
  });

  it('does not retry what shouldRetry refuses', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new TypeError('permanent');
        },
        { maxAttempts: 5, sleep, shouldRetry: (err) => !(err instanceof TypeError) },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('reports each retry with its delay', async () => {
    const seen: [number, number][] = [];
    await retry(
      async (attempt) => {
        if (attempt === 1) throw new Error('x');
        return 1;
      },
      {
        sleep: recorder().sleep,
        random: () => 0.25,
        baseDelayMs: 40,
        onRetry: (_e, a, d) => seen.push([a, d]),
      },
    );
    expect(seen).toEqual([[1, 10]]);
  });
});
