// Validation of request bodies for /score and the Open Inference Protocol v2 infer call.
// Returns values instead of throwing: bad input is an expected outcome on the hot path.

/** A rejected request: HTTP status and a message naming what was expected. */
export interface Invalid {
  ok: false;
  status: 400 | 422;
  message: string;
}

/** Validated feature rows, row-major. */
export interface Rows {
  ok: true;
  rows: number;
  data: Float64Array;
}

/** A validated v2 infer request. */
export interface InferRequest extends Rows {
  id?: string;
  inputName: string;
  outputs: string[];
}

export const V2_OUTPUTS = ['label', 'probabilities'] as const;
const MAX_ID_LENGTH = 256;

const invalid = (status: 400 | 422, message: string): Invalid => ({ ok: false, status, message });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string')
    return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  return typeof value === 'object' ? 'an object' : String(value);
}

/** Validates `{"X": [f1..fd]}` or `{"X": [[f1..fd], ...]}` against the model's feature names. */
export function parseScoreBody(body: unknown, features: readonly string[]): Rows | Invalid {
  const d = features.length;
  const expected = `X as ${d} numbers (${features.join(', ')}) or an array of such rows`;
  if (!isObject(body)) return invalid(400, `request body must be a JSON object with ${expected}`);
  const x = body.X;
  if (x === undefined) return invalid(400, `missing field X; expected ${expected}`);
  if (!Array.isArray(x) || x.length === 0) {
    return invalid(422, `X must be a non-empty array; expected ${expected}, got ${describe(x)}`);
  }
  const nested = Array.isArray(x[0]);
  const rowList = nested ? (x as unknown[]) : [x];
  const data = new Float64Array(rowList.length * d);
  for (let r = 0; r < rowList.length; r += 1) {
    const row = rowList[r];
    const where = nested ? `X[${r}]` : 'X';
    if (!Array.isArray(row)) {
      return invalid(422, `${where} must be an array of ${d} numbers, got ${describe(row)}`);
    }
    if (row.length !== d) {
      return invalid(
        422,
        `${where} must have ${d} features (${features.join(', ')}), got ${row.length}`,
      );
    }
    for (let j = 0; j < d; j += 1) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        return invalid(
          422,
          `${where}[${j}] (${features[j]}) must be a finite number, got ${describe(v)}`,
        );
      }
      data[r * d + j] = v;
    }
  }
  return { ok: true, rows: rowList.length, data };
}

// Row-major flattening of nested data (the protocol allows flat or nested JSON arrays).
function flatten(value: unknown[], out: unknown[], depth: number): boolean {
  for (const item of value) {
    if (Array.isArray(item)) {
      if (depth >= 2 || !flatten(item, out, depth + 1)) return false;
    } else out.push(item);
  }
  return true;
}

/** Validates an Open Inference Protocol v2 infer body: one FP32/FP64 input of shape [N, d]. */
export function parseInferBody(body: unknown, featureCount: number): InferRequest | Invalid {
  const d = featureCount;
  const expected = `one input tensor with datatype FP32 or FP64 and shape [N, ${d}]`;
  if (!isObject(body))
    return invalid(400, `request body must be a JSON object with inputs: ${expected}`);
  const { id, inputs, outputs } = body;
  if (id !== undefined && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) {
    return invalid(400, `id must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    return invalid(400, `inputs must be an array with ${expected}, got ${describe(inputs)}`);
  }
  const input = inputs[0];
  if (!isObject(input)) return invalid(400, `inputs[0] must be an object: ${expected}`);
  const { name, shape, datatype, data } = input;
  if (typeof name !== 'string' || name === '') {
    return invalid(400, 'inputs[0].name must be a non-empty string');
  }
  if (datatype !== 'FP32' && datatype !== 'FP64') {
    return invalid(400, `inputs[0].datatype must be FP32 or FP64, got ${describe(datatype)}`);
  }
  if (
    !Array.isArray(shape) ||
    shape.length !== 2 ||
    !shape.every((s) => Number.isInteger(s) && (s as number) >= 0)
  ) {
    return invalid(
      400,
      `inputs[0].shape must be [N, ${d}], got ${JSON.stringify(shape) ?? 'none'}`,
    );
  }
  const [rows, cols] = shape as [number, number];
  if (cols !== d || rows < 1) {
    return invalid(400, `inputs[0].shape must be [N, ${d}] with N >= 1, got [${rows}, ${cols}]`);
  }
  if (!Array.isArray(data))
    return invalid(400, `inputs[0].data must be an array of ${rows * d} numbers`);
  const flat: unknown[] = [];
  if (!flatten(data, flat, 1)) {
    return invalid(400, `inputs[0].data must be flat or nested [N][${d}], not deeper`);
  }
  if (flat.length !== rows * d) {
    return invalid(
      400,
      `inputs[0].data has ${flat.length} values but shape [${rows}, ${d}] needs ${rows * d}`,
    );
  }
  const values = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i += 1) {
    const v = flat[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return invalid(400, `inputs[0].data[${i}] must be a finite number, got ${describe(v)}`);
    }
    values[i] = datatype === 'FP32' ? Math.fround(v) : v;
  }
  let wanted: string[] = [...V2_OUTPUTS];
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || outputs.length === 0) {
      return invalid(400, `outputs must be a non-empty array of {name} (${V2_OUTPUTS.join(', ')})`);
    }
    wanted = [];
    for (const out of outputs) {
      const outName = isObject(out) ? out.name : undefined;
      if (typeof outName !== 'string' || !(V2_OUTPUTS as readonly string[]).includes(outName)) {
        return invalid(
          400,
          `unknown output ${describe(outName)}; this model has outputs ${V2_OUTPUTS.join(', ')}`,
        );
      }
      wanted.push(outName);
    }
  }
  return {
    ok: true,
    rows,
    data: values,
    inputName: name,
    outputs: wanted,
    ...(id !== undefined && { id }),
  };
}
