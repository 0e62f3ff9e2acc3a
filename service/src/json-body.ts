// A small JSON body reader for express. It replaces express.json(): the same limits and errors,
// without the content negotiation and decoding layers this service does not need (hot path).
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

function isJsonType(contentType: string): boolean {
  const base = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || (base.startsWith('application/') && base.endsWith('+json'));
}

/** Returns middleware that parses a JSON request body (up to `limit` bytes) into req.body. */
export function jsonBody(limit = DEFAULT_BODY_LIMIT) {
  const tooLarge = () =>
    // Closing the connection saves reading the rest of an oversized upload.
    new HttpError(413, `request body is larger than ${limit} bytes`, { connection: 'close' });
  return (req: Request, _res: Response, next: NextFunction): void => {
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !isJsonType(contentType)) {
      next(
        new HttpError(415, `Content-Type must be application/json, got ${contentType ?? 'none'}`),
      );
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      next(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      next(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString(
        'utf8',
      );
      if (text.trim() === '') {
        finish(new HttpError(400, 'request body is empty; expected a JSON object'));
        return;
      }
      try {
        req.body = JSON.parse(text);
      } catch (err) {
        finish(new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`));
        return;
      }
      finish();
    };
    const onError = (err: Error): void =>
      finish(new HttpError(400, `request body could not be read: ${err.message}`));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}
