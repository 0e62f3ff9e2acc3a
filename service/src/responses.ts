// The bodies of /score and v2 infer answers, and upper bounds of their JSON size, side by side so a
// change to one is seen next to the other. The bounds let a request be refused (413) before the work
// is done and the bytes exist, not after.
import type { Model, Prediction } from './model.js';
import type { V2Output } from './validation.js';

/** Longest JSON of a double in [0, 1]: "0.00000" + 17 digits, or "d.dddddddddddddddde-308". */
const PROBABILITY_JSON_MAX = 24;
// Digits of the row count in `shape`, which the fixed part below is measured without.
const SHAPE_DIGITS_MAX = 16;

const jsonLength = (value: unknown): number => JSON.stringify(value).length;

/** Builds response bodies for `model` and bounds their size. */
export function createResponses(model: Model) {
  const { classes } = model;
  const k = classes.length;
  const modelInfo = { name: model.name, version: model.version };
  const labelMax = Math.max(...classes.map(jsonLength));
  // {"label":L,"probabilities":{"c1":p,...}}, plus the comma between rows.
  const scoreRow =
    '{"label":,"probabilities":{}},'.length +
    labelMax +
    classes.reduce((sum, c) => sum + jsonLength(c) + 1 + PROBABILITY_JSON_MAX + 1, 0);
  const scoreFixed = jsonLength({ score: [], model: modelInfo });
  const inferRow: Record<V2Output, number> = {
    label: labelMax + 1,
    probabilities: k * (PROBABILITY_JSON_MAX + 1),
  };
  const inferOutputFixed: Record<V2Output, number> = {
    label: jsonLength({ name: 'label', datatype: 'BYTES', shape: [], data: [] }) + 1,
    probabilities:
      jsonLength({ name: 'probabilities', datatype: 'FP64', shape: [k], data: [] }) + 2,
  };
  const inferFixed = jsonLength({
    model_name: model.name,
    model_version: model.version,
    id: '',
    outputs: [],
  });

  return {
    /** At least the length of scoreBody's JSON for `rows` rows. */
    scoreBound: (rows: number): number => scoreFixed + rows * scoreRow,

    /** At least the length of inferBody's JSON for `rows` rows, `outputs` and `id`. */
    inferBound(rows: number, outputs: readonly V2Output[], id: string): number {
      let size = inferFixed + jsonLength(id);
      for (const o of outputs) size += inferOutputFixed[o] + SHAPE_DIGITS_MAX + rows * inferRow[o];
      return size;
    },

    scoreBody(p: Prediction, rows: number) {
      const score = new Array<{ label: string; probabilities: Record<string, number> }>(rows);
      for (let r = 0; r < rows; r += 1) {
        const probabilities: Record<string, number> = {};
        for (let c = 0; c < k; c += 1) {
          probabilities[classes[c] as string] = p.probabilities[r * k + c] as number;
        }
        score[r] = { label: p.labels[r] as string, probabilities };
      }
      return { score, model: modelInfo };
    },

    inferBody(p: Prediction, rows: number, outputs: readonly V2Output[], id: string) {
      return {
        model_name: model.name,
        model_version: model.version,
        id,
        outputs: outputs.map((name) =>
          name === 'label'
            ? { name, datatype: 'BYTES', shape: [rows], data: p.labels }
            : {
                name,
                datatype: 'FP64',
                shape: [rows, k],
                data: Array.from(p.probabilities),
              },
        ),
      };
    },
  };
}
