import {
  ActionInputs,
  envInputSource,
  inputEnvName,
  recordInputSource,
} from '../../../gitops/action/inputs.js';
import { InputError } from '../../../gitops/errors.js';

const SHA = 'a'.repeat(40);
const DIGEST = `sha256:${'b'.repeat(64)}`;

function inputs(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): ActionInputs {
  return new ActionInputs(recordInputSource(values), env);
}

function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('input environment names', () => {
  test('uppercases, turns spaces into underscores and keeps hyphens, like the runner', () => {
    expect(inputEnvName('new-name')).toBe('INPUT_NEW-NAME');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
    expect(envInputSource({ 'INPUT_NEW-NAME': ' x ' })('new-name')).toBe(' x ');
  });
});

describe('ActionInputs', () => {
  test('required names the input and the fallback variable when empty', () => {
    const err = inputErrorOf(() => inputs({ sha: '  ' }).required('sha', { env: 'GITHUB_SHA' }));
    expect(err.input).toBe('sha');
    expect(err.message).toMatch(/^sha: is required/);
    expect(err.message).toContain('GITHUB_SHA');
  });

  test('optional prefers the input, then the environment, then the default', () => {
    expect(inputs({ x: ' v ' }, { X: 'e' }).optional('x', { env: 'X', default: 'd' })).toBe('v');
    expect(inputs({}, { X: 'e' }).optional('x', { env: 'X', default: 'd' })).toBe('e');
    expect(inputs({}, {}).optional('x', { env: 'X', default: 'd' })).toBe('d');
    expect(inputs({}, {}).optional('x')).toBeUndefined();
  });

  test('boolean accepts the YAML core-schema spellings only', () => {
    expect(inputs({ push: 'True' }).boolean('push', false)).toBe(true);
    expect(inputs({ push: 'FALSE' }).boolean('push', true)).toBe(false);
    expect(inputs({}).boolean('push', true)).toBe(true);
    expect(inputErrorOf(() => inputs({ push: 'yes' }).boolean('push', true)).message).toBe(
      "push: expected true or false, got 'yes'",
    );
  });

  test('int checks syntax and range', () => {
    const i = inputs({ timeout: '30', big: '99999', neg: '-1', word: '3s' });
    expect(i.int('timeout', { default: 300, min: 1 })).toBe(30);
    expect(i.int('missing', { default: 300 })).toBe(300);
    expect(inputErrorOf(() => i.int('big', { min: 1, max: 3600, unit: 'seconds' })).message).toBe(
      'big: expected at most 3600 seconds, got 99999',
    );
    expect(inputErrorOf(() => i.int('neg', { min: 1 })).input).toBe('neg');
    expect(inputErrorOf(() => i.int('word', { default: 1 })).message).toContain("got '3s'");
  });

  test('number accepts decimals within range', () => {
    expect(inputs({ t: '80.5' }).number('t', { default: 0, max: 100 })).toBe(80.5);
    expect(
      inputErrorOf(() => inputs({ t: '101' }).number('t', { default: 0, max: 100 })).input,
    ).toBe('t');
    expect(inputErrorOf(() => inputs({ t: 'abc' }).number('t', { default: 0 })).input).toBe('t');
  });

  test('sha takes GITHUB_SHA when empty and rejects short or uppercase SHAs', () => {
    expect(inputs({}, { GITHUB_SHA: SHA }).sha('sha', { env: 'GITHUB_SHA' })).toBe(SHA);
    expect(inputErrorOf(() => inputs({ sha: 'abc1234' }).sha('sha')).message).toContain(
      '40 lowercase hex',
    );
    expect(inputErrorOf(() => inputs({ sha: SHA.toUpperCase() }).sha('sha')).input).toBe('sha');
  });

  test('digest validates sha256:<64 hex> and may be optional', () => {
    expect(inputs({ digest: DIGEST }).digest('digest', { required: true })).toBe(DIGEST);
    expect(inputs({}).digest('digest')).toBeUndefined();
    expect(inputErrorOf(() => inputs({}).digest('digest', { required: true })).message).toMatch(
      /^digest: is required/,
    );
    expect(inputErrorOf(() => inputs({ digest: 'sha256:abc' }).digest('digest')).input).toBe(
      'digest',
    );
  });

  test('imageRef names the input and can refuse a tag', () => {
    expect(
      inputs({ image: '127.0.0.1:5000/score-api' }).imageRef('image', { repositoryOnly: true }),
    ).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'score-api',
    });
    expect(
      inputErrorOf(() =>
        inputs({ image: 'score-api:v1' }).imageRef('image', { repositoryOnly: true }),
      ).message,
    ).toContain('without tag or digest');
    expect(inputErrorOf(() => inputs({ 'new-name': 'Bad Name' }).imageRef('new-name')).input).toBe(
      'new-name',
    );
  });

  test('tag follows the OCI grammar', () => {
    expect(inputs({ tag: 'v1.2.3' }).tag('tag')).toBe('v1.2.3');
    expect(inputErrorOf(() => inputs({ tag: '-bad' }).tag('tag')).input).toBe('tag');
    expect(inputErrorOf(() => inputs({ tag: 'x'.repeat(129) }).tag('tag')).input).toBe('tag');
  });

  test('keyValues parses multiline KEY=VALUE and reports the bad line', () => {
    const kv = inputs({
      'build-args': 'A=1\n\n# comment\nB = x=y \r\nBASE_IMAGE=node:20\n',
    }).keyValues('build-args');
    expect(kv).toEqual({ A: '1', B: ' x=y', BASE_IMAGE: 'node:20' });
    const err = inputErrorOf(() =>
      inputs({ 'build-args': 'A=1\nnot a pair' }).keyValues('build-args'),
    );
    expect(err.message).toContain('line 2');
    expect(err.input).toBe('build-args');
  });

  test('oneOf, repository, url, relativePath and kubeName', () => {
    expect(
      inputs({ format: 'junit' }).oneOf('format', ['auto', 'jest', 'junit'] as const, 'auto'),
    ).toBe('junit');
    expect(
      inputErrorOf(() =>
        inputs({ format: 'xml' }).oneOf('format', ['auto', 'jest'] as const, 'auto'),
      ).input,
    ).toBe('format');
    expect(
      inputs({}, { GITHUB_REPOSITORY: 'o/r' }).repository('repository', {
        env: 'GITHUB_REPOSITORY',
      }),
    ).toEqual({
      owner: 'o',
      repo: 'r',
    });
    expect(
      inputErrorOf(() => inputs({ repository: 'just-a-name' }).repository('repository')).input,
    ).toBe('repository');
    expect(inputs({ 'api-url': 'http://127.0.0.1:8080/' }).url('api-url')).toBe(
      'http://127.0.0.1:8080',
    );
    expect(inputErrorOf(() => inputs({ 'api-url': 'ftp://x' }).url('api-url')).input).toBe(
      'api-url',
    );
    expect(inputs({ overlay: './overlays/minikube/' }).relativePath('overlay')).toBe(
      'overlays/minikube',
    );
    expect(
      inputErrorOf(() => inputs({ overlay: '../elsewhere' }).relativePath('overlay')).input,
    ).toBe('overlay');
    expect(inputErrorOf(() => inputs({ overlay: '/abs' }).relativePath('overlay')).input).toBe(
      'overlay',
    );
    expect(inputs({ app: 'score-api' }).kubeName('app')).toBe('score-api');
    expect(
      inputErrorOf(() => inputs({ namespace: 'Score_API' }).kubeName('namespace', { label: true }))
        .input,
    ).toBe('namespace');
  });
});
