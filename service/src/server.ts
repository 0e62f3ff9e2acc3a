// The HTTP server around the app, with timeouts fitted to Google Cloud load balancers.
import { createServer, type RequestListener, type Server } from 'node:http';

// The Google Cloud LB keeps idle backend connections for 600 s; the backend must outlast it or the LB
// reuses a socket the server just closed and the client sees a 502.
export const KEEP_ALIVE_TIMEOUT_MS = 620_000;
export const HEADERS_TIMEOUT_MS = 621_000;
export const REQUEST_TIMEOUT_MS = 630_000;

/** Creates an http.Server for `app` with keep-alive/headers/request timeouts above the LB idle timeout. */
export function createHttpServer(app: RequestListener): Server {
  const server = createServer(
    { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS },
    app,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
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
