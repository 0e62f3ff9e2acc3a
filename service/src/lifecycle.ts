// The process's serving state, shared by the probes (readiness) and the shutdown sequence.

/** ready: the model is loaded and the server listens; draining: a stop signal arrived; closing: no new connections. */
export interface Lifecycle {
  ready: boolean;
  draining: boolean;
  closing: boolean;
}

/** Creates the initial state (not ready until the server listens). */
export function createLifecycle(): Lifecycle {
  return { ready: false, draining: false, closing: false };
}

/** True when the readiness probe should pass. */
export function isReady(state: Lifecycle): boolean {
  return state.ready && !state.draining;
}
