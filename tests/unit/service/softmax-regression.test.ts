import {
  argmax,
  crossEntropy,
  fitScaler,
  predictProbabilities,
  softmax,
  standardize,
  trainSoftmax,
} from '../../../service/src/softmax-regression.js';

describe('softmax', () => {
  it('returns probabilities that sum to 1 and keep the order of the logits', () => {
    const p = softmax([1, 2, 3]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeGreaterThan(p[1] as number);
    expect(p[1]).toBeGreaterThan(p[0] as number);
    expect(p[0]).toBeCloseTo(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
  });

  it('stays finite for huge logits', () => {
    const p = softmax([1000, 1001, -1000]);
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(p[2]).toBe(0);
  });
});

describe('fitScaler / standardize', () => {
  it('centres each column and scales it to unit population std', () => {
    const rows = [
      [1, 10, 5],
      [3, 20, 5],
      [5, 30, 5],
    ];
    const scaler = fitScaler(rows);
    expect(scaler.mean).toEqual([3, 20, 5]);
    expect(scaler.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(scaler.std[2]).toBe(1); // constant column
    const z = rows.map((r) => standardize(r, scaler));
    for (let j = 0; j < 2; j += 1) {
      const col = z.map((r) => r[j] as number);
      expect(col.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
      expect(col.reduce((a, b) => a + b * b, 0) / col.length).toBeCloseTo(1, 12);
    }
  });
});

describe('argmax', () => {
  it('returns the index of the largest value, the first on ties', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax([0.5, 0.5])).toBe(0);
  });
});

describe('trainSoftmax', () => {
  // Three well separated clusters in 2-D; any correct trainer separates them.
  const x = [
    [-2, -2],
    [-2.2, -1.8],
    [-1.8, -2.1],
    [2, 2],
    [2.1, 1.9],
    [1.9, 2.2],
    [2, -2],
    [2.2, -1.9],
    [1.8, -2.1],
  ];
  const y = [0, 0, 0, 1, 1, 1, 2, 2, 2];

  it('fits separable classes and lowers the loss from log(k)', () => {
    const params = trainSoftmax(x, y, 3, { epochs: 500 });
    const predicted = x.map((row) => argmax(predictProbabilities(params, row)));
    expect(predicted).toEqual(y);
    expect(crossEntropy(params, x, y)).toBeLessThan(0.1);
    const untrained = trainSoftmax(x, y, 3, { epochs: 0 });
    expect(crossEntropy(untrained, x, y)).toBeCloseTo(Math.log(3), 12);
  });

  it('is deterministic', () => {
    expect(trainSoftmax(x, y, 3, { epochs: 50 })).toEqual(trainSoftmax(x, y, 3, { epochs: 50 }));
  });

  it('rejects mismatched rows and labels', () => {
    expect(() => trainSoftmax(x, [0], 3)).toThrow(/9 rows but 1 labels/);
    expect(() => trainSoftmax([], [], 3)).toThrow(/at least one row/);
  });
});
