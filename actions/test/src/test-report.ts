// Reads what a test run left behind: jest's --json results, JUnit XML, and istanbul's json-summary coverage.
// Pure functions over the file text; the test action does the file reading and the annotating.
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { GitopsError } from '../../../gitops/errors.js';

/** One failing test, with where it failed when the report or the stack says so. */
export interface TestFailure {
  name: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

/** Counts and failures of one test run, whatever format it came in. */
export interface TestReport {
  format: 'jest' | 'junit';
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Suites that failed to run at all (syntax error, missing module): their tests were never counted. */
  failedSuites: number;
  failures: TestFailure[];
}

/** One istanbul metric: covered out of total, pct in percent. */
export interface CoverageMetric {
  total: number;
  covered: number;
  pct: number;
}

/** Totals from coverage/coverage-summary.json (jest --coverageReporters=json-summary). */
export interface CoverageSummary {
  lines: CoverageMetric;
  statements: CoverageMetric;
  functions: CoverageMetric;
  branches: CoverageMetric;
}

/** The results file is not in a format we can read. */
export class TestReportError extends GitopsError {
  constructor(
    readonly file: string,
    message: string,
    hint?: string,
  ) {
    super(`${file}: ${message}`, 'TEST_REPORT_UNREADABLE', hint);
  }
}

/** Options for turning paths in a report into repository-relative annotation paths. */
export interface ReportOptions {
  /** The repository root; paths inside it become relative. */
  root?: string;
  /** The report's file name, for error messages. */
  file?: string;
}

/** A path relative to root with forward slashes when it lies inside root; otherwise unchanged. */
export function toRepoPath(file: string, root?: string): string {
  let path = file.startsWith('file://') ? fileURLToPath(file) : file;
  if (root && isAbsolute(path)) {
    const rel = relative(root, path);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) path = rel;
  }
  return path.split(sep).join('/');
}

const FRAME = /\bat (?:.*? \()?((?:file:\/\/)?(?:[A-Za-z]:)?[^\s():]+):(\d+):(\d+)\)?/g;

/** Where a failure happened, from its stack: the frame in the test file, else the first frame outside node_modules. */
export function failureLocation(
  message: string,
  testFile: string | undefined,
  root?: string,
): { file: string; line: number; column: number } | undefined {
  const frames = Array.from(stripVTControlCharacters(message).matchAll(FRAME), (m) => ({
    file: m[1]!,
    line: Number(m[2]),
    column: Number(m[3]),
  })).filter((f) => !f.file.startsWith('node:') && !f.file.includes('node_modules'));
  const wanted = testFile ? toRepoPath(testFile, root) : undefined;
  const frame = frames.find((f) => toRepoPath(f.file, root) === wanted) ?? frames[0];
  return frame ? { ...frame, file: toRepoPath(frame.file, root) } : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Parses the file jest writes with --json --outputFile. */
export function parseJestJson(text: string, opts: ReportOptions = {}): TestReport {
  const file = opts.file ?? 'jest results';
  let data: Record<string, unknown> | undefined;
  try {
    data = record(JSON.parse(text));
  } catch (err) {
    throw new TestReportError(file, `is not valid JSON (${(err as Error).message})`);
  }
  if (!data || !Array.isArray(data.testResults)) {
    throw new TestReportError(file, 'is not a jest --json report (no testResults array)');
  }
  const report = emptyReport('jest');
  for (const suiteValue of data.testResults) {
    const suite = record(suiteValue) ?? {};
    const suiteFile = typeof suite.name === 'string' ? suite.name : undefined;
    const cases = Array.isArray(suite.assertionResults) ? suite.assertionResults : [];
    if (suite.status === 'failed' && cases.length === 0) {
      // The suite never ran its tests (e.g. a syntax or import error): report it as one failure.
      report.failedSuites += 1;
      const message = stripVTControlCharacters(
        String(suite.message ?? 'test suite failed to run'),
      ).trim();
      report.failures.push({
        name: suiteFile
          ? `${toRepoPath(suiteFile, opts.root)} (suite failed to run)`
          : 'suite failed to run',
        file: suiteFile ? toRepoPath(suiteFile, opts.root) : undefined,
        message,
      });
      continue;
    }
    for (const caseValue of cases) {
      const test = record(caseValue) ?? {};
      report.total += 1;
      const status = String(test.status);
      if (status === 'passed') report.passed += 1;
      else if (status === 'failed') {
        report.failed += 1;
        const messages = Array.isArray(test.failureMessages)
          ? test.failureMessages.map(String)
          : [];
        const joined = messages.join('\n');
        const loc = record(test.location);
        const fromStack = failureLocation(joined, suiteFile, opts.root);
        const name =
          typeof test.fullName === 'string' && test.fullName
            ? test.fullName
            : String(test.title ?? '');
        report.failures.push({
          name,
          file: fromStack?.file ?? (suiteFile ? toRepoPath(suiteFile, opts.root) : undefined),
          line: fromStack?.line ?? (typeof loc?.line === 'number' ? loc.line : undefined),
          column:
            fromStack?.column ?? (typeof loc?.column === 'number' ? loc.column + 1 : undefined),
          message: stripVTControlCharacters(joined).trim() || 'failed',
        });
      } else report.skipped += 1; // pending, skipped, todo, disabled, focused-out
    }
  }
  return report;
}

/** An element as fast-xml-parser gives it: attributes as plain keys, text (CDATA included) under '#text'. */
type XmlNode = Record<string, unknown>;

const LISTS = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped']);

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities and character references are decoded once: `&amp;lt;` in a report is the text `&lt;`.
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => LISTS.has(name),
});

/** Parses XML text with a maintained parser; TestReportError naming `file` when it is not well-formed. */
export function parseXml(text: string, file = 'XML'): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new TestReportError(
      file,
      `is not well-formed XML (line ${valid.err.line}): ${valid.err.msg}`,
    );
  }
  return xmlParser.parse(text) as XmlNode;
}

function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  return Array.isArray(value)
    ? value.map((v) => (typeof v === 'object' && v ? v : {}) as XmlNode)
    : [];
}

function attr(node: XmlNode, name: string): string | undefined {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

function textOf(node: XmlNode): string {
  const value = node['#text'];
  return typeof value === 'string' ? value : '';
}

function positiveInt(value: string | undefined): number | undefined {
  if (!value || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** Parses JUnit XML (<testsuites>/<testsuite>/<testcase> with <failure>, <error>, <skipped>). */
export function parseJunitXml(text: string, opts: ReportOptions = {}): TestReport {
  const file = opts.file ?? 'JUnit report';
  const doc = parseXml(text, file);
  const roots = [...children(doc, 'testsuites'), ...children(doc, 'testsuite')];
  if (roots.length === 0) {
    throw new TestReportError(file, 'is not a JUnit report (no <testsuites> or <testsuite> root)');
  }
  const report = emptyReport('junit');
  const visitSuite = (suite: XmlNode, parentFile: string | undefined): void => {
    const suiteFile = attr(suite, 'file') ?? attr(suite, 'filepath') ?? parentFile;
    for (const inner of children(suite, 'testsuite')) visitSuite(inner, suiteFile);
    for (const test of children(suite, 'testcase')) visitCase(test, suiteFile);
  };
  const visitCase = (test: XmlNode, suiteFile: string | undefined): void => {
    report.total += 1;
    const failure = children(test, 'failure')[0];
    const problem = failure ?? children(test, 'error')[0];
    if (problem) {
      report.failed += 1;
      const caseFile = attr(test, 'file') ?? suiteFile;
      const body = textOf(problem).trim();
      const message =
        [attr(problem, 'message'), body].filter(Boolean).join('\n') ||
        (failure ? 'failure' : 'error');
      const fromStack = failureLocation(body, caseFile, opts.root);
      const name =
        [attr(test, 'classname'), attr(test, 'name')].filter(Boolean).join(' ') || 'unnamed test';
      report.failures.push({
        name,
        file: caseFile ? toRepoPath(caseFile, opts.root) : fromStack?.file,
        line: positiveInt(attr(test, 'line')) ?? fromStack?.line,
        column: fromStack?.column,
        message,
      });
    } else if (children(test, 'skipped').length > 0) report.skipped += 1;
    else report.passed += 1;
  };
  for (const root of roots) visitSuite(root, undefined);
  return report;
}

/** Guesses the format from the first non-blank character: '{' jest JSON, '<' JUnit XML. */
export function detectFormat(text: string, file = 'test results'): 'jest' | 'junit' {
  const first = text.trimStart()[0];
  if (first === '{') return 'jest';
  if (first === '<') return 'junit';
  throw new TestReportError(file, 'is neither jest JSON nor JUnit XML', 'set the format input');
}

/** Parses a results file in the given format, or the detected one for 'auto'. */
export function parseTestResults(
  text: string,
  format: 'auto' | 'jest' | 'junit',
  opts: ReportOptions = {},
): TestReport {
  const actual = format === 'auto' ? detectFormat(text, opts.file) : format;
  return actual === 'jest' ? parseJestJson(text, opts) : parseJunitXml(text, opts);
}

function metric(value: unknown, name: string, file: string): CoverageMetric {
  const m = record(value);
  if (!m || typeof m.total !== 'number' || typeof m.covered !== 'number') {
    throw new TestReportError(file, `has no total.${name} with numeric total and covered`);
  }
  // istanbul writes pct "Unknown" when total is 0; nothing to cover counts as fully covered.
  const pct = typeof m.pct === 'number' ? m.pct : m.total === 0 ? 100 : (m.covered / m.total) * 100;
  return { total: m.total, covered: m.covered, pct };
}

/** Parses istanbul's coverage-summary.json (its `total` entry). */
export function parseCoverageSummary(text: string, file = 'coverage summary'): CoverageSummary {
  let data: Record<string, unknown> | undefined;
  try {
    data = record(JSON.parse(text));
  } catch (err) {
    throw new TestReportError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const total = record(data?.total);
  if (!total) throw new TestReportError(file, 'is not an istanbul json-summary (no "total" entry)');
  return {
    lines: metric(total.lines, 'lines', file),
    statements: metric(total.statements, 'statements', file),
    functions: metric(total.functions, 'functions', file),
    branches: metric(total.branches, 'branches', file),
  };
}

/** A report with nothing counted yet, for the parsers to fill. */
function emptyReport(format: TestReport['format']): TestReport {
  return { format, total: 0, passed: 0, failed: 0, skipped: 0, failedSuites: 0, failures: [] };
}
