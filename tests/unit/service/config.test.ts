import { ConfigError, loadConfig } from '../../../service/src/config.js';

describe('loadConfig', () => {
  it('uses defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      logLevel: 'info',
      modelPath: 'service/model/model.json',
      drainDelayMs: 5000,
      shutdownTimeoutMs: 20000,
      gitSha: 'unknown',
      buildDate: 'unknown',
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '9000',
        LOG_LEVEL: 'WARN',
        MODEL_PATH: '/m.json',
        DRAIN_DELAY_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '100',
        GIT_SHA: 'abc',
        BUILD_DATE: '2026-01-01',
      }),
    ).toEqual({
      port: 9000,
      logLevel: 'warn',
      modelPath: '/m.json',
      drainDelayMs: 0,
      shutdownTimeoutMs: 100,
      gitSha: 'abc',
      buildDate: '2026-01-01',
    });
  });

  it('lists every bad variable with what was expected', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '80a', LOG_LEVEL: 'loud', DRAIN_DELAY_MS: '-1', MODEL_PATH: ' ' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be an integer from 0 to 65535, got "80a"',
      'DRAIN_DELAY_MS must be an integer from 0 to 600000, got "-1"',
      'LOG_LEVEL must be one of debug, info, warn, error, silent, got "loud"',
      'MODEL_PATH must be a file path, got an empty string',
    ]);
  });

  it('rejects a port above 65535 and a fractional delay', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be an integer from 0 to 65535/);
    expect(() => loadConfig({ DRAIN_DELAY_MS: '1.5' })).toThrow(
      /DRAIN_DELAY_MS must be an integer/,
    );
  });
});
