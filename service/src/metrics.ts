// Prometheus metrics: HTTP requests and latency by route and status, inference latency, build info.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Identity of the running build, exported as labels of score_api_build_info. */
export interface BuildInfo {
  sha: string;
  version: string;
  modelName: string;
  modelVersion: string;
}

/** The service's metrics; observe* methods are on the hot path and cache label children. */
export interface Metrics {
  readonly registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeInference(endpoint: string, rows: number, seconds: number): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const INFERENCE_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01];

/** Creates a registry with default process metrics plus the service's own. */
export function createMetrics(
  build: BuildInfo,
  options: { defaultMetrics?: boolean; inFlightBytes?: () => number } = {},
): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency from arrival to response end, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'score_api_inference_duration_seconds',
    help: 'Model prediction time (excluding HTTP and JSON), by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: INFERENCE_BUCKETS,
    registers: [registry],
  });
  const rowsScored = new Counter({
    name: 'score_api_rows_scored_total',
    help: 'Rows the model has scored, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const buildInfo = new Gauge({
    name: 'score_api_build_info',
    help: 'Always 1; labels identify the running build and model.',
    labelNames: ['sha', 'version', 'model', 'model_version'] as const,
    registers: [registry],
  });
  const { inFlightBytes } = options;
  if (inFlightBytes !== undefined) {
    new Gauge({
      name: 'score_api_in_flight_bytes',
      help: 'Request-body and response bytes held by requests in flight (capped by MAX_IN_FLIGHT_BYTES).',
      registers: [registry],
      collect() {
        this.set(inFlightBytes());
      },
    });
  }
  buildInfo
    .labels({
      sha: build.sha,
      version: build.version,
      model: build.modelName,
      model_version: build.modelVersion,
    })
    .set(1);

  // prom-client hashes label values on every labels() call; a child per key is looked up once.
  const requestChildren = new Map<string, { inc: () => void; observe: (s: number) => void }>();
  const inferenceChildren = new Map<
    string,
    { observe: (s: number) => void; add: (n: number) => void }
  >();
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let child = requestChildren.get(key);
      if (child === undefined) {
        const labels = { method, route, status: String(status) };
        const counter = requests.labels(labels);
        const histogram = duration.labels(labels);
        child = { inc: () => counter.inc(), observe: (s) => histogram.observe(s) };
        requestChildren.set(key, child);
      }
      child.inc();
      child.observe(seconds);
    },
    observeInference(endpoint, rows, seconds) {
      let child = inferenceChildren.get(endpoint);
      if (child === undefined) {
        const histogram = inference.labels({ endpoint });
        const counter = rowsScored.labels({ endpoint });
        child = { observe: (s) => histogram.observe(s), add: (n) => counter.inc(n) };
        inferenceChildren.set(endpoint, child);
      }
      child.observe(seconds);
      child.add(rows);
    },
  };
}
