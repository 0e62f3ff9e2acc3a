import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  TestReportError,
  detectFormat,
  failureLocation,
  parseCoverageSummary,
  parseJestJson,
  parseJunitXml,
  parseTestResults,
  parseXml,
} from '../../../actions/test/src/test-report.js';

const fixtures = fileURLToPath(new URL('../../integration/actions/fixtures/', import.meta.url));
// A real `jest --json --testLocationInResults` report, paths rewritten under /__ROOT__.
const jestText = readFileSync(`${fixtures}jest-results.json`, 'utf8');

describe('parseJestJson', () => {
  test('counts a real jest report and locates the failure from its stack', () => {
    const report = parseJestJson(jestText, { root: '/__ROOT__' });
    expect(report).toMatchObject({
      format: 'jest',
      total: 4,
      passed: 1,
      failed: 1,
      skipped: 2,
      failedSuites: 1,
    });
    const [assertion, suite] = report.failures;
    expect(assertion).toMatchObject({
      name: 'math subtracts',
      file: 'tests/math.test.js',
      line: 6,
      column: 19,
    });
    expect(assertion!.message).toContain('Expected: 3');
    expect(suite).toMatchObject({ file: 'tests/broken.test.js' });
    expect(suite!.name).toContain('suite failed to run');
    expect(suite!.message).toContain('Test suite failed to run');
  });

  test('falls back to the reported location when the stack has no frame', () => {
    const text = JSON.stringify({
      testResults: [
        {
          name: '/repo/a.test.ts',
          status: 'failed',
          assertionResults: [
            {
              fullName: 't',
              title: 't',
              status: 'failed',
              failureMessages: ['boom'],
              location: { line: 9, column: 2 },
            },
          ],
        },
      ],
    });
    expect(parseJestJson(text, { root: '/repo' }).failures[0]).toMatchObject({
      file: 'a.test.ts',
      line: 9,
      column: 3,
    });
  });

  test('rejects what is not a jest report, naming the file', () => {
    expect(() => parseJestJson('{"foo":1}', { file: 'r.json' })).toThrow(TestReportError);
    expect(() => parseJestJson('not json', { file: 'r.json' })).toThrow(
      /r.json: is not valid JSON/,
    );
  });
});

describe('failureLocation', () => {
  test('prefers the frame in the test file over helpers and node_modules', () => {
    const stack = [
      'Error: x',
      '    at helper (/repo/tests/helpers/h.ts:3:9)',
      '    at Object.<anonymous> (/repo/tests/a.test.ts:12:5)',
      '    at run (/repo/node_modules/jest-circus/x.js:1:1)',
    ].join('\n');
    expect(failureLocation(stack, '/repo/tests/a.test.ts', '/repo')).toEqual({
      file: 'tests/a.test.ts',
      line: 12,
      column: 5,
    });
    expect(failureLocation(stack, '/repo/other.test.ts', '/repo')).toEqual({
      file: 'tests/helpers/h.ts',
      line: 3,
      column: 9,
    });
    expect(failureLocation('no frames here', undefined)).toBeUndefined();
  });

  test('reads file:// URLs and coloured output', () => {
    const stack = '\u001b[2m    at file:///repo/tests/b.test.ts:4:7\u001b[22m';
    expect(failureLocation(stack, undefined, '/repo')).toEqual({
      file: 'tests/b.test.ts',
      line: 4,
      column: 7,
    });
  });
});

describe('parseJunitXml', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<testsuites name="jest tests" tests="5" failures="2" errors="0">
  <testsuite name="api" file="tests/api.test.ts" tests="4">
    <testcase classname="api" name="scores &amp; returns 200" time="0.01"/>
    <testcase classname="api" name="rejects bad input" time="0.02">
      <failure message="expected 400"><![CDATA[Error: expected 400
    at Object.<anonymous> (/ws/tests/api.test.ts:42:11)]]></failure>
    </testcase>
    <testcase classname="api" name="slow"><skipped/></testcase>
    <testcase classname="api" name="crashes" file="tests/other.test.ts" line="7"><error message="TypeError: x is undefined"/></testcase>
  </testsuite>
  <testsuite name="empty"></testsuite>
  <testsuite name="unit"><testcase name="ok"/></testsuite>
</testsuites>`;

  test('counts cases and takes file and line from attributes or the stack', () => {
    const report = parseJunitXml(xml, { root: '/ws' });
    expect(report).toMatchObject({ format: 'junit', total: 5, passed: 2, failed: 2, skipped: 1 });
    expect(report.failures[0]).toMatchObject({
      name: 'api rejects bad input',
      file: 'tests/api.test.ts',
      line: 42,
    });
    expect(report.failures[0]!.message).toContain('expected 400');
    expect(report.failures[1]).toMatchObject({
      file: 'tests/other.test.ts',
      line: 7,
      message: 'TypeError: x is undefined',
    });
  });

  test('decodes entities once and keeps CDATA as written', () => {
    const report = parseJunitXml(
      `<testsuite><testcase classname="ui" name="renders &amp;lt;div&amp;gt; &amp; &#x3C;p&#62;">` +
        `<failure message="got &amp;amp;"><![CDATA[raw <b>&amp;</b> kept]]> then &amp;lt;i&amp;gt;</failure>` +
        `</testcase></testsuite>`,
    );
    expect(report.failures[0]).toMatchObject({
      name: 'ui renders &lt;div&gt; & <p>',
      message: 'got &amp;\nraw <b>&amp;</b> kept then &lt;i&gt;',
    });
  });

  test('a single <testsuite> root works too', () => {
    expect(parseJunitXml('<testsuite><testcase name="a"/></testsuite>').passed).toBe(1);
  });

  test('rejects malformed XML and non-JUnit roots', () => {
    expect(() => parseXml('<a><b></a>', 'r.xml')).toThrow(/r.xml: is not well-formed XML/);
    expect(() => parseXml('<a>', 'r.xml')).toThrow(/r.xml: is not well-formed XML.*'a'/);
    expect(() => parseJunitXml('<html></html>', { file: 'r.xml' })).toThrow(/not a JUnit report/);
  });
});

describe('format detection and coverage', () => {
  test('detects jest JSON and JUnit XML', () => {
    expect(detectFormat('  {"testResults":[]}')).toBe('jest');
    expect(detectFormat('<?xml version="1.0"?><testsuites/>')).toBe('junit');
    expect(() => detectFormat('PASS tests/a.test.ts', 'out.txt')).toThrow(/out.txt: is neither/);
    expect(parseTestResults('<testsuites><testcase name="a"/></testsuites>', 'auto').format).toBe(
      'junit',
    );
  });

  test('reads the istanbul json-summary totals', () => {
    const summary = parseCoverageSummary(readFileSync(`${fixtures}coverage-summary.json`, 'utf8'));
    expect(summary.lines).toEqual({ total: 200, covered: 161, pct: 80.5 });
    expect(summary.branches.pct).toBe(66.66);
  });

  test('an empty project counts as covered and a malformed summary is an error', () => {
    const m = { total: 0, covered: 0, skipped: 0, pct: 'Unknown' };
    const text = JSON.stringify({ total: { lines: m, statements: m, functions: m, branches: m } });
    expect(parseCoverageSummary(text).lines.pct).toBe(100);
    expect(() => parseCoverageSummary('{"files":{}}', 'c.json')).toThrow(
      /c.json: is not an istanbul/,
    );
  });
});
