import { readFileSync } from 'node:fs';
import { classesOf, DatasetError, parseLabelledCsv } from '../../../service/src/iris-data.js';
import { Model } from '../../../service/src/model.js';
import { stratifiedSplit, trainClassifier } from '../../../service/src/training.js';

const csv = readFileSync(new URL('../../../service/data/iris.csv', import.meta.url), 'utf8');
const iris = parseLabelledCsv(csv, 'iris.csv');

describe('the iris data set', () => {
  it('has 150 rows, 50 per species, and the four measurements', () => {
    expect(iris.features).toHaveLength(150);
    expect(iris.featureNames).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
    ]);
    const counts = Object.fromEntries(
      classesOf(iris.labels).map((c) => [c, iris.labels.filter((l) => l === c).length]),
    );
    expect(counts).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });
  });

  it('matches well-known rows and per-species means of Fisher (1936)', () => {
    expect(iris.features[0]).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(iris.features[50]).toEqual([7.0, 3.2, 4.7, 1.4]);
    expect(iris.features[149]).toEqual([5.9, 3.0, 5.1, 1.8]);
    // Rows 35 and 38 as Fisher published them (the UCI copy has two transcription errors there).
    expect(iris.features[34]).toEqual([4.9, 3.1, 1.5, 0.2]);
    expect(iris.features[37]).toEqual([4.9, 3.6, 1.4, 0.1]);
    const mean = (cls: string, j: number) => {
      const rows = iris.features.filter((_r, i) => iris.labels[i] === cls);
      return rows.reduce((a, r) => a + (r[j] as number), 0) / rows.length;
    };
    expect([0, 1, 2, 3].map((j) => mean('setosa', j))).toEqual(
      [5.006, 3.428, 1.462, 0.246].map((v) => expect.closeTo(v, 9)),
    );
    expect([0, 1, 2, 3].map((j) => mean('virginica', j))).toEqual(
      [6.588, 2.974, 5.552, 2.026].map((v) => expect.closeTo(v, 9)),
    );
  });
});

describe('parseLabelledCsv', () => {
  it('names the line and column of a bad cell', () => {
    expect(() => parseLabelledCsv('a,b,label\n1,x,foo\n', 'f.csv')).toThrow(
      new DatasetError('f.csv:2: b must be a finite number, got "x"'),
    );
    expect(() => parseLabelledCsv('a,b,label\n1,2\n', 'f.csv')).toThrow(
      /f.csv:2: expected 3 columns, got 2/,
    );
    expect(() => parseLabelledCsv('', 'f.csv')).toThrow(/empty file/);
    expect(() => parseLabelledCsv('a,label\n', 'f.csv')).toThrow(/no data rows/);
  });
});

describe('stratifiedSplit', () => {
  it('keeps each class share in the test part and covers every row once', () => {
    const { train, test } = stratifiedSplit(iris.labels, 0.2, 7);
    expect(test).toHaveLength(30);
    expect(train).toHaveLength(120);
    expect(new Set([...train, ...test]).size).toBe(150);
    for (const cls of ['setosa', 'versicolor', 'virginica']) {
      expect(test.filter((i) => iris.labels[i] === cls)).toHaveLength(10);
    }
  });

  it('is reproducible for a seed and differs between seeds', () => {
    expect(stratifiedSplit(iris.labels, 0.2, 1)).toEqual(stratifiedSplit(iris.labels, 0.2, 1));
    expect(stratifiedSplit(iris.labels, 0.2, 1).test).not.toEqual(
      stratifiedSplit(iris.labels, 0.2, 2).test,
    );
  });

  it('rejects a test fraction outside (0, 1)', () => {
    expect(() => stratifiedSplit(iris.labels, 1, 1)).toThrow(/between 0 and 1/);
  });
});

describe('trainClassifier on iris', () => {
  const trainedAt = new Date('2026-01-01T00:00:00Z');
  const result = trainClassifier(iris, { version: '9.9.9', seed: 42, trainedAt });

  it('reaches at least 0.9 accuracy on the held-out rows', () => {
    expect(result.testSize).toBe(30);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('writes a complete, loadable artifact with its metrics', () => {
    const { artifact } = result;
    expect(artifact).toMatchObject({
      format: 'softmax-regression/v1',
      name: 'iris-classifier',
      version: '9.9.9',
      classes: ['setosa', 'versicolor', 'virginica'],
      trainedAt: '2026-01-01T00:00:00.000Z',
      metrics: { testAccuracy: result.testAccuracy, trainSize: 120, testSize: 30, seed: 42 },
    });
    const model = new Model(JSON.parse(JSON.stringify(artifact)));
    expect(model.predict([5.1, 3.5, 1.4, 0.2], 1)).toMatchObject({ ok: true, labels: ['setosa'] });
  });

  it('is deterministic for the same seed', () => {
    const again = trainClassifier(iris, { version: '9.9.9', seed: 42, trainedAt });
    expect(again.artifact).toEqual(result.artifact);
  });

  it('generalises across seeds (no lucky split)', () => {
    for (const seed of [1, 2, 3]) {
      expect(
        trainClassifier(iris, { version: 'x', seed, epochs: 1000 }).testAccuracy,
      ).toBeGreaterThanOrEqual(0.9);
    }
  });
});
