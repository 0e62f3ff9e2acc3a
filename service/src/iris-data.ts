// Parses the iris CSV (features + species label) into plain arrays; no file I/O here.

/** A labelled data set: one feature row and one class label per example. */
export interface Dataset {
  featureNames: string[];
  features: number[][];
  labels: string[];
}

/** Thrown when the CSV text is not a well-formed labelled numeric table. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Parses CSV text whose last column is the label and whose other columns are finite numbers. */
export function parseLabelledCsv(text: string, source = 'csv'): Dataset {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (header === undefined) throw new DatasetError(`${source}: empty file, expected a header row`);
  const columns = header.split(',').map((c) => c.trim());
  if (columns.length < 2) {
    throw new DatasetError(`${source}: header needs at least one feature and a label column`);
  }
  const featureNames = columns.slice(0, -1);
  const features: number[][] = [];
  const labels: string[] = [];
  lines.forEach((line, index) => {
    const cells = line.split(',').map((c) => c.trim());
    const lineNo = index + 2;
    if (cells.length !== columns.length) {
      throw new DatasetError(
        `${source}:${lineNo}: expected ${columns.length} columns, got ${cells.length}`,
      );
    }
    const row = cells.slice(0, -1).map((cell, col) => {
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) {
        throw new DatasetError(
          `${source}:${lineNo}: ${featureNames[col]} must be a finite number, got "${cell}"`,
        );
      }
      return value;
    });
    const label = cells[cells.length - 1] ?? '';
    if (label === '') throw new DatasetError(`${source}:${lineNo}: empty label`);
    features.push(row);
    labels.push(label);
  });
  if (features.length === 0) throw new DatasetError(`${source}: no data rows`);
  return { featureNames, features, labels };
}

/** Returns the distinct labels in first-seen order. */
export function classesOf(labels: readonly string[]): string[] {
  return [...new Set(labels)];
}
