// A small JSON body reader for express. It replaces express.json(): the same limits and errors,
// without the decoding layers this service does not need (hot path), plus the in-flight byte budget.
// Bodies are identity-encoded UTF-8 JSON (RFC 8259); anything else is refused, never guessed at.
import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error.js';
import { serverBusy, type InFlightBytes } from './in-flight-bytes.js';

// A refusal before the body is read closes the connection: otherwise node:http would read and
// discard the rest of the upload, however large, to reuse the connection.
const CLOSE = { connection: 'close' };

function isJsonType(base: string): boolean {
  return base === 'application/json' || (base.startsWith('application/') && base.endsWith('+json'));
}

/** The problem with a Content-Type header, or undefined when it is JSON in UTF-8. */
function contentTypeProblem(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return 'Content-Type must be application/json, got none';
  const [type = '', ...params] = contentType.split(';');
  if (!isJsonType(type.trim().toLowerCase())) {
    return `Content-Type must be application/json, got ${contentType.slice(0, 100)}`;
  }
  for (const param of params) {
    const eq = param.indexOf('=');
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (!/^utf-?8$/i.test(charset)) {
      return `charset ${JSON.stringify(charset.slice(0, 40))} is not supported; JSON bodies must be UTF-8`;
    }
  }
  return undefined;
}

/** Returns middleware that parses a JSON request body (up to `limit` bytes) into req.body. */
export function jsonBody(limit: number, inFlight: InFlightBytes) {
  const tooLarge = () => new HttpError(413, `request body is larger than ${limit} bytes`, CLOSE);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      next(
        new HttpError(
          415,
          `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send the body unencoded`,
          { ...CLOSE, 'accept-encoding': 'identity' },
        ),
      );
      return;
    }
    const typeProblem = contentTypeProblem(req.headers['content-type']);
    if (typeProblem !== undefined) {
      next(new HttpError(415, typeProblem, CLOSE));
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      next(tooLarge());
      return;
    }
    const socket = req.socket;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      inFlight.give(socket, size);
      next(err);
    };
    const refuse = (err: HttpError): void => {
      req.pause();
      finish(err);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > limit) return refuse(tooLarge());
      if (!inFlight.take(socket, chunk.length)) return refuse(serverBusy(inFlight));
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      if (!isUtf8(body)) return finish(new HttpError(400, 'request body is not valid UTF-8'));
      const text = body.toString('utf8');
      if (text.trim() === '') {
        return finish(new HttpError(400, 'request body is empty; expected a JSON object'));
      }
      try {
        req.body = JSON.parse(text);
      } catch (err) {
        return finish(
          new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`),
        );
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
