// The bytes all requests in flight hold together (request bodies being read, responses not yet
// handed to the kernel), against one budget. Caps per request do not bound memory when a thousand
// clients upload at once or read slowly; this does. Bytes are held per connection, so whatever a
// request has not given back when its connection closes (aborted upload, client gone) is released.
import type { Socket } from 'node:net';
import { HttpError } from './http-error.js';

/** A shared byte budget; `take` fails instead of exceeding `limit`. */
export interface InFlightBytes {
  readonly limit: number;
  /** Bytes held now, by all connections. */
  used(): number;
  /** Holds `n` more bytes for `socket`'s connection; false (nothing held) when over the limit. */
  take(socket: Socket, n: number): boolean;
  /** Gives back up to `n` of the bytes `socket`'s connection holds. */
  give(socket: Socket, n: number): void;
}

const HELD = Symbol('score-api.heldBytes');
type Holding = Socket & { [HELD]?: { bytes: number } };

/** Creates a budget of `limit` bytes. */
export function createInFlightBytes(limit: number): InFlightBytes {
  let used = 0;
  return {
    limit,
    used: () => used,
    take(socket, n) {
      if (used + n > limit) return false;
      const s = socket as Holding;
      let held = s[HELD];
      if (held === undefined) {
        const h = { bytes: 0 };
        held = s[HELD] = h;
        socket.once('close', () => {
          used -= h.bytes;
          h.bytes = 0;
        });
      }
      held.bytes += n;
      used += n;
      return true;
    },
    give(socket, n) {
      const held = (socket as Holding)[HELD];
      if (held === undefined) return;
      const k = Math.min(n, held.bytes);
      held.bytes -= k;
      used -= k;
    },
  };
}

/** The answer when `budget` is full: 503, retry in a second on a new connection. */
export function serverBusy(budget: InFlightBytes): HttpError {
  return new HttpError(
    503,
    `server busy: requests in flight already hold ${budget.limit} bytes (its in-flight cap); retry`,
    { connection: 'close', 'retry-after': '1' },
  );
}
