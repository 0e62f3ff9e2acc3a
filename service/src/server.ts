// The HTTP server around the app: short header/request timeouts against slow clients, a long
// keep-alive for the Google Cloud load balancer, and a connection cap.
import { createServer, type RequestListener, type Server } from 'node:http';
import {
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  REQUEST_TIMEOUT_MS,
  SOCKET_INACTIVITY_TIMEOUT_MS,
  TIMEOUT_CHECK_INTERVAL_MS,
} from './limits.js';

/** Creates an http.Server for `app` with the limits of limits.ts. */
export function createHttpServer(app: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    app,
  );
  server.timeout = SOCKET_INACTIVITY_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  // At the cap, connections parked idle (up to KEEP_ALIVE_TIMEOUT_MS each) must not lock new clients
  // out: the dropped one's retry finds room.
  server.on('drop', () => server.closeIdleConnections());
  return server;
}

/** Starts listening on `port` (0 = any free port) and resolves with the bound port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, () => {
      server.removeListener('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
