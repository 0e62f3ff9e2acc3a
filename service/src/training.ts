// Turns a labelled data set into a model artifact: seeded stratified split, fit, held-out evaluation.
import { classesOf, type Dataset } from './iris-data.js';
import { MODEL_FORMAT, Model, type ModelArtifact } from './model.js';
import { seededRandom, shuffled } from './random.js';
import {
  crossEntropy,
  fitScaler,
  standardize,
  trainSoftmax,
  type TrainOptions,
} from './softmax-regression.js';

/** What to train and how to name the result. */
export interface TrainingOptions extends TrainOptions {
  name?: string;
  version: string;
  seed?: number;
  testFraction?: number;
  trainedAt?: Date;
}

/** The artifact plus the figures training reports. */
export interface TrainingResult {
  artifact: ModelArtifact;
  trainAccuracy: number;
  testAccuracy: number;
  trainSize: number;
  testSize: number;
}

/** Splits row indices per class so each class keeps its share in both parts (seeded). */
export function stratifiedSplit(
  labels: readonly string[],
  testFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be between 0 and 1, got ${testFraction}`);
  }
  const random = seededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of classesOf(labels)) {
    const idx = labels.flatMap((l, i) => (l === cls ? [i] : []));
    const order = shuffled(idx, random);
    const nTest = Math.round(order.length * testFraction);
    test.push(...order.slice(0, nTest));
    train.push(...order.slice(nTest));
  }
  return { train: shuffled(train, random), test: shuffled(test, random) };
}

/** Fraction of rows whose predicted label equals the true label. */
export function accuracy(
  model: Model,
  rows: readonly number[][],
  labels: readonly string[],
): number {
  const prediction = model.predict(rows.flat(), rows.length);
  if (!prediction.ok) {
    throw new RangeError(`accuracy: row ${prediction.row} gives a non-finite logit`);
  }
  return prediction.labels.filter((p, i) => p === labels[i]).length / rows.length;
}

/** Trains a softmax-regression classifier on `data` and evaluates it on a held-out split. */
export function trainClassifier(data: Dataset, options: TrainingOptions): TrainingResult {
  const seed = options.seed ?? 42;
  const testFraction = options.testFraction ?? 0.2;
  const classes = classesOf(data.labels);
  const split = stratifiedSplit(data.labels, testFraction, seed);
  const trainX = split.train.map((i) => data.features[i] as number[]);
  const trainY = split.train.map((i) => data.labels[i] as string);
  const testX = split.test.map((i) => data.features[i] as number[]);
  const testY = split.test.map((i) => data.labels[i] as string);
  const scaler = fitScaler(trainX);
  const z = trainX.map((row) => standardize(row, scaler));
  const yIdx = trainY.map((l) => classes.indexOf(l));
  const params = trainSoftmax(z, yIdx, classes.length, options);
  const partial: ModelArtifact = {
    format: MODEL_FORMAT,
    name: options.name ?? 'iris-classifier',
    version: options.version,
    classes,
    features: data.featureNames,
    parameters: { scaler, weights: params.weights, bias: params.bias },
    trainedAt: (options.trainedAt ?? new Date()).toISOString(),
    metrics: {},
  };
  const model = new Model(partial);
  const trainAccuracy = accuracy(model, trainX, trainY);
  const testAccuracy = accuracy(model, testX, testY);
  const trainLoss = crossEntropy(params, z, yIdx);
  const artifact: ModelArtifact = {
    ...partial,
    metrics: {
      testAccuracy,
      trainAccuracy,
      trainLoss,
      trainSize: trainX.length,
      testSize: testX.length,
      seed,
      testFraction,
      algorithm: 'multinomial logistic regression, full-batch gradient descent, L2',
      learningRate: options.learningRate ?? 0.5,
      epochs: options.epochs ?? 3000,
      l2: options.l2 ?? 1e-3,
    },
  };
  return {
    artifact,
    trainAccuracy,
    testAccuracy,
    trainSize: trainX.length,
    testSize: testX.length,
  };
}
