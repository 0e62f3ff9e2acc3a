// The express application: /score, Open Inference Protocol v2, probes, /version and /metrics.
// Built from its dependencies so tests drive it with supertest and no process or port.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError } from './http-error.js';
import { createInFlightBytes, serverBusy, type InFlightBytes } from './in-flight-bytes.js';
import { jsonBody } from './json-body.js';
import { isReady, type Lifecycle } from './lifecycle.js';
import { MAX_BODY_BYTES, MAX_IN_FLIGHT_BYTES, MAX_RESPONSE_BYTES } from './limits.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Model, Overflow } from './model.js';
import { createResponses } from './responses.js';
import { parseInferBody, parseScoreBody } from './validation.js';

/** Everything the app needs from the outside. */
export interface AppDeps {
  model: Model;
  metrics: Metrics;
  logger: Logger;
  state: Lifecycle;
  build: { sha: string; built: string; version: string };
  inFlight?: InFlightBytes;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

// Smaller responses need no budget: node:http stops reading a connection's pipelined requests while
// a socket's high-water mark (16 KiB) of output is pending, so each connection holds at most that.
const HELD_RESPONSE_MIN = 16 * 1024;

/** A client error raised by express or its router (e.g. a bad percent-encoding is a URIError, 400). */
function clientErrorStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

const tooLargeResponse = (bytes: number) =>
  new HttpError(
    413,
    `the response would be up to ${bytes} bytes; the cap is ${MAX_RESPONSE_BYTES} bytes per response (send fewer rows)`,
  );

const overflow = (o: Overflow, where: string) =>
  `${where} row ${o.row} gives a non-finite logit for class ${o.className}: its values are too large in magnitude for the model`;

/** Creates the express app for `deps`. */
export function createApp(deps: AppDeps): express.Express {
  const { model, metrics, logger, state, build } = deps;
  const inFlight = deps.inFlight ?? createInFlightBytes(MAX_IN_FLIGHT_BYTES);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  const readBody = jsonBody(MAX_BODY_BYTES, inFlight);
  const responses = createResponses(model);
  const modelInfo = { name: model.name, version: model.version };
  const k = model.classes.length;
  const d = model.features.length;

  const send = (res: Response, status: number, contentType: string, text: string): void => {
    const bytes = Buffer.byteLength(text);
    if (bytes >= HELD_RESPONSE_MIN) {
      // The request's socket: res.socket is still null while earlier pipelined answers are pending.
      const socket = res.req.socket;
      if (!inFlight.take(socket, bytes)) return sendError(res, serverBusy(inFlight));
      res.once('finish', () => inFlight.give(socket, bytes));
    }
    res.statusCode = status;
    // Set at send time, not when the request arrived: every answer given while draining asks a
    // keep-alive client to reconnect, and its new connection goes to a pod that is not draining.
    if (state.draining) res.setHeader('connection', 'close');
    res.setHeader('content-type', contentType);
    res.setHeader('content-length', bytes);
    res.end(text);
  };
  // res.json() would run the replacer/spaces/etag machinery; the body is always plain data here.
  const sendJson = (res: Response, status: number, body: unknown): void =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
  const sendError = (res: Response, err: HttpError): void => {
    for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
    sendJson(res, err.status, { error: err.message });
  };

  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', id);
    res.locals.requestId = id;
    res.once('finish', () => {
      const ms = performance.now() - start;
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.observeRequest(req.method, route, res.statusCode, ms / 1000);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (logger.enabled(level)) {
        logger[level]('request', {
          requestId: id,
          method: req.method,
          path: req.originalUrl.length > 256 ? req.originalUrl.slice(0, 256) : req.originalUrl,
          route,
          status: res.statusCode,
          durationMs: Math.round(ms * 1000) / 1000,
        });
      }
    });
    next();
  });

  app.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  app.get('/readyz', (_req, res) => {
    if (isReady(state)) sendJson(res, 200, { status: 'ready', model: modelInfo });
    else
      sendJson(res, 503, { status: state.draining ? 'draining' : 'starting', error: 'not ready' });
  });
  app.get('/version', (_req, res) =>
    sendJson(res, 200, {
      sha: build.sha,
      built: build.built,
      version: build.version,
      model: modelInfo,
    }),
  );
  app.get('/metrics', async (_req, res, next) => {
    try {
      send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });

  app.post('/score', readBody, (req, res) => {
    const parsed = parseScoreBody(req.body, model.features);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.message);
    const bound = responses.scoreBound(parsed.rows);
    if (bound > MAX_RESPONSE_BYTES) throw tooLargeResponse(bound);
    const t0 = performance.now();
    const prediction = model.predict(parsed.data, parsed.rows);
    if (!prediction.ok) throw new HttpError(422, overflow(prediction, 'X'));
    metrics.observeInference('score', parsed.rows, (performance.now() - t0) / 1000);
    sendJson(res, 200, responses.scoreBody(prediction, parsed.rows));
  });

  // Open Inference Protocol v2 (KServe REST): https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol
  app.get('/v2', (_req, res) =>
    sendJson(res, 200, { name: 'score-api', version: build.version, extensions: [] }),
  );
  app.get('/v2/health/live', (_req, res) => sendJson(res, 200, { live: true }));
  app.get('/v2/health/ready', (_req, res) => {
    const ready = isReady(state);
    sendJson(res, ready ? 200 : 503, { ready });
  });

  const modelRoute = (path: string) => [
    `/v2/models/:name${path}`,
    `/v2/models/:name/versions/:version${path}`,
  ];
  const checkModel = (req: Request, _res: Response, next: NextFunction) => {
    const { name, version } = req.params as { name: string; version?: string };
    if (name !== model.name) {
      next(new HttpError(404, `unknown model "${name}"; this server serves "${model.name}"`));
    } else if (version !== undefined && version !== model.version) {
      next(
        new HttpError(
          404,
          `unknown version "${version}" of model "${name}"; available: ${model.version}`,
        ),
      );
    } else next();
  };
  const metadata = {
    name: model.name,
    versions: [model.version],
    platform: 'score-api/softmax-regression',
    inputs: [{ name: 'input-0', datatype: 'FP32', shape: [-1, d] }],
    outputs: [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP64', shape: [-1, k] },
    ],
    parameters: { classes: model.classes, features: model.features },
  };
  // One registration per path (not an array) so req.route.path, the metrics label, is one template.
  for (const path of modelRoute('')) {
    app.get(path, checkModel, (_req, res) => sendJson(res, 200, metadata));
  }
  for (const path of modelRoute('/ready')) {
    app.get(path, checkModel, (_req, res) => {
      const ready = isReady(state);
      sendJson(res, ready ? 200 : 503, { name: model.name, ready });
    });
  }
  const infer = (req: Request, res: Response): void => {
    const parsed = parseInferBody(req.body, d);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.message);
    const id = parsed.id ?? (res.locals.requestId as string);
    const bound = responses.inferBound(parsed.rows, parsed.outputs, id);
    if (bound > MAX_RESPONSE_BYTES) throw tooLargeResponse(bound);
    const t0 = performance.now();
    const prediction = model.predict(parsed.data, parsed.rows);
    if (!prediction.ok) throw new HttpError(400, overflow(prediction, 'inputs[0]'));
    metrics.observeInference('v2', parsed.rows, (performance.now() - t0) / 1000);
    sendJson(res, 200, responses.inferBody(prediction, parsed.rows, parsed.outputs, id));
  };
  for (const path of modelRoute('/infer')) app.post(path, checkModel, readBody, infer);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpError(404, `no route for ${req.method} ${req.path}`));
  });

  // Express recognises an error handler by its four parameters, so `_next` must stay.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) return sendError(res, err);
    const status = clientErrorStatus(err);
    if (status !== undefined && !res.headersSent) {
      // The request log line records it; a client's mistake is no stack trace in the log.
      sendJson(res, status, { error: String((err as Error).message).slice(0, 200) });
      return;
    }
    logger.error('unhandled error', {
      requestId: res.locals.requestId as string,
      path: req.originalUrl,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, 500, { error: 'internal error' });
  });
  return app;
}
