// The bundled test action run as a child process on a real jest report (fixture) and coverage summary.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors, runAction } from './run-action.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let ws: string;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'test-action-ws-'));
  // The fixture is a real jest --json report whose paths were rewritten to /__ROOT__.
  writeFileSync(
    join(ws, 'fixture-results.json'),
    readFileSync(join(fixtures, 'jest-results.json'), 'utf8').replaceAll('/__ROOT__', ws),
  );
  copyFileSync(join(fixtures, 'coverage-summary.json'), join(ws, 'coverage-summary.json'));
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

// The "test command" copies the fixture to where the action reads results, as jest --outputFile would.
const copyResults = 'cp fixture-results.json "$TEST_RESULTS_FILE"; exit 1';

test('reports counts and coverage, annotates the failing test at its file and line, and fails', async () => {
  const run = await runAction(
    'test',
    { command: copyResults, 'coverage-summary': 'coverage-summary.json' },
    { workspace: ws },
  );
  expect(run.code).toBe(1);
  expect(run.outputs).toEqual({
    passed: '1',
    failed: '1',
    skipped: '2',
    total: '4',
    coverage: '80.5',
  });
  const annotation = errors(run).find((e) => e.properties.title === 'Test failed: math subtracts');
  expect(annotation?.properties).toMatchObject({
    file: 'tests/math.test.js',
    line: '6',
    col: '19',
  });
  expect(annotation?.message).toContain('Expected: 3');
  expect(errors(run).at(-1)?.message).toBe('1 test(s) failed; 1 test suite(s) failed to run');
  expect(run.summary).toContain('| ❌ Failed | 1 |');
  expect(run.summary).toContain('| lines | 161 | 200 | 80.5% |');
});

test('fails under the coverage threshold even when every test passed', async () => {
  writeFileSync(
    join(ws, 'pass.json'),
    JSON.stringify({
      testResults: [
        { name: join(ws, 'a.test.ts'), status: 'passed', assertionResults: [{ status: 'passed' }] },
      ],
    }),
  );
  const inputs = {
    command: 'cp pass.json "$TEST_RESULTS_FILE"',
    'coverage-summary': 'coverage-summary.json',
    'coverage-threshold': '90',
  };
  const low = await runAction('test', inputs, { workspace: ws });
  expect(low.code).toBe(1);
  expect(low.outputs).toMatchObject({ passed: '1', failed: '0', coverage: '80.5' });
  expect(errors(low).map((e) => e.message)).toEqual([
    'line coverage 80.5% is below coverage-threshold 90%',
  ]);

  const ok = await runAction('test', { ...inputs, 'coverage-threshold': '80' }, { workspace: ws });
  expect(ok.code).toBe(0);
  expect(errors(ok)).toEqual([]);
});

test('bad input: exit code 1 and an error naming it, before the command runs', async () => {
  const run = await runAction(
    'test',
    { command: 'touch ran.txt', 'coverage-threshold': '150' },
    { workspace: ws },
  );
  expect(run.code).toBe(1);
  expect(errors(run).map((e) => e.message)).toEqual([
    'coverage-threshold: expected at most 100 percent, got 150',
  ]);
  expect(() => readFileSync(join(ws, 'ran.txt'))).toThrow(/ENOENT/);
});
