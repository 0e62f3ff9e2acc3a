// Structured JSON logs, one object per line. Lines are batched and written once per event-loop turn
// because a write syscall per request would cost more than the request itself under load.
import type { LogLevel } from './config.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Where finished log lines go. */
export interface LogSink {
  write(line: string): void;
  flush(): void;
}

/** Structured logger; `fields` are merged into the JSON line. */
export interface Logger {
  readonly level: LogLevel;
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  flush(): void;
}

/** A sink that batches lines and writes them to a stream on the next turn, or at once when large. */
export function batchedSink(
  out: { write(chunk: string): unknown } = process.stdout,
  maxBuffered = 64 * 1024,
): LogSink {
  let buffer = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    out.write(chunk);
  };
  return {
    write(line) {
      buffer += `${line}\n`;
      if (buffer.length >= maxBuffered) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** Creates a logger that drops lines below `level` and writes the rest to `sink`. */
export function createLogger(level: LogLevel, sink: LogSink = batchedSink()): Logger {
  const min = RANK[level];
  const emit = (
    lvl: Exclude<LogLevel, 'silent'>,
    msg: string,
    fields?: Record<string, unknown>,
  ) => {
    if (RANK[lvl] < min) return;
    const record = { time: new Date().toISOString(), level: lvl, msg, ...fields };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (err) {
      // A circular or BigInt field must not take the request down with it.
      line = JSON.stringify({ time: record.time, level: lvl, msg, logError: String(err) });
    }
    sink.write(line);
    if (RANK[lvl] >= RANK.error) sink.flush();
  };
  return {
    level,
    enabled: (lvl) => RANK[lvl] >= min,
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    flush: () => sink.flush(),
  };
}
