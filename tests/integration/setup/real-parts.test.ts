// needs() as a user meets it: Jest runs a file whose tests need a part that is missing. Without CI
// they are skipped with the reason printed; under CI=true the run fails, naming the part.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'real-parts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface JestRun {
  code: number | null;
  stderr: string;
  results: {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    testResults: {
      assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
    }[];
  };
}

function runFixture(ci: boolean): JestRun {
  const outputFile = join(work, `results-${ci}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, KEEP_TEST_IMAGES: '1' };
  if (ci) env.CI = 'true';
  else delete env.CI;
  const res = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      join(root, 'node_modules/jest/bin/jest.js'),
      '--testMatch',
      '**/tests/integration/setup/fixtures/needs-missing.fixture.ts',
      '--json',
      '--outputFile',
      outputFile,
    ],
    { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
  );
  return {
    code: res.status,
    stderr: res.stderr,
    results: JSON.parse(readFileSync(outputFile, 'utf8')) as JestRun['results'],
  };
}

test('without CI: skipped (never passed), the reason printed', () => {
  const run = runFixture(false);
  expect(run.code).toBe(0);
  expect(run.results).toMatchObject({ numPassedTests: 1, numFailedTests: 0, numPendingTests: 2 });
  expect(run.stderr).toContain(
    'SKIPPED (needs imaginary-tool): imaginary-tool-that-no-machine-has is not on PATH',
  );
}, 120_000);

test('under CI=true: the run fails, each gated test naming the missing part', () => {
  const run = runFixture(true);
  expect(run.code).not.toBe(0);
  const failed = run.results.testResults
    .flatMap((f) => f.assertionResults)
    .filter((a) => a.status === 'failed');
  expect(failed.map((a) => a.fullName).sort()).toEqual([
    'a block that needs the imaginary tool (needs imaginary-tool)',
    'a test that needs the imaginary tool',
  ]);
  for (const a of failed) {
    expect(a.failureMessages.join('\n')).toContain('MissingPartError: needs imaginary-tool:');
    expect(a.failureMessages.join('\n')).not.toContain('this body must never run');
  }
  expect(run.results.numPassedTests).toBe(1);
}, 120_000);
