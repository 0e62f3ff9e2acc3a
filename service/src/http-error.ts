// An error that carries the HTTP status and a client-safe message; the app's error handler renders it.

/** A failure the client caused (or may see): status + message, rendered as {"error": message}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
