// Service configuration from environment variables, validated up front with every problem listed.

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Validated service settings. */
export interface Config {
  port: number;
  logLevel: LogLevel;
  modelPath: string;
  drainDelayMs: number;
  shutdownTimeoutMs: number;
  gitSha: string;
  buildDate: string;
}

/** Thrown by loadConfig; `problems` lists each bad variable and what was expected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_MODEL_PATH = 'service/model/model.json';

function integer(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

/** Returns true when `value` is a known log level. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Reads PORT, LOG_LEVEL, MODEL_PATH, DRAIN_DELAY_MS, SHUTDOWN_TIMEOUT_MS, GIT_SHA and BUILD_DATE from `env`. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, 0, 65535, problems);
  const drainDelayMs = integer(env, 'DRAIN_DELAY_MS', 5000, 0, 600_000, problems);
  const shutdownTimeoutMs = integer(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 1, 3_600_000, problems);
  const level = (env.LOG_LEVEL ?? '').trim().toLowerCase() || 'info';
  if (!isLogLevel(level)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const modelPath = env.MODEL_PATH === undefined ? DEFAULT_MODEL_PATH : env.MODEL_PATH.trim();
  if (modelPath === '') problems.push('MODEL_PATH must be a file path, got an empty string');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    logLevel: level as LogLevel,
    modelPath,
    drainDelayMs,
    shutdownTimeoutMs,
    gitSha: env.GIT_SHA?.trim() || 'unknown',
    buildDate: env.BUILD_DATE?.trim() || 'unknown',
  };
}
