import { createHttpServer, listen } from '../../../service/src/server.js';

describe('createHttpServer', () => {
  it('keeps idle connections longer than the Google Cloud LB (600 s), cuts slow clients in seconds', () => {
    const server = createHttpServer((_req, res) => res.end());
    expect(server.keepAliveTimeout).toBeGreaterThan(600_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(10_000);
    expect(server.requestTimeout).toBeGreaterThanOrEqual(server.headersTimeout);
    expect(server.requestTimeout).toBeLessThanOrEqual(30_000);
    expect(server.timeout).toBeGreaterThan(0);
    expect(server.maxConnections).toBeGreaterThan(0);
  });

  it('listens on a free port when asked for port 0 and reports it', async () => {
    const server = createHttpServer((_req, res) => res.end('hi'));
    const port = await listen(server, 0);
    try {
      expect(port).toBeGreaterThan(0);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hi');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('rejects when the port is taken', async () => {
    const first = createHttpServer((_req, res) => res.end());
    const port = await listen(first, 0);
    try {
      await expect(
        listen(
          createHttpServer((_req, res) => res.end()),
          port,
        ),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((r) => first.close(r));
    }
  });
});
