import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCommand, readInputs, testAction } from '../../../actions/test/src/main.js';
import type { CommandRunner } from '../../../actions/test/src/main.js';
import { recordingRuntime } from './recording-runtime.js';

const fixtures = fileURLToPath(new URL('../../integration/actions/fixtures/', import.meta.url));

let ws: string;
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'test-action-'));
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

/** A runner that "runs tests" by writing the fixture report, like jest --outputFile would. */
function writesFixture(code = 1): { runner: CommandRunner; commands: string[] } {
  const commands: string[] = [];
  const runner: CommandRunner = async (command, _cwd, env) => {
    commands.push(command);
    const text = readFileSync(join(fixtures, 'jest-results.json'), 'utf8').replaceAll(
      '/__ROOT__',
      ws,
    );
    writeFileSync(env.TEST_RESULTS_FILE!, text);
    return code;
  };
  return { runner, commands };
}

describe('test action inputs', () => {
  test.each([
    ['format', { format: 'xml' }, "format: expected one of auto, jest, junit, got 'xml'"],
    [
      'coverage-threshold',
      { 'coverage-threshold': '120' },
      'coverage-threshold: expected at most 100 percent, got 120',
    ],
    [
      'coverage-threshold',
      { 'coverage-threshold': 'high' },
      "coverage-threshold: expected a number percent, got 'high'",
    ],
    [
      'max-annotations',
      { 'max-annotations': '-1' },
      'max-annotations: expected at least 0, got -1',
    ],
  ])('bad %s fails naming it and runs nothing', async (_name, inputs, message) => {
    const { runner, commands } = writesFixture();
    const { rt, rec } = recordingRuntime(inputs, { GITHUB_WORKSPACE: ws, RUNNER_TEMP: ws });
    await expect(testAction(rt, runner)).rejects.toThrow(message);
    expect(commands).toEqual([]);
    expect(rec.outputs).toEqual({});
  });

  test('defaults: jest with JSON results in RUNNER_TEMP and a json-summary coverage report', () => {
    const { rt } = recordingRuntime({}, { GITHUB_WORKSPACE: ws, RUNNER_TEMP: join(ws, 'tmp') });
    const inputs = readInputs(rt);
    expect(inputs.resultsFile.startsWith(join(ws, 'tmp'))).toBe(true);
    expect(inputs.command).toBe(defaultCommand(inputs.resultsFile));
    expect(inputs.command).toContain('--coverageReporters=json-summary');
    expect(inputs.coverageSummary).toBe(join(ws, 'coverage/coverage-summary.json'));
    expect(inputs).toMatchObject({ format: 'auto', coverageThreshold: 0, workingDirectory: ws });
  });
});

describe('test action', () => {
  test('reports counts, annotates the failing test at its line, and fails', async () => {
    const { runner, commands } = writesFixture(1);
    const { rt, rec } = recordingRuntime(
      { command: 'npm test' },
      { GITHUB_WORKSPACE: ws, RUNNER_TEMP: ws },
    );
    await testAction(rt, runner);
    expect(commands).toEqual(['npm test']);
    expect(rec.outputs).toEqual({
      passed: '1',
      failed: '1',
      skipped: '2',
      total: '4',
      coverage: '',
    });
    expect(rec.annotations[0]).toMatchObject({
      level: 'error',
      title: 'Test failed: math subtracts',
      file: 'tests/math.test.js',
      line: 6,
    });
    expect(rec.annotations[1]).toMatchObject({ file: 'tests/broken.test.js' });
    expect(rec.failed).toBe('1 test(s) failed; 1 test suite(s) failed to run');
    expect(rec.summary).toContain('| ❌ Failed | 1 |');
    expect(rec.summary).toContain('math subtracts');
  });

  test('fails under the coverage threshold and passes above it', async () => {
    const passing = JSON.stringify({
      testResults: [
        {
          name: join(ws, 'a.test.ts'),
          status: 'passed',
          assertionResults: [{ status: 'passed', title: 'a' }],
        },
      ],
    });
    const runner: CommandRunner = async (_c, _cwd, env) => {
      writeFileSync(env.TEST_RESULTS_FILE!, passing);
      return 0;
    };
    const coverageFile = join(ws, 'coverage-summary.json');
    writeFileSync(coverageFile, readFileSync(join(fixtures, 'coverage-summary.json')));

    const low = recordingRuntime(
      { command: 'x', 'coverage-summary': coverageFile, 'coverage-threshold': '85' },
      { GITHUB_WORKSPACE: ws, RUNNER_TEMP: ws },
    );
    await testAction(low.rt, runner);
    expect(low.rec.outputs.coverage).toBe('80.5');
    expect(low.rec.failed).toBe('line coverage 80.5% is below coverage-threshold 85%');

    const ok = recordingRuntime(
      { command: 'x', 'coverage-summary': coverageFile, 'coverage-threshold': '80' },
      { GITHUB_WORKSPACE: ws, RUNNER_TEMP: ws },
    );
    await testAction(ok.rt, runner);
    expect(ok.rec.failed).toBeUndefined();
    expect(ok.rec.summary).toContain('| lines | 161 | 200 | 80.5% |');
  });

  test('a threshold without a coverage summary fails instead of passing silently', async () => {
    const runner: CommandRunner = async (_c, _cwd, env) => {
      writeFileSync(env.TEST_RESULTS_FILE!, '{"testResults":[]}');
      return 0;
    };
    const { rt, rec } = recordingRuntime(
      { command: 'x', 'coverage-threshold': '50' },
      { GITHUB_WORKSPACE: ws, RUNNER_TEMP: ws },
    );
    await testAction(rt, runner);
    expect(rec.failed).toMatch(/coverage-threshold is 50% but no coverage summary was found/);
  });

  test('a command that writes no results fails with its exit code, and stale results are not reused', async () => {
    const resultsFile = join(ws, 'results.json');
    const { rt } = recordingRuntime(
      { command: 'x', 'results-file': resultsFile },
      { GITHUB_WORKSPACE: ws },
    );
    await expect(testAction(rt, async () => 2)).rejects.toThrow(
      /exited with code 2 and did not write .*results.json/,
    );
    writeFileSync(resultsFile, '{"testResults":[]}');
    const again = recordingRuntime(
      { command: 'x', 'results-file': resultsFile },
      { GITHUB_WORKSPACE: ws },
    );
    await expect(testAction(again.rt, async () => 1)).rejects.toThrow(/did not rewrite/);
  });

  test('the real shell runner passes TEST_RESULTS_FILE to the command', async () => {
    const { rt, rec } = recordingRuntime(
      {
        command: `node -e "require('fs').writeFileSync(process.env.TEST_RESULTS_FILE, '{\\"testResults\\":[]}')"`,
      },
      { GITHUB_WORKSPACE: ws, RUNNER_TEMP: ws, PATH: process.env.PATH },
    );
    await testAction(rt);
    expect(rec.outputs).toMatchObject({ passed: '0', failed: '0', total: '0' });
    expect(rec.failed).toBeUndefined();
  });
});
