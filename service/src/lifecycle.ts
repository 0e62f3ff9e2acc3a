// The process's serving state, shared by the probes (readiness), the responses (Connection: close
// while draining) and the shutdown sequence.

/** ready: the model is loaded and the server listens; draining: a stop signal arrived. */
export interface Lifecycle {
  ready: boolean;
  draining: boolean;
}

/** Creates the initial state (not ready until the server listens). */
export function createLifecycle(): Lifecycle {
  return { ready: false, draining: false };
}

/** True when the readiness probe should pass. */
export function isReady(state: Lifecycle): boolean {
  return state.ready && !state.draining;
}
