// Validation of request bodies for /score and the Open Inference Protocol v2 infer call.
// Returns values instead of throwing: bad input is an expected outcome on the hot path.
// Every number is checked after its last conversion (JSON, then FP32 rounding for v2) and each size
// is checked against its cap before anything proportional to it is allocated.
import { MAX_ROWS } from './limits.js';

/** A rejected request: HTTP status (413 = a size cap, named in the message) and what was expected. */
export interface Invalid {
  ok: false;
  status: 400 | 413 | 422;
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
  outputs: V2Output[];
}

export const V2_OUTPUTS = ['label', 'probabilities'] as const;
export type V2Output = (typeof V2_OUTPUTS)[number];
const MAX_ID_LENGTH = 256;
const FP32_MAX = 3.4028234663852886e38;

const invalid = (status: Invalid['status'], message: string): Invalid => ({
  ok: false,
  status,
  message,
});

const tooManyRows = (where: string, rows: number): Invalid =>
  invalid(413, `${where} has ${rows} rows; the cap is ${MAX_ROWS} rows per request`);

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
  if (rowList.length > MAX_ROWS) return tooManyRows('X', rowList.length);
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

/** Converts one tensor element; the finite check runs after the FP32 rounding, which can overflow. */
function element(v: unknown, fp32: boolean, where: string): number | Invalid {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    return invalid(400, `${where} must be a finite number, got ${describe(v)}`);
  }
  if (!fp32) return v;
  const f = Math.fround(v);
  return Number.isFinite(f)
    ? f
    : invalid(400, `${where} is ${v}, outside the FP32 range (magnitude at most ${FP32_MAX})`);
}

/** Reads `data` of shape [rows, d], flat (rows*d numbers) or nested (rows arrays of d), row-major. */
function readTensor(
  data: unknown[],
  rows: number,
  d: number,
  fp32: boolean,
): Float64Array | Invalid {
  const values = new Float64Array(rows * d);
  if (data.length === rows * d && !Array.isArray(data[0])) {
    for (let i = 0; i < values.length; i += 1) {
      const v = element(data[i], fp32, `inputs[0].data[${i}]`);
      if (typeof v !== 'number') return v;
      values[i] = v;
    }
    return values;
  }
  if (data.length === rows && Array.isArray(data[0])) {
    for (let r = 0; r < rows; r += 1) {
      const row = data[r];
      if (!Array.isArray(row) || row.length !== d) {
        return invalid(
          400,
          `inputs[0].data[${r}] must be a row of ${d} numbers (shape [${rows}, ${d}]), got ${describe(row)}`,
        );
      }
      for (let j = 0; j < d; j += 1) {
        const v = element(row[j], fp32, `inputs[0].data[${r}][${j}]`);
        if (typeof v !== 'number') return v;
        values[r * d + j] = v;
      }
    }
    return values;
  }
  return invalid(
    400,
    `inputs[0].data must be ${rows * d} numbers (flat) or ${rows} rows of ${d} (nested) for shape [${rows}, ${d}], got ${data.length} entries`,
  );
}

/** Validates `outputs`: each a known name, at most once; absent means all of them. */
function readOutputs(outputs: unknown): V2Output[] | Invalid {
  if (outputs === undefined) return [...V2_OUTPUTS];
  const known = V2_OUTPUTS.join(', ');
  if (!Array.isArray(outputs) || outputs.length === 0) {
    return invalid(400, `outputs must be a non-empty array of {name} (${known})`);
  }
  if (outputs.length > V2_OUTPUTS.length) {
    return invalid(
      413,
      `outputs has ${outputs.length} entries; the cap is ${V2_OUTPUTS.length}, one per model output (${known})`,
    );
  }
  const wanted: V2Output[] = [];
  for (let i = 0; i < outputs.length; i += 1) {
    const out: unknown = outputs[i];
    const name = isObject(out) ? out.name : undefined;
    if (typeof name !== 'string' || !(V2_OUTPUTS as readonly string[]).includes(name)) {
      return invalid(400, `unknown output ${describe(name)}; this model has outputs ${known}`);
    }
    if (wanted.includes(name as V2Output)) {
      return invalid(400, `outputs[${i}] repeats "${name}"; ask for each output once`);
    }
    wanted.push(name as V2Output);
  }
  return wanted;
}

/** Validates an Open Inference Protocol v2 infer body: one FP32/FP64 input of shape [N, d]. */
export function parseInferBody(body: unknown, featureCount: number): InferRequest | Invalid {
  const d = featureCount;
  const expected = `one input tensor with datatype FP32 or FP64 and shape [N, ${d}]`;
  if (!isObject(body))
    return invalid(400, `request body must be a JSON object with inputs: ${expected}`);
  const { id, inputs } = body;
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
    !shape.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)
  ) {
    return invalid(
      400,
      `inputs[0].shape must be [N, ${d}], got ${JSON.stringify(shape)?.slice(0, 100) ?? 'none'}`,
    );
  }
  const [rows, cols] = shape as [number, number];
  if (cols !== d || rows < 1) {
    return invalid(400, `inputs[0].shape must be [N, ${d}] with N >= 1, got [${rows}, ${cols}]`);
  }
  if (rows > MAX_ROWS) return tooManyRows('inputs[0]', rows);
  const outputs = readOutputs(body.outputs);
  if (!Array.isArray(outputs)) return outputs;
  if (!Array.isArray(data)) {
    return invalid(400, `inputs[0].data must be an array of ${rows * d} numbers`);
  }
  const values = readTensor(data, rows, d, datatype === 'FP32');
  if (!(values instanceof Float64Array)) return values;
  return {
    ok: true,
    rows,
    data: values,
    inputName: name,
    outputs,
    ...(id !== undefined && { id }),
  };
}
