// Multinomial logistic regression (softmax) on standardized features, trained by full-batch gradient
// descent with L2 regularisation. Pure numeric code on plain arrays.

/** Per-feature standardization: x' = (x - mean) / std. */
export interface Scaler {
  mean: number[];
  std: number[];
}

/** Softmax regression parameters in standardized feature space: logits = W x' + b. */
export interface SoftmaxParameters {
  weights: number[][];
  bias: number[];
}

/** Gradient-descent settings. */
export interface TrainOptions {
  learningRate?: number;
  epochs?: number;
  l2?: number;
}

/** Computes the mean and population standard deviation of each column (std 0 becomes 1). */
export function fitScaler(rows: readonly number[][]): Scaler {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of rows) for (let j = 0; j < d; j += 1) mean[j] = (mean[j] ?? 0) + (row[j] ?? 0);
  for (let j = 0; j < d; j += 1) mean[j] = (mean[j] ?? 0) / rows.length;
  for (const row of rows) {
    for (let j = 0; j < d; j += 1) std[j] = (std[j] ?? 0) + ((row[j] ?? 0) - (mean[j] ?? 0)) ** 2;
  }
  for (let j = 0; j < d; j += 1) {
    const s = Math.sqrt((std[j] ?? 0) / rows.length);
    // A constant column carries no information; 1 keeps the transform finite.
    std[j] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/** Applies a scaler to one row. */
export function standardize(row: readonly number[], scaler: Scaler): number[] {
  return row.map((x, j) => (x - (scaler.mean[j] ?? 0)) / (scaler.std[j] ?? 1));
}

/**
 * Softmax of `logits[0..k)` written to `out[offset..offset+k)`, through log-sum-exp:
 * p_i = exp(z_i - (m + log sum_j exp(z_j - m))) with m = max z. For finite logits every term is
 * finite (the sum is in [1, k]), so no probability is NaN; callers must refuse non-finite logits.
 */
export function softmaxInto(
  logits: ArrayLike<number>,
  k: number,
  out: { [i: number]: number },
  offset = 0,
): void {
  let max = -Infinity;
  for (let i = 0; i < k; i += 1) if ((logits[i] as number) > max) max = logits[i] as number;
  let sum = 0;
  for (let i = 0; i < k; i += 1) sum += Math.exp((logits[i] as number) - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < k; i += 1) out[offset + i] = Math.exp((logits[i] as number) - lse);
}

/** Numerically stable softmax of a finite logit vector (writes into `out` when given). */
export function softmax(logits: ArrayLike<number>, out: number[] = []): number[] {
  softmaxInto(logits, logits.length, out);
  out.length = logits.length;
  return out;
}

/** Class probabilities for an already standardized row. */
export function predictProbabilities(params: SoftmaxParameters, x: readonly number[]): number[] {
  const logits = params.weights.map(
    (w, k) => (params.bias[k] ?? 0) + w.reduce((acc, wj, j) => acc + wj * (x[j] ?? 0), 0),
  );
  return softmax(logits);
}

/** Index of the largest value (first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) {
    if ((values[i] as number) > (values[best] as number)) best = i;
  }
  return best;
}

/** Mean cross-entropy of the model on standardized rows `x` with class indices `y`. */
export function crossEntropy(
  params: SoftmaxParameters,
  x: readonly number[][],
  y: readonly number[],
): number {
  let loss = 0;
  x.forEach((row, i) => {
    const p = predictProbabilities(params, row)[y[i] ?? 0] ?? 0;
    loss -= Math.log(Math.max(p, 1e-300));
  });
  return loss / x.length;
}

/** Trains softmax regression on standardized rows `x` with class indices `y` in [0, classes). */
export function trainSoftmax(
  x: readonly number[][],
  y: readonly number[],
  classes: number,
  options: TrainOptions = {},
): SoftmaxParameters {
  const { learningRate = 0.5, epochs = 3000, l2 = 1e-3 } = options;
  const n = x.length;
  const d = x[0]?.length ?? 0;
  if (n === 0 || d === 0) throw new RangeError('trainSoftmax: need at least one row and feature');
  if (y.length !== n) throw new RangeError(`trainSoftmax: ${n} rows but ${y.length} labels`);
  // Zero initialisation is fine: the softmax loss is convex, so gradient descent needs no symmetry breaking.
  const weights = Array.from({ length: classes }, () => new Array<number>(d).fill(0));
  const bias = new Array<number>(classes).fill(0);
  const params = { weights, bias };
  const gradW = Array.from({ length: classes }, () => new Array<number>(d).fill(0));
  const gradB = new Array<number>(classes).fill(0);
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (let k = 0; k < classes; k += 1) {
      (gradW[k] as number[]).fill(0);
      gradB[k] = 0;
    }
    for (let i = 0; i < n; i += 1) {
      const row = x[i] as number[];
      const p = predictProbabilities(params, row);
      for (let k = 0; k < classes; k += 1) {
        const err = (p[k] ?? 0) - (y[i] === k ? 1 : 0);
        const gw = gradW[k] as number[];
        for (let j = 0; j < d; j += 1) gw[j] = (gw[j] ?? 0) + err * (row[j] ?? 0);
        gradB[k] = (gradB[k] ?? 0) + err;
      }
    }
    for (let k = 0; k < classes; k += 1) {
      const w = weights[k] as number[];
      const gw = gradW[k] as number[];
      for (let j = 0; j < d; j += 1) {
        w[j] = (w[j] ?? 0) - learningRate * ((gw[j] ?? 0) / n + l2 * (w[j] ?? 0));
      }
      bias[k] = (bias[k] ?? 0) - (learningRate * (gradB[k] ?? 0)) / n;
    }
  }
  return params;
}
