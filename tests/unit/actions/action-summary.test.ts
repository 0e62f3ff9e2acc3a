import {
  codeBlock,
  escapeCell,
  failureMessage,
  formatSeconds,
  markdownTable,
  maskSecrets,
  runAction,
  secondsOutput,
} from '../../../gitops/action/runtime.js';
import { InputError } from '../../../gitops/errors.js';
import { recordingRuntime } from './recording-runtime.js';

describe('markdown helpers', () => {
  test('a table escapes pipes and line breaks in cells', () => {
    expect(
      markdownTable(
        ['a', 'b'],
        [
          ['x|y', 'one\ntwo'],
          [1, undefined],
        ],
      ),
    ).toBe('| a | b |\n| --- | --- |\n| x\\|y | one<br>two |\n| 1 |  |');
    expect(escapeCell(true)).toBe('true');
  });

  test('a code block fence is longer than any backtick run in the text', () => {
    expect(codeBlock('plain', 'diff')).toBe('```diff\nplain\n```');
    expect(codeBlock('has ```` inside\n')).toBe('`````\nhas ```` inside\n`````');
  });

  test('seconds formatting for summaries and outputs', () => {
    expect(formatSeconds(12345)).toBe('12.3 s');
    expect(formatSeconds(undefined)).toBe('—');
    expect(secondsOutput(1499)).toBe('1');
    expect(secondsOutput(undefined)).toBe('');
  });
});

describe('runAction', () => {
  test('turns a thrown InputError into one failure message naming the input', async () => {
    const { rt, rec } = recordingRuntime({});
    await runAction(async () => {
      throw new InputError(
        'digest',
        'expected sha256:<64 hex>',
        'use the build-push digest output',
      );
    }, rt);
    expect(rec.failed).toBe('digest: expected sha256:<64 hex> (use the build-push digest output)');
  });

  test('leaves a successful run unfailed', async () => {
    const { rt, rec } = recordingRuntime({});
    await runAction(async (r) => r.setOutput('x', '1'), rt);
    expect(rec.failed).toBeUndefined();
    expect(rec.outputs).toEqual({ x: '1' });
  });
});

describe('failureMessage', () => {
  test('keeps the hint of an error from another copy of the error classes (a lazy chunk)', () => {
    class ChunkError extends Error {
      constructor(
        message: string,
        readonly code: string,
        readonly hint?: string,
      ) {
        super(message);
      }
    }
    expect(
      failureMessage(new ChunkError('kubectl is not installed', 'MISSING_TOOL', 'install kubectl')),
    ).toBe('kubectl is not installed (install kubectl)');
    expect(failureMessage(new Error('plain'))).toBe('plain');
    expect(failureMessage(new InputError('app', 'is required', 'the Argo CD Application'))).toBe(
      'app: is required (the Argo CD Application)',
    );
    expect(failureMessage('a string')).toBe('a string');
  });
});

test('maskSecrets registers each distinct secret once, trimmed, and skips empty ones', () => {
  const { rt, rec } = recordingRuntime({});
  maskSecrets(rt, ' tok\n', 'tok', '', undefined, '  ', 'pw');
  expect(rec.secrets).toEqual(['tok', 'pw']);
});
