import { batchedSink, createLogger, type LogSink } from '../../../service/src/logger.js';

function memorySink(): LogSink & { lines: string[]; flushes: number } {
  const sink = {
    lines: [] as string[],
    flushes: 0,
    write: (l: string) => void sink.lines.push(l),
    flush: () => void (sink.flushes += 1),
  };
  return sink;
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, msg and fields', () => {
    const sink = memorySink();
    createLogger('info', sink).info('request', { requestId: 'r1', status: 200 });
    expect(sink.lines).toHaveLength(1);
    const record = JSON.parse(sink.lines[0] as string);
    expect(record).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'request',
      requestId: 'r1',
      status: 200,
    });
    expect(Number.isNaN(Date.parse(record.time))).toBe(false);
  });

  it('drops lines below the level and reports what is enabled', () => {
    const sink = memorySink();
    const logger = createLogger('warn', sink);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    expect(sink.lines.map((l) => JSON.parse(l).msg)).toEqual(['w']);
    expect(logger.enabled('info')).toBe(false);
    expect(logger.enabled('error')).toBe(true);
    expect(createLogger('silent', sink).enabled('error')).toBe(false);
  });

  it('flushes at once on error and survives unserialisable fields', () => {
    const sink = memorySink();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    createLogger('info', sink).error('boom', { circular });
    expect(sink.flushes).toBe(1);
    expect(JSON.parse(sink.lines[0] as string)).toMatchObject({
      level: 'error',
      msg: 'boom',
      logError: expect.stringMatching(/circular/i),
    });
  });
});

describe('batchedSink', () => {
  it('writes the lines of one turn in a single write', async () => {
    const writes: string[] = [];
    const sink = batchedSink({ write: (chunk: string) => writes.push(chunk) });
    sink.write('a');
    sink.write('b');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\n']);
  });

  it('writes at once when the buffer is full, and on flush', () => {
    const writes: string[] = [];
    const sink = batchedSink({ write: (chunk: string) => writes.push(chunk) }, 4);
    sink.write('12345');
    expect(writes).toEqual(['12345\n']);
    sink.write('x');
    sink.flush();
    expect(writes).toEqual(['12345\n', 'x\n']);
  });
});
