// Graceful shutdown: on SIGTERM/SIGINT fail readiness at once and keep serving for the drain delay (the
// load balancer and kube-proxy need that long to stop sending new connections here), every answer
// carrying `Connection: close` so keep-alive clients move to another pod after their current request.
// Then stop accepting, close the connections that stayed idle all along, let in-flight requests finish
// and exit 0. A second signal or the shutdown timeout forces the exit (code 1).
import type { Server } from 'node:http';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';

/** What the shutdown sequence acts on; `exit` and `sleep` are injectable for tests. */
export interface ShutdownDeps {
  server: Server;
  state: Lifecycle;
  logger: Logger;
  drainDelayMs: number;
  timeoutMs: number;
  exit: (code: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Returns a function that runs the shutdown sequence once; later calls force the exit. */
export function createShutdown(deps: ShutdownDeps): (reason: string) => Promise<void> {
  const { server, state, logger } = deps;
  const sleep = deps.sleep ?? defaultSleep;
  let started = false;
  let exited = false;
  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    logger.flush();
    deps.exit(code);
  };
  return async (reason) => {
    if (started) {
      logger.warn('second stop signal; closing all connections now', { reason });
      server.closeAllConnections();
      exit(1);
      return;
    }
    started = true;
    state.draining = true;
    logger.info('draining: readiness now fails, still serving', {
      reason,
      drainDelayMs: deps.drainDelayMs,
    });
    await sleep(deps.drainDelayMs);
    if (exited) return;
    const timer = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; closing their connections', {
        timeoutMs: deps.timeoutMs,
      });
      server.closeAllConnections();
      exit(1);
    }, deps.timeoutMs);
    timer.unref();
    // close() also closes the idle keep-alive connections (no request during the whole drain delay);
    // busy ones close themselves after their next answer, which says `Connection: close`.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(timer);
    logger.info('stopped: all requests finished', { reason });
    exit(0);
  };
}

/** Runs `shutdown` on each of `signals` (default SIGTERM and SIGINT). */
export function onStopSignals(
  shutdown: (reason: string) => Promise<void>,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  for (const signal of signals) process.on(signal, () => void shutdown(signal));
}
