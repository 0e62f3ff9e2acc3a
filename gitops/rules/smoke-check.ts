/**
 * The smoke request verify sends once a rollout is healthy: a known input to `POST /score` through the
 * Service (the API server's service proxy), which must come back with the known label. It catches what
 * probes cannot: a Service whose targetPort misses the container, or a model that answers wrongly.
 */
import { InputError } from '../errors.js';

/** A request and the label its first row must get. */
export interface SmokeSpec {
  /** Path on the Service, without the leading slash (the proxy's {path}). */
  path: string;
  body: unknown;
  label: string;
}

/** An iris-setosa flower from the training data (row 1 of iris.csv): every model version labels it setosa. */
export const DEFAULT_SMOKE: SmokeSpec = {
  path: 'score',
  body: { X: [5.1, 3.5, 1.4, 0.2] },
  label: 'setosa',
};

/** What came back through the proxy: HTTP status (0 = no answer) and the body as text. */
export interface SmokeResponse {
  status: number;
  body: string;
}

export type SmokeVerdict =
  | { state: 'passed'; message: string }
  /** The proxy or the network failed before the Service answered: worth another try. */
  | { state: 'unanswered'; message: string }
  | { state: 'failed'; message: string };

/** A smoke input given as JSON text; InputError naming `input` when it is not a JSON object. */
export function parseSmokeInput(text: string, input = 'smoke-input'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      input,
      `expected a JSON object, got '${text}' (${(err as Error).message})`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(
      input,
      `expected a JSON object such as {"X":[5.1,3.5,1.4,0.2]}, got '${text}'`,
    );
  }
  return value;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 300 ? `${one.slice(0, 300)}...` : one;
}

/** A Status object is the API server's own answer (e.g. no endpoints), not the Service's. */
function isKubeStatus(body: string): boolean {
  try {
    return (JSON.parse(body) as { kind?: unknown }).kind === 'Status';
  } catch {
    return false;
  }
}

/** Judges one response to `spec`. */
export function judgeSmoke(spec: SmokeSpec, res: SmokeResponse): SmokeVerdict {
  const what = `POST /${spec.path}`;
  if (res.status === 0 || ([502, 503, 504].includes(res.status) && isKubeStatus(res.body))) {
    return {
      state: 'unanswered',
      message: `${what} got no answer from the Service (${res.status === 0 ? 'no response' : `HTTP ${res.status}`}: ${clip(res.body)})`,
    };
  }
  if (res.status !== 200) {
    return { state: 'failed', message: `${what} answered HTTP ${res.status}: ${clip(res.body)}` };
  }
  let label: unknown;
  try {
    label = (JSON.parse(res.body) as { score?: { label?: unknown }[] }).score?.[0]?.label;
  } catch {
    return {
      state: 'failed',
      message: `${what} answered 200 with a body that is not JSON: ${clip(res.body)}`,
    };
  }
  if (label !== spec.label) {
    return {
      state: 'failed',
      message: `${what} labelled the known input ${JSON.stringify(label ?? null)}, expected "${spec.label}": ${clip(res.body)}`,
    };
  }
  return { state: 'passed', message: `${what} labelled the known input "${spec.label}"` };
}
