/**
 * The names a user hands the library (branches, commit SHAs, environments, Kubernetes objects, build
 * networks): one rule each, checked in the core before any side effect. Each check returns the value or
 * throws an InputError naming the input, so callers (CLI flags, action inputs) only relabel the input.
 */
import { InputError } from '../errors.js';

/** Push attempts (each after a fetch and rebase onto the moved remote) before a write gives up. */
export const MAX_PUSH_ATTEMPTS = 10;

// A subset of `git check-ref-format --branch`: nothing git could read as an option, a range or a
// revision expression, and nothing that needs quoting in a log line or a URL.
const BRANCH_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** `name` when it is a branch name gitops writes to; InputError naming `input` otherwise. */
export function checkBranch(name: string, input = 'branch'): string {
  const ok =
    typeof name === 'string' &&
    name.length <= 255 &&
    BRANCH_RE.test(name) &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('/.') &&
    !/(?:\/|\.|\.lock)$/.test(name);
  if (!ok) {
    throw new InputError(
      input,
      `'${String(name)}' is not a valid branch name`,
      "expected letters, digits and . _ / -, starting with a letter or digit, without '..', '//' or a trailing '/', '.' or '.lock'",
    );
  }
  return name;
}

/** True for a full git commit SHA: 40 lowercase hex characters. */
export function isCommitSha(value: string): boolean {
  return typeof value === 'string' && /^[0-9a-f]{40}$/.test(value);
}

/** `value` when it is a full commit SHA; InputError naming `input` otherwise. */
export function checkCommitSha(value: string, input: string): string {
  if (!isCommitSha(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a full commit SHA (expected 40 lowercase hex characters)`,
    );
  }
  return value;
}

/** `value` when it is a full or abbreviated commit SHA (7 to 40 lowercase hex); InputError otherwise. */
export function checkCommitish(value: string, input: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{7,40}$/.test(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a commit SHA (expected 7 to 40 lowercase hex characters)`,
    );
  }
  return value;
}

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `name` when it is an environment name: a DNS-1123 label, since it names the `promote/<env>` branch and
 * appears in commit subjects and trailers. The name derived from an overlay folder is held to the same rule.
 */
export function checkEnvironment(name: string, input = 'environment'): string {
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL_RE.test(name)) {
    throw new InputError(
      input,
      `'${String(name)}' is not a valid environment name`,
      'expected at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit',
    );
  }
  return name;
}

/** `name` when it is a Kubernetes object name: a DNS-1123 label (`label`) or subdomain. */
export function checkKubeName(name: string, input: string, opts: { label?: boolean } = {}): string {
  const ok =
    typeof name === 'string' &&
    (opts.label
      ? name.length <= 63 && DNS_LABEL_RE.test(name)
      : name.length <= 253 && name.split('.').every((part) => DNS_LABEL_RE.test(part)));
  if (!ok) {
    const what = opts.label
      ? 'a DNS-1123 label (at most 63 of a-z, 0-9, -)'
      : 'a DNS-1123 name (a-z, 0-9, -, .)';
    throw new InputError(input, `expected ${what}, got '${String(name)}'`);
  }
  return name;
}

/** `name` when it is a container network name (`docker build --network`); InputError otherwise. */
export function checkNetworkName(name: string, input = 'network'): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new InputError(input, `'${String(name)}' is not a network name (e.g. host)`);
  }
  return name;
}
