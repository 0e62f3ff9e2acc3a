import { readFileSync } from 'node:fs';
import { DEFAULT_SMOKE, judgeSmoke, parseSmokeInput } from '../../../gitops/rules/smoke-check.js';
import { InputError } from '../../../gitops/errors.js';

const answer = (label: string): string =>
  JSON.stringify({
    score: [{ label, probabilities: { setosa: 0.9, versicolor: 0.05, virginica: 0.05 } }],
    model: { name: 'iris-classifier', version: '1.0.0' },
  });

describe('judgeSmoke (the known request through the Service)', () => {
  it('passes the known label', () => {
    expect(judgeSmoke(DEFAULT_SMOKE, { status: 200, body: answer('setosa') })).toEqual({
      state: 'passed',
      message: 'POST /score labelled the known input "setosa"',
    });
  });

  it('fails a wrong label, an error status and a body that is not JSON', () => {
    const wrong = judgeSmoke(DEFAULT_SMOKE, { status: 200, body: answer('virginica') });
    expect(wrong).toMatchObject({ state: 'failed' });
    expect(wrong.message).toContain('labelled the known input "virginica", expected "setosa"');
    expect(
      judgeSmoke(DEFAULT_SMOKE, { status: 422, body: '{"error":"X must have 4 features"}' }),
    ).toMatchObject({ state: 'failed', message: expect.stringContaining('HTTP 422') });
    expect(judgeSmoke(DEFAULT_SMOKE, { status: 200, body: '<html>' })).toMatchObject({
      state: 'failed',
      message: expect.stringContaining('not JSON'),
    });
    // A 503 from the Service itself (not the API server's Status) is its answer.
    expect(judgeSmoke(DEFAULT_SMOKE, { status: 503, body: '{"error":"draining"}' }).state).toBe(
      'failed',
    );
  });

  it('calls the API server finding no endpoint, and no answer at all, unanswered', () => {
    const status = JSON.stringify({
      kind: 'Status',
      code: 503,
      message: 'no endpoints available for service "score-api:http"',
    });
    expect(judgeSmoke(DEFAULT_SMOKE, { status: 503, body: status })).toMatchObject({
      state: 'unanswered',
      message: expect.stringContaining('no endpoints available'),
    });
    expect(judgeSmoke(DEFAULT_SMOKE, { status: 0, body: 'ECONNRESET' }).state).toBe('unanswered');
  });

  it('uses a flower of the training data, labelled as the data labels it', () => {
    const csv = readFileSync(new URL('../../../service/data/iris.csv', import.meta.url), 'utf8');
    const body = DEFAULT_SMOKE.body as { X: number[] };
    const row = csv
      .split('\n')
      .map((l) => l.trim().split(','))
      .find((cells) => cells.slice(0, 4).map(Number).join() === body.X.join());
    expect(row?.[4]).toContain(DEFAULT_SMOKE.label);
  });

  it('accepts a JSON object as input and refuses anything else, naming the input', () => {
    expect(parseSmokeInput('{"X":[1,2,3,4]}')).toEqual({ X: [1, 2, 3, 4] });
    expect(() => parseSmokeInput('[1,2]', '--smoke-input')).toThrow(InputError);
    expect(() => parseSmokeInput('{X:', '--smoke-input')).toThrow(/--smoke-input.*JSON object/);
  });
});
