// Process entry: config -> model -> metrics -> app -> server -> signal handling. Any startup failure
// (bad config, missing or corrupt model, port in use) is ONE fatal log line and exit code 1, so a bad
// release crash-loops visibly instead of serving.
import { createApp } from './app.js';
import { ConfigError, isLogLevel, loadConfig, type Config } from './config.js';
import { createInFlightBytes } from './in-flight-bytes.js';
import { createLifecycle } from './lifecycle.js';
import { MAX_IN_FLIGHT_BYTES } from './limits.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { loadModel, ModelLoadError } from './model.js';
import { createHttpServer, listen } from './server.js';
import { createShutdown, onStopSignals } from './shutdown.js';

// Stamped at build time by the bundler (see service/Dockerfile); falls back to the package version.
declare const __SERVICE_VERSION__: string | undefined;
const SERVICE_VERSION = typeof __SERVICE_VERSION__ === 'string' ? __SERVICE_VERSION__ : '1.0.0';

function fail(logger: Logger, msg: string, fields: Record<string, unknown>): never {
  logger.error(msg, fields);
  logger.flush();
  process.exit(1);
}

/** Starts the service; resolves once it listens. */
async function main(): Promise<void> {
  const envLevel = (process.env.LOG_LEVEL ?? '').toLowerCase();
  let logger = createLogger(isLogLevel(envLevel) ? envLevel : 'info');
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError)
      fail(logger, 'invalid configuration', { problems: err.problems });
    throw err;
  }
  logger = createLogger(config.logLevel);
  const log = logger;
  process.on('uncaughtException', (err) =>
    fail(log, 'uncaught exception', { error: err.stack ?? String(err) }),
  );

  let model;
  try {
    model = await loadModel(config.modelPath);
  } catch (err) {
    if (err instanceof ModelLoadError) {
      fail(logger, 'model load failed', { modelPath: err.path, reason: err.reason });
    }
    throw err;
  }
  const state = createLifecycle();
  const inFlight = createInFlightBytes(MAX_IN_FLIGHT_BYTES);
  const metrics = createMetrics(
    {
      sha: config.gitSha,
      version: SERVICE_VERSION,
      modelName: model.name,
      modelVersion: model.version,
    },
    { inFlightBytes: inFlight.used },
  );
  const app = createApp({
    model,
    metrics,
    logger,
    state,
    inFlight,
    build: { sha: config.gitSha, built: config.buildDate, version: SERVICE_VERSION },
  });
  const server = createHttpServer(app);
  const shutdown = createShutdown({
    server,
    state,
    logger,
    drainDelayMs: config.drainDelayMs,
    timeoutMs: config.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  });
  onStopSignals(shutdown);
  let port: number;
  try {
    port = await listen(server, config.port);
  } catch (err) {
    fail(logger, 'cannot listen', { port: config.port, error: (err as Error).message });
  }
  state.ready = true;
  logger.info('listening', {
    port,
    model: `${model.name}@${model.version}`,
    sha: config.gitSha,
    startupMs: Math.round(process.uptime() * 1000),
  });
}

void main();
