/**
 * Tests that need a real part (a tool, the container engine, the loopback registry) declare it with
 * `needs()` instead of returning early, which would count them as passed. Where a part is missing
 * they are skipped (`test.skip`) with the reason printed; under CI=true they fail instead, naming the
 * part: CI must never pass on a machine without what the tests exist to exercise.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { containerEngineProblem } from '../../gitops/adapters/container-engine.js';
import { describeError } from '../../gitops/errors.js';
import { findRenderer } from '../../gitops/adapters/kustomize.js';
import { registryAnswers } from '../../scripts/pipeline/registry-server.js';

/** Why a part is missing (with what to do), or undefined when it is here. */
export type Missing = string | undefined;

type TestFn = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;
type DescribeFn = (name: string, fn: () => void) => void;

/** `test` and `describe` for tests that need the given parts. */
export interface Gate {
  test: TestFn;
  describe: DescribeFn;
}

/** A real part a CI run needs is missing: the test fails with this instead of being skipped. */
export class MissingPartError extends Error {
  constructor(
    readonly parts: string[],
    reasons: string,
  ) {
    super(
      `needs ${parts.join(', ')}: ${reasons} (CI=true: a test that needs a real part may not skip)`,
    );
    this.name = 'MissingPartError';
  }
}

/** Gates tests on parts, e.g. `needs({ 'container engine': await containerEngineProblem() })`. */
export function needs(parts: Record<string, Missing>): Gate {
  const absent = Object.entries(parts).filter((p): p is [string, string] => p[1] !== undefined);
  if (absent.length === 0) return { test, describe };
  const names = absent.map(([part]) => part);
  const reasons = absent.map(([, why]) => why).join('; ');
  if (process.env.CI === 'true') {
    const fail = (): never => {
      throw new MissingPartError(names, reasons);
    };
    return {
      test: (name) => test(name, fail),
      describe: (name, fn) => {
        describe.skip(name, fn);
        test(`${name} (needs ${names.join(', ')})`, fail);
      },
    };
  }
  process.stderr.write(`SKIPPED (needs ${names.join(', ')}): ${reasons}\n`);
  return { test: test.skip, describe: describe.skip };
}

/** Why `command` cannot run (not on PATH), naming the Debian package setup installs it from. */
export function toolMissing(command: string, debianPackage = command): Missing {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return undefined;
    } catch {
      // not in this PATH entry: look in the next
    }
  }
  return `${command} is not on PATH (bash scripts/setup.sh installs ${debianPackage})`;
}

/** Why no Kustomize renders here (neither kustomize nor kubectl on PATH), or undefined. */
export function kustomizeMissing(): Promise<Missing> {
  return findRenderer().then(
    () => undefined,
    (err: unknown) => describeError(err),
  );
}

/** The loopback registry scripts/setup.sh starts, which the image tests push to. */
export const SHARED_REGISTRY = '127.0.0.1:5000';

/** Why nothing answers the distribution API at `addr`, or undefined when a registry does. */
export async function registryMissing(addr = SHARED_REGISTRY): Promise<Missing> {
  return (await registryAnswers(addr))
    ? undefined
    : `no registry answers at http://${addr}/v2/ (bash scripts/setup.sh starts one)`;
}

/** The engine and the shared registry: what every image build-and-push test needs. */
export async function imageParts(): Promise<Record<string, Missing>> {
  return {
    'container engine': await containerEngineProblem(),
    [`registry on ${SHARED_REGISTRY}`]: await registryMissing(),
  };
}
