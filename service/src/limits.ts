// Every cap and timeout that bounds what one client can make the service do, in one place.
// docs/troubleshooting.md ("score-api: caps and error codes") lists them with the answers they give.

/** Request body bytes; more is 413 and the connection is closed. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Rows per /score or v2 infer request; more is 413. A 1 MiB body could otherwise carry ~130k rows. */
export const MAX_ROWS = 10_000;

/**
 * Response bytes, checked before predicting against an upper bound of the JSON the request would
 * produce; more is 413. With the iris model MAX_ROWS rows stay under it (~1.5 MB); it binds for
 * models with many classes or long class names.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Request-body and response bytes held by all requests in flight together; a request that would
 * take more is refused with 503 and Retry-After. It bounds memory when many clients upload at once
 * (each connection may buffer up to MAX_BODY_BYTES) or read their responses slowly.
 */
export const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;

/** Open TCP connections; a connection over the cap is dropped and idle keep-alive ones are closed. */
export const MAX_CONNECTIONS = 1000;

/**
 * Idle keep-alive connections: above the Google Cloud load balancer's 600 s, so the LB never sends
 * a request on a connection the service has just closed (a 502). Not a risk by itself: idle sockets
 * cost a few KB each and the connection cap bounds them.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 620_000;

/** From a connection's first byte (or its next request's) to the end of the request headers: 408. */
export const HEADERS_TIMEOUT_MS = 10_000;

/** From the first byte to the end of the request body: 408. A slow upload of 1 MiB must reach 70 KB/s. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** No bytes moving either way while a request is open (e.g. a client that stops reading): destroyed. */
export const SOCKET_INACTIVITY_TIMEOUT_MS = 15_000;

/** How often node:http checks the header and request timeouts (its default, 30 s, would blur them). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
