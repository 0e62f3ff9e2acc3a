import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadModel,
  Model,
  ModelLoadError,
  parseArtifact,
  validateArtifact,
  type ModelArtifact,
} from '../../../service/src/model.js';
import { predictProbabilities, standardize } from '../../../service/src/softmax-regression.js';

const committedPath = new URL('../../../service/model/model.json', import.meta.url);
const committed = JSON.parse(readFileSync(committedPath, 'utf8')) as ModelArtifact;

const tiny = (): ModelArtifact => ({
  format: 'softmax-regression/v1',
  name: 'tiny',
  version: '0.0.1',
  classes: ['a', 'b'],
  features: ['f1', 'f2'],
  parameters: {
    scaler: { mean: [1, 2], std: [2, 4] },
    weights: [
      [1, -1],
      [-0.5, 2],
    ],
    bias: [0.1, -0.2],
  },
  trainedAt: '2026-01-01T00:00:00.000Z',
  metrics: {},
});

/** predict() that must succeed. */
function predictOk(model: Model, data: number[], rows: number) {
  const p = model.predict(data, rows);
  if (!p.ok) throw new Error(`unexpected overflow at row ${p.row}`);
  return p;
}

describe('Model.predict', () => {
  it('equals softmax(W standardize(x) + b) with the scaler folded into the weights', () => {
    const artifact = tiny();
    const model = new Model(artifact);
    const rows = [
      [3, 5],
      [-1, 0.5],
      [100, -40],
    ];
    const { labels, probabilities } = predictOk(model, rows.flat(), rows.length);
    rows.forEach((row, r) => {
      const expected = predictProbabilities(
        { weights: artifact.parameters.weights, bias: artifact.parameters.bias },
        standardize(row, artifact.parameters.scaler),
      );
      expect(probabilities[r * 2]).toBeCloseTo(expected[0] as number, 12);
      expect(probabilities[r * 2 + 1]).toBeCloseTo(expected[1] as number, 12);
      expect(labels[r]).toBe((expected[0] as number) >= (expected[1] as number) ? 'a' : 'b');
    });
  });

  it('classifies textbook rows of each species with the committed model', () => {
    const model = new Model(committed);
    const { labels } = predictOk(
      model,
      [5.1, 3.5, 1.4, 0.2, 7.0, 3.2, 4.7, 1.4, 6.3, 3.3, 6.0, 2.5],
      3,
    );
    expect(labels).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('gives finite probabilities summing to 1 for huge but finite logits (log-sum-exp)', () => {
    const model = new Model(committed);
    for (const row of [
      [1e300, 1e300, 1e300, 1e300],
      [1e300, -1e300, 1e300, -1e300],
      [-1e250, 5e249, 0, 3],
      [1e-300, 0, -0, 5e-324],
    ]) {
      const { labels, probabilities } = predictOk(model, row, 1);
      const p = Array.from(probabilities);
      expect(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(labels[0]).toBe(committed.classes[p.indexOf(Math.max(...p))]);
    }
  });

  it('refuses a row whose logits overflow, naming the row and class, instead of answering NaN', () => {
    const model = new Model(committed);
    const rows = [5.1, 3.5, 1.4, 0.2, 1e308, 1e308, 1e308, 1e308];
    expect(model.predict(rows, 2)).toEqual({ ok: false, row: 1, className: 'setosa' });
    expect(model.predict([1e308, -1e308, 1e308, -1e308], 1)).toMatchObject({ ok: false, row: 0 });
  });
});

describe('the committed artifact', () => {
  it('is a valid iris-classifier with recorded held-out accuracy >= 0.9', () => {
    expect(validateArtifact(committed)).toEqual({ artifact: committed });
    expect(committed.name).toBe('iris-classifier');
    expect(committed.features).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
    ]);
    expect(committed.metrics.testAccuracy).toBeGreaterThanOrEqual(0.9);
  });
});

describe('validateArtifact', () => {
  const broken: [string, (a: Record<string, unknown>) => void, RegExp][] = [
    ['wrong format', (a) => (a.format = 'onnx'), /format must be "softmax-regression\/v1"/],
    ['no name', (a) => delete a.name, /name must be a non-empty string/],
    ['one class', (a) => (a.classes = ['a']), /classes must be an array of at least two/],
    ['duplicate classes', (a) => (a.classes = ['a', 'a']), /classes must be distinct/],
    [
      'short weights row',
      (a) => ((a.parameters as ModelArtifact['parameters']).weights[0] = [1]),
      /weights rows must be 2 finite/,
    ],
    [
      'zero std',
      (a) => ((a.parameters as ModelArtifact['parameters']).scaler.std = [1, 0]),
      /std must be 2 positive/,
    ],
    [
      'NaN bias',
      (a) => ((a.parameters as ModelArtifact['parameters']).bias = [0, Number.NaN]),
      /bias must be 2 finite/,
    ],
  ];
  it.each(broken)('rejects %s', (_name, mutate, message) => {
    const artifact = tiny() as unknown as Record<string, unknown>;
    mutate(artifact);
    const result = validateArtifact(artifact);
    expect(result).toEqual({ problem: expect.stringMatching(message) });
  });

  it('rejects non-objects', () => {
    expect(validateArtifact([1])).toEqual({ problem: 'expected a JSON object' });
  });
});

describe('parseArtifact / loadModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-test-'));

  it('loads a valid file', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(tiny()));
    const model = await loadModel(path);
    expect(model.name).toBe('tiny');
    expect(model.classes).toEqual(['a', 'b']);
  });

  it('reports a missing file as a ModelLoadError naming the path', async () => {
    const path = join(dir, 'missing.json');
    await expect(loadModel(path)).rejects.toEqual(new ModelLoadError(path, 'file not found'));
  });

  it('reports truncated JSON', async () => {
    const path = join(dir, 'truncated.json');
    writeFileSync(path, JSON.stringify(tiny()).slice(0, 60));
    await expect(loadModel(path)).rejects.toThrow(
      /cannot load model from .*truncated.json: invalid JSON/,
    );
  });

  it('reports a well-formed file that is not a model', () => {
    expect(() => parseArtifact('{"hello":"world"}', 'x.json')).toThrow(
      'cannot load model from x.json: format must be "softmax-regression/v1", got undefined',
    );
  });
});
