// The express application: /score, Open Inference Protocol v2, probes, /version and /metrics.
// Built from its dependencies so tests drive it with supertest and no process or port.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError } from './http-error.js';
import { jsonBody, DEFAULT_BODY_LIMIT } from './json-body.js';
import { isReady, type Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Model } from './model.js';
import { parseInferBody, parseScoreBody } from './validation.js';

/** Everything the app needs from the outside. */
export interface AppDeps {
  model: Model;
  metrics: Metrics;
  logger: Logger;
  state: Lifecycle;
  build: { sha: string; built: string; version: string };
  bodyLimit?: number;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

function sendJson(res: Response, status: number, body: unknown): void {
  // res.json() would run the replacer/spaces/etag machinery; the body is always plain data here.
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Creates the express app for `deps`. */
export function createApp(deps: AppDeps): express.Express {
  const { model, metrics, logger, state, build } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  const readBody = jsonBody(deps.bodyLimit ?? DEFAULT_BODY_LIMIT);
  const modelInfo = { name: model.name, version: model.version };
  const k = model.classes.length;
  const d = model.features.length;

  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', id);
    // Once the listener is closed, finish this request and let the client reconnect elsewhere.
    if (state.closing) res.setHeader('connection', 'close');
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
      const text = await metrics.registry.metrics();
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(text);
    } catch (err) {
      next(err);
    }
  });

  app.post('/score', readBody, (req, res) => {
    const parsed = parseScoreBody(req.body, model.features);
    if (!parsed.ok) throw new HttpError(parsed.status, parsed.message);
    const t0 = performance.now();
    const { labels, probabilities } = model.predict(parsed.data, parsed.rows);
    metrics.observeInference('score', parsed.rows, (performance.now() - t0) / 1000);
    const score = new Array<{ label: string; probabilities: Record<string, number> }>(parsed.rows);
    for (let r = 0; r < parsed.rows; r += 1) {
      const probs: Record<string, number> = {};
      for (let c = 0; c < k; c += 1)
        probs[model.classes[c] as string] = probabilities[r * k + c] as number;
      score[r] = { label: labels[r] as string, probabilities: probs };
    }
    sendJson(res, 200, { score, model: modelInfo });
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
    const t0 = performance.now();
    const { labels, probabilities } = model.predict(parsed.data, parsed.rows);
    metrics.observeInference('v2', parsed.rows, (performance.now() - t0) / 1000);
    const outputs = parsed.outputs.map((name) =>
      name === 'label'
        ? { name, datatype: 'BYTES', shape: [parsed.rows], data: labels }
        : { name, datatype: 'FP64', shape: [parsed.rows, k], data: Array.from(probabilities) },
    );
    sendJson(res, 200, {
      model_name: model.name,
      model_version: model.version,
      id: parsed.id ?? (res.locals.requestId as string),
      outputs,
    });
  };
  for (const path of modelRoute('/infer')) app.post(path, checkModel, readBody, infer);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpError(404, `no route for ${req.method} ${req.path}`));
  });

  // Express recognises an error handler by its four parameters, so `_next` must stay.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      sendJson(res, err.status, { error: err.message });
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
