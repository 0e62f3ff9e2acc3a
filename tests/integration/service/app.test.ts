// The express app through supertest: every endpoint and every error case, no process or port.
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { createApp } from '../../../service/src/app.js';
import { createLifecycle, type Lifecycle } from '../../../service/src/lifecycle.js';
import { createLogger, type LogSink } from '../../../service/src/logger.js';
import { createMetrics } from '../../../service/src/metrics.js';
import { Model, type ModelArtifact } from '../../../service/src/model.js';

const artifact = JSON.parse(
  readFileSync(new URL('../../../service/model/model.json', import.meta.url), 'utf8'),
) as ModelArtifact;
const model = new Model(artifact);

function setup(state: Lifecycle = { ...createLifecycle(), ready: true }) {
  const lines: string[] = [];
  const sink: LogSink = { write: (l) => void lines.push(l), flush: () => undefined };
  const metrics = createMetrics(
    { sha: 'abc123', version: '1.0.0', modelName: model.name, modelVersion: model.version },
    { defaultMetrics: false },
  );
  const app = createApp({
    model,
    metrics,
    logger: createLogger('info', sink),
    state,
    build: { sha: 'abc123', built: '2026-11-23T00:00:00Z', version: '1.0.0' },
  });
  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { app, state, metrics, logs };
}

const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VERSICOLOR = [7.0, 3.2, 4.7, 1.4];
const VIRGINICA = [6.3, 3.3, 6.0, 2.5];

describe('POST /score', () => {
  const { app } = setup();

  it('scores one row with label, per-class probabilities and the model identity', async () => {
    const res = await request(app).post('/score').send({ X: SETOSA }).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.model).toEqual({ name: 'iris-classifier', version: artifact.version });
    expect(res.body.score).toHaveLength(1);
    const [row] = res.body.score;
    expect(row.label).toBe('setosa');
    expect(Object.keys(row.probabilities)).toEqual(['setosa', 'versicolor', 'virginica']);
    const total = Object.values(row.probabilities as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    expect(total).toBeCloseTo(1, 10);
    expect(row.probabilities.setosa).toBeGreaterThan(0.9);
  });

  it('scores several rows in order', async () => {
    const res = await request(app)
      .post('/score')
      .send({ X: [VIRGINICA, SETOSA, VERSICOLOR] })
      .expect(200);
    expect(res.body.score.map((s: { label: string }) => s.label)).toEqual([
      'virginica',
      'setosa',
      'versicolor',
    ]);
  });

  it.each([
    [
      { X: [1, 2, 3] },
      422,
      'X must have 4 features (sepal_length, sepal_width, petal_length, petal_width), got 3',
    ],
    [
      {
        X: [
          [1, 2, 3, 4],
          [1, 2, 3, 4, 5],
        ],
      },
      422,
      'X[1] must have 4 features (sepal_length, sepal_width, petal_length, petal_width), got 5',
    ],
    [{ X: [1, 2, 'a', 4] }, 422, 'X[2] (petal_length) must be a finite number, got "a"'],
    [{ Y: [1, 2, 3, 4] }, 400, expect.stringContaining('missing field X')],
    [[1, 2, 3, 4], 400, expect.stringContaining('request body must be a JSON object')],
  ])('rejects %j with %i and a JSON error', async (body, status, error) => {
    const res = await request(app)
      .post('/score')
      .send(body as object)
      .expect(status);
    expect(res.body).toEqual({ error });
  });

  it('rejects invalid JSON with 400', async () => {
    const res = await request(app)
      .post('/score')
      .set('content-type', 'application/json')
      .send('{"X": [1,')
      .expect(400);
    expect(res.body.error).toMatch(/^request body is not valid JSON/);
  });

  it('rejects a non-finite number literal (1e400) with 422', async () => {
    const res = await request(app)
      .post('/score')
      .set('content-type', 'application/json')
      .send('{"X": [1, 2, 3, 1e400]}')
      .expect(422);
    expect(res.body.error).toBe('X[3] (petal_width) must be a finite number, got Infinity');
  });

  it('rejects an empty body with 400', async () => {
    const res = await request(app)
      .post('/score')
      .set('content-type', 'application/json')
      .send('')
      .expect(400);
    expect(res.body).toEqual({ error: 'request body is empty; expected a JSON object' });
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await request(app).post('/score').type('form').send('X=1').expect(415);
    expect(res.body.error).toMatch(/Content-Type must be application\/json/);
  });

  it('rejects a body over 1 MiB with 413 (declared length)', async () => {
    const big = JSON.stringify({ X: SETOSA, pad: 'x'.repeat(1024 * 1024) });
    const res = await request(app)
      .post('/score')
      .set('content-type', 'application/json')
      .send(big)
      .expect(413);
    expect(res.body).toEqual({ error: 'request body is larger than 1048576 bytes' });
  });

  it('accepts a body just under 1 MiB', async () => {
    const body = JSON.stringify({ X: SETOSA, pad: '' });
    const padded = body.replace('"pad":""', `"pad":"${'x'.repeat(1024 * 1024 - body.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
    await request(app)
      .post('/score')
      .set('content-type', 'application/json')
      .send(padded)
      .expect(200);
  });
});

describe('Open Inference Protocol v2', () => {
  const { app, state } = setup();
  const infer = (body: object, name = 'iris-classifier') =>
    request(app).post(`/v2/models/${name}/infer`).send(body);
  const input = {
    name: 'input-0',
    datatype: 'FP32',
    shape: [2, 4],
    data: [...SETOSA, ...VIRGINICA],
  };

  it('serves server liveness/readiness and server metadata', async () => {
    expect((await request(app).get('/v2/health/live').expect(200)).body).toEqual({ live: true });
    expect((await request(app).get('/v2/health/ready').expect(200)).body).toEqual({ ready: true });
    expect((await request(app).get('/v2').expect(200)).body).toMatchObject({
      name: 'score-api',
      extensions: [],
    });
  });

  it('describes the model', async () => {
    const res = await request(app).get('/v2/models/iris-classifier').expect(200);
    expect(res.body).toMatchObject({
      name: 'iris-classifier',
      versions: [artifact.version],
      inputs: [{ name: 'input-0', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP64', shape: [-1, 3] },
      ],
    });
    await request(app).get(`/v2/models/iris-classifier/versions/${artifact.version}`).expect(200);
    expect((await request(app).get('/v2/models/iris-classifier/ready').expect(200)).body).toEqual({
      name: 'iris-classifier',
      ready: true,
    });
  });

  it('infers labels (BYTES [N]) and probabilities (FP64 [N,3]) with the protocol field names', async () => {
    const res = await infer({ id: 'req-7', inputs: [input] }).expect(200);
    expect(res.body).toMatchObject({
      id: 'req-7',
      model_name: 'iris-classifier',
      model_version: artifact.version,
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [2], data: ['setosa', 'virginica'] },
        { name: 'probabilities', datatype: 'FP64', shape: [2, 3] },
      ],
    });
    const probs = res.body.outputs[1].data as number[];
    expect(probs).toHaveLength(6);
    expect(probs[0]! + probs[1]! + probs[2]!).toBeCloseTo(1, 10);
  });

  it('returns only the requested outputs, and the request id when the body has no id', async () => {
    const res = await infer({
      inputs: [{ ...input, datatype: 'FP64' }],
      outputs: [{ name: 'probabilities' }],
    })
      .set('x-request-id', 'trace-42')
      .expect(200);
    expect(res.body.id).toBe('trace-42');
    expect(res.body.outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities']);
  });

  it.each([
    [{ inputs: [{ ...input, shape: [2, 3] }] }, /shape must be \[N, 4\]/],
    [{ inputs: [{ ...input, datatype: 'INT32' }] }, /datatype must be FP32 or FP64/],
    [
      { inputs: [{ ...input, data: [1, 2, 3] }] },
      /must be 8 numbers \(flat\) or 2 rows of 4 \(nested\) for shape \[2, 4\], got 3 entries/,
    ],
    [{ inputs: [] }, /inputs must be an array with one input tensor/],
  ])('rejects %j with 400 and an error object', async (body, message) => {
    const res = await infer(body).expect(400);
    expect(res.body).toEqual({ error: expect.stringMatching(message) });
  });

  it('answers 404 for an unknown model or version', async () => {
    const res = await infer({ inputs: [input] }, 'resnet').expect(404);
    expect(res.body).toEqual({
      error: 'unknown model "resnet"; this server serves "iris-classifier"',
    });
    await request(app).get('/v2/models/resnet').expect(404);
    await request(app).get('/v2/models/resnet/ready').expect(404);
    const v = await request(app).get('/v2/models/iris-classifier/versions/0.0.0-nope').expect(404);
    expect(v.body.error).toMatch(/unknown version "0.0.0-nope"/);
  });

  it('reports not ready while draining', async () => {
    state.draining = true;
    try {
      expect((await request(app).get('/v2/health/ready').expect(503)).body).toEqual({
        ready: false,
      });
      await request(app).get('/v2/models/iris-classifier/ready').expect(503);
      await request(app).get('/v2/health/live').expect(200);
    } finally {
      state.draining = false;
    }
  });
});

describe('probes, version, metrics, errors', () => {
  it('/healthz is always 200; /readyz follows ready and draining', async () => {
    const state = createLifecycle();
    const { app } = setup(state);
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    expect((await request(app).get('/readyz').expect(503)).body).toEqual({
      status: 'starting',
      error: 'not ready',
    });
    state.ready = true;
    expect((await request(app).get('/readyz').expect(200)).body.status).toBe('ready');
    state.draining = true;
    expect((await request(app).get('/readyz').expect(503)).body.status).toBe('draining');
    await request(app).get('/healthz').expect(200);
  });

  it('/version reports the build sha, date and model', async () => {
    const { app } = setup();
    const res = await request(app).get('/version').expect(200);
    expect(res.body).toEqual({
      sha: 'abc123',
      built: '2026-11-23T00:00:00Z',
      version: '1.0.0',
      model: { name: 'iris-classifier', version: artifact.version },
    });
  });

  it('/metrics counts requests by route template and status, and exposes build info', async () => {
    const { app } = setup();
    await request(app).post('/score').send({ X: SETOSA }).expect(200);
    await request(app)
      .post('/score')
      .send({ X: [1] })
      .expect(422);
    await request(app).post('/v2/models/iris-classifier/infer').send({ inputs: [] }).expect(400);
    await request(app).get('/no/such/path').expect(404);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toContain('http_requests_total{method="POST",route="/score",status="200"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="/score",status="422"} 1');
    expect(text).toContain(
      'http_requests_total{method="POST",route="/v2/models/:name/infer",status="400"} 1',
    );
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/score",status="200"\} 1/,
    );
    expect(text).toMatch(/score_api_inference_duration_seconds_count\{endpoint="score"\} 1/);
    expect(text).toContain(
      `score_api_build_info{sha="abc123",version="1.0.0",model="iris-classifier",model_version="${artifact.version}"} 1`,
    );
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    const { app } = setup();
    expect((await request(app).get('/nope').expect(404)).body).toEqual({
      error: 'no route for GET /nope',
    });
    expect((await request(app).delete('/score').expect(404)).body).toEqual({
      error: 'no route for DELETE /score',
    });
  });

  it('logs one JSON line per request with the request id, echoing x-request-id', async () => {
    const { app, logs } = setup();
    const res = await request(app).get('/healthz').set('x-request-id', 'abc-123').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await request(app)
      .get('/healthz')
      .set('x-request-id', 'bad id with spaces')
      .expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const lines = logs().filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'info',
      requestId: 'abc-123',
      method: 'GET',
      path: '/healthz',
      route: '/healthz',
      status: 200,
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(lines[1]?.requestId).toBe(generated.headers['x-request-id']);
  });

  it('asks keep-alive clients to reconnect elsewhere from the moment draining starts', async () => {
    const { app, state } = setup();
    const get = () => request(app).get('/healthz').set('connection', 'keep-alive');
    expect((await get()).headers.connection).toBe('keep-alive');
    state.draining = true;
    expect((await get()).headers.connection).toBe('close');
    const score = await request(app)
      .post('/score')
      .set('connection', 'keep-alive')
      .send({ X: SETOSA })
      .expect(200);
    expect(score.headers.connection).toBe('close');
  });
});
