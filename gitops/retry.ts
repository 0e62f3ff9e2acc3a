/** Bounded retry with exponential backoff and full jitter, shared by git pushes and registry calls. */

/** How a retry loop waits and decides; every field has a default so callers pass only what they change. */
export interface RetryOptions {
  /** Total attempts including the first one (>= 1). Default 5. */
  maxAttempts?: number;
  /** Base delay in ms for the first retry. Default 100. */
  baseDelayMs?: number;
  /** Upper bound for any single delay in ms. Default 2000. */
  maxDelayMs?: number;
  /** Whether an error may be retried; default: every error. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log; attempt is the one that just failed (1-based). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Injected for tests: returns [0, 1). Default Math.random. */
  random?: () => number;
  /** Injected for tests: waits ms. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Delay before retry number `attempt` (1-based): full jitter over min(maxDelay, base * 2^(attempt-1)). */
export function backoffDelay(
  attempt: number,
  opts: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'> = {},
): number {
  const base = opts.baseDelayMs ?? 100;
  const cap = opts.maxDelayMs ?? 2000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  // Full jitter spreads racing clients apart; never zero so a tight loop cannot spin.
  return Math.max(1, Math.floor(random() * ceiling));
}

/**
 * Runs `fn(attempt)` until it resolves or attempts run out. A non-retryable error is rethrown as is;
 * when every attempt fails, the last error is rethrown (so callers keep their typed errors).
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? 5));
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= maxAttempts || (opts.shouldRetry && !opts.shouldRetry(err, attempt)))
        throw err;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(err, attempt, delay);
      await wait(delay);
    }
  }
}
