// The versioned model artifact (JSON) and a predictor with the standardization folded into the weights.
import { readFile } from 'node:fs/promises';
import { softmaxInto, type Scaler } from './softmax-regression.js';

export const MODEL_FORMAT = 'softmax-regression/v1';

/** The JSON document `npm run train` writes and the service loads. */
export interface ModelArtifact {
  format: typeof MODEL_FORMAT;
  name: string;
  version: string;
  classes: string[];
  features: string[];
  parameters: { scaler: Scaler; weights: number[][]; bias: number[] };
  trainedAt: string;
  metrics: Record<string, unknown>;
}

/** Predictions for N rows: a label per row and row-major probabilities (N x classes). */
export interface Prediction {
  ok: true;
  labels: string[];
  probabilities: Float64Array;
}

/** Finite inputs whose logits are not finite (|x| near the largest double): no answer exists. */
export interface Overflow {
  ok: false;
  row: number;
  className: string;
}

/** Thrown when the model file is missing, unreadable or not a valid artifact. */
export class ModelLoadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot load model from ${path}: ${reason}`);
    this.name = 'ModelLoadError';
  }
}

function isFiniteArray(value: unknown, length: number): value is number[] {
  return (
    Array.isArray(value) &&
    value.length === length &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Validates a parsed JSON value as a model artifact; returns the first problem found or the artifact. */
export function validateArtifact(
  value: unknown,
): { artifact: ModelArtifact } | { problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'expected a JSON object' };
  }
  const a = value as Record<string, unknown>;
  if (a.format !== MODEL_FORMAT) {
    return { problem: `format must be "${MODEL_FORMAT}", got ${JSON.stringify(a.format)}` };
  }
  if (!isNonEmptyString(a.name)) return { problem: 'name must be a non-empty string' };
  if (!isNonEmptyString(a.version)) return { problem: 'version must be a non-empty string' };
  const { classes, features } = a;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every(isNonEmptyString)) {
    return { problem: 'classes must be an array of at least two names' };
  }
  if (new Set(classes).size !== classes.length) return { problem: 'classes must be distinct' };
  if (!Array.isArray(features) || features.length < 1 || !features.every(isNonEmptyString)) {
    return { problem: 'features must be a non-empty array of names' };
  }
  const k = classes.length;
  const d = features.length;
  const p = a.parameters as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null) return { problem: 'parameters must be an object' };
  const scaler = p.scaler as Record<string, unknown> | undefined;
  if (typeof scaler !== 'object' || scaler === null) {
    return { problem: 'parameters.scaler must be an object' };
  }
  if (!isFiniteArray(scaler.mean, d)) {
    return { problem: `parameters.scaler.mean must be ${d} finite numbers` };
  }
  if (!isFiniteArray(scaler.std, d) || scaler.std.some((s) => s <= 0)) {
    return { problem: `parameters.scaler.std must be ${d} positive numbers` };
  }
  if (!Array.isArray(p.weights) || p.weights.length !== k) {
    return { problem: `parameters.weights must have ${k} rows (one per class)` };
  }
  if (!p.weights.every((row) => isFiniteArray(row, d))) {
    return { problem: `parameters.weights rows must be ${d} finite numbers` };
  }
  if (!isFiniteArray(p.bias, k)) return { problem: `parameters.bias must be ${k} finite numbers` };
  if (!isNonEmptyString(a.trainedAt)) return { problem: 'trainedAt must be a timestamp string' };
  const metrics = typeof a.metrics === 'object' && a.metrics !== null ? a.metrics : {};
  return {
    artifact: { ...(a as unknown as ModelArtifact), metrics: metrics as Record<string, unknown> },
  };
}

/** Parses and validates artifact JSON text; ModelLoadError names `source` and the problem. */
export function parseArtifact(text: string, source: string): ModelArtifact {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(source, `invalid JSON (${(err as Error).message})`);
  }
  const result = validateArtifact(value);
  if ('problem' in result) throw new ModelLoadError(source, result.problem);
  return result.artifact;
}

/** A loaded model, ready to predict; immutable. */
export class Model {
  readonly name: string;
  readonly version: string;
  readonly classes: readonly string[];
  readonly features: readonly string[];
  readonly artifact: ModelArtifact;
  // Standardization folded in: logit_k = sum_j W'[k][j] * x_j + b'_k with W' = W/std, b' = b - sum W*mean/std.
  private readonly w: Float64Array;
  private readonly b: Float64Array;
  private readonly logits: Float64Array;

  constructor(artifact: ModelArtifact) {
    this.artifact = artifact;
    this.name = artifact.name;
    this.version = artifact.version;
    this.classes = Object.freeze([...artifact.classes]);
    this.features = Object.freeze([...artifact.features]);
    const k = this.classes.length;
    const d = this.features.length;
    const { scaler, weights, bias } = artifact.parameters;
    this.w = new Float64Array(k * d);
    this.b = new Float64Array(k);
    this.logits = new Float64Array(k);
    for (let c = 0; c < k; c += 1) {
      let offset = bias[c] as number;
      for (let j = 0; j < d; j += 1) {
        const wj = (weights[c] as number[])[j] as number;
        const std = scaler.std[j] as number;
        this.w[c * d + j] = wj / std;
        offset -= (wj * (scaler.mean[j] as number)) / std;
      }
      this.b[c] = offset;
    }
  }

  /** Predicts `rows` rows from row-major `data` (rows x features) of finite numbers. */
  predict(data: ArrayLike<number>, rows: number): Prediction | Overflow {
    const k = this.classes.length;
    const d = this.features.length;
    const probabilities = new Float64Array(rows * k);
    const labels = new Array<string>(rows);
    const { w, b, logits } = this;
    for (let r = 0; r < rows; r += 1) {
      let best = 0;
      for (let c = 0; c < k; c += 1) {
        let z = b[c] as number;
        for (let j = 0; j < d; j += 1) z += (w[c * d + j] as number) * (data[r * d + j] as number);
        if (!Number.isFinite(z)) return { ok: false, row: r, className: this.classes[c] as string };
        logits[c] = z;
        if (z > (logits[best] as number)) best = c;
      }
      softmaxInto(logits, k, probabilities, r * k);
      labels[r] = this.classes[best] as string;
    }
    return { ok: true, labels, probabilities };
  }
}

/** Reads, parses and validates the model file at `path`; every failure is a ModelLoadError. */
export async function loadModel(path: string): Promise<Model> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelLoadError(path, code === 'ENOENT' ? 'file not found' : (err as Error).message);
  }
  return new Model(parseArtifact(text, path));
}
