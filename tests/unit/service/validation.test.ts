import { MAX_ROWS } from '../../../service/src/limits.js';
import { parseInferBody, parseScoreBody } from '../../../service/src/validation.js';

const features = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe('parseScoreBody', () => {
  it('accepts one row', () => {
    const r = parseScoreBody({ X: [5.1, 3.5, 1.4, 0.2] }, features);
    expect(r).toEqual({ ok: true, rows: 1, data: Float64Array.from([5.1, 3.5, 1.4, 0.2]) });
  });

  it('accepts several rows, row-major', () => {
    const r = parseScoreBody(
      {
        X: [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
      },
      features,
    );
    expect(r).toEqual({ ok: true, rows: 2, data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
  });

  it.each([
    [null, 400, /request body must be a JSON object with X as 4 numbers/],
    [[1, 2, 3, 4], 400, /request body must be a JSON object/],
    [
      {},
      400,
      /missing field X; expected X as 4 numbers \(sepal_length, sepal_width, petal_length, petal_width\)/,
    ],
    [{ X: [] }, 422, /X must be a non-empty array/],
    [{ X: 'abc' }, 422, /X must be a non-empty array.*got "abc"/],
    [{ X: [1, 2, 3] }, 422, /^X must have 4 features \(sepal_length, .*\), got 3$/],
    [
      {
        X: [
          [1, 2, 3, 4],
          [1, 2],
        ],
      },
      422,
      /^X\[1\] must have 4 features .*, got 2$/,
    ],
    [{ X: [[1, 2, 3, 4], 7] }, 422, /^X\[1\] must be an array of 4 numbers, got 7$/],
    [{ X: [1, 2, '3', 4] }, 422, /^X\[2\] \(petal_length\) must be a finite number, got "3"$/],
    [{ X: [1, 2, null, 4] }, 422, /X\[2\] \(petal_length\) must be a finite number, got null/],
    [
      { X: [[1, 2, 3, Infinity]] },
      422,
      /X\[0\]\[3\] \(petal_width\) must be a finite number, got Infinity/,
    ],
  ])('rejects %j with %i', (body, status, message) => {
    const r = parseScoreBody(body, features);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status).toBe(status);
      expect(r.message).toMatch(message);
    }
  });
});

const input = (over: Record<string, unknown> = {}) => ({
  name: 'input-0',
  datatype: 'FP64',
  shape: [2, 4],
  data: [1, 2, 3, 4, 5, 6, 7, 8],
  ...over,
});

describe('parseInferBody', () => {
  it('accepts flat FP64 data of shape [N, 4] and defaults to both outputs', () => {
    const r = parseInferBody({ id: 'req-1', inputs: [input()] }, 4);
    expect(r).toEqual({
      ok: true,
      id: 'req-1',
      rows: 2,
      inputName: 'input-0',
      outputs: ['label', 'probabilities'],
      data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    });
  });

  it('accepts nested data and rounds FP32 to single precision', () => {
    const r = parseInferBody(
      {
        inputs: [input({ datatype: 'FP32', shape: [1, 4], data: [[0.1, 2, 3, 4]] })],
        outputs: [{ name: 'label' }],
      },
      4,
    );
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.data[0]).toBe(Math.fround(0.1));
      expect(r.outputs).toEqual(['label']);
      expect(r.id).toBeUndefined();
    }
  });

  it.each([
    [
      {},
      /inputs must be an array with one input tensor with datatype FP32 or FP64 and shape \[N, 4\]/,
    ],
    [{ inputs: [input(), input()] }, /inputs must be an array with one input tensor/],
    [
      { inputs: [input({ datatype: 'INT64' })] },
      /inputs\[0\].datatype must be FP32 or FP64, got "INT64"/,
    ],
    [
      { inputs: [input({ shape: [2, 3] })] },
      /inputs\[0\].shape must be \[N, 4\] with N >= 1, got \[2, 3\]/,
    ],
    [{ inputs: [input({ shape: [8] })] }, /inputs\[0\].shape must be \[N, 4\], got \[8\]/],
    [
      { inputs: [input({ shape: [3, 4] })] },
      /data must be 12 numbers \(flat\) or 3 rows of 4 \(nested\) for shape \[3, 4\], got 8 entries/,
    ],
    [
      { inputs: [input({ data: [1, 2, 3, 4, 5, 6, 7, 'x'] })] },
      /inputs\[0\].data\[7\] must be a finite number, got "x"/,
    ],
    [
      { inputs: [input({ shape: [1, 4], data: [[[1], 2, 3, 4]] })] },
      /data\[0\]\[0\] must be a finite number, got an array of 1/,
    ],
    [
      {
        inputs: [
          input({
            data: [
              [1, 2, 3],
              [4, 5, 6, 7, 8],
            ],
          }),
        ],
      },
      /^inputs\[0\]\.data\[0\] must be a row of 4 numbers \(shape \[2, 4\]\), got an array of 3$/,
    ],
    [{ inputs: [input({ data: [[1, 2, 3, 4], 5, 6, 7, 8] })] }, /got 5 entries/],
    [
      { inputs: [input({ data: [1, 2, 3, 4, 5, 6, 7, [8]] })] },
      /^inputs\[0\]\.data\[7\] must be a finite number, got an array of 1$/,
    ],
    [
      { inputs: [input({ datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 1e39] })] },
      /^inputs\[0\]\.data\[7\] is 1e\+39, outside the FP32 range \(magnitude at most 3\.4028234663852886e\+38\)$/,
    ],
    [
      {
        inputs: [
          input({
            datatype: 'FP32',
            data: [
              [1, 2, 3, 4],
              [5, 6, 7, -3.5e38],
            ],
          }),
        ],
      },
      /^inputs\[0\]\.data\[1\]\[3\] is -3\.5e\+38, outside the FP32 range/,
    ],
    [
      { inputs: [input()], outputs: [{ name: 'label' }, { name: 'label' }] },
      /^outputs\[1\] repeats "label"; ask for each output once$/,
    ],
    [{ inputs: [input({ shape: [1e300, 4] })] }, /shape must be \[N, 4\], got \[1e\+300,4\]/],
    [{ inputs: [input({ name: '' })] }, /inputs\[0\].name must be a non-empty string/],
    [
      { inputs: [input()], outputs: [{ name: 'logits' }] },
      /unknown output "logits"; this model has outputs label, probabilities/,
    ],
    [{ id: 5, inputs: [input()] }, /id must be a string/],
  ])('rejects %j with 400', (body, message) => {
    const r = parseInferBody(body, 4);
    expect(r).toEqual({ ok: false, status: 400, message: expect.stringMatching(message) });
  });

  it('keeps FP32 values that round to the largest finite float', () => {
    const r = parseInferBody(
      { inputs: [input({ datatype: 'FP32', shape: [1, 4], data: [3.4028235e38, 0, 0, 0] })] },
      4,
    );
    expect(r.ok && r.data[0]).toBe(3.4028234663852886e38);
  });

  it.each([
    [
      { inputs: [input({ shape: [MAX_ROWS + 1, 4], data: [] })] },
      `inputs[0] has ${MAX_ROWS + 1} rows; the cap is ${MAX_ROWS} rows per request`,
    ],
    [
      { inputs: [input()], outputs: Array.from({ length: 5000 }, () => ({ name: 'label' })) },
      'outputs has 5000 entries; the cap is 2, one per model output (label, probabilities)',
    ],
  ])('refuses a request over a cap with 413 naming the cap (%#)', (body, message) => {
    expect(parseInferBody(body, 4)).toEqual({ ok: false, status: 413, message });
  });
});

describe('row cap of /score', () => {
  it('accepts MAX_ROWS rows and refuses one more with 413 naming the cap', () => {
    const rows = (n: number) => Array.from({ length: n }, () => [1, 2, 3, 4]);
    expect(parseScoreBody({ X: rows(MAX_ROWS) }, features)).toMatchObject({
      ok: true,
      rows: MAX_ROWS,
    });
    expect(parseScoreBody({ X: rows(MAX_ROWS + 1) }, features)).toEqual({
      ok: false,
      status: 413,
      message: `X has ${MAX_ROWS + 1} rows; the cap is ${MAX_ROWS} rows per request`,
    });
  });
});
