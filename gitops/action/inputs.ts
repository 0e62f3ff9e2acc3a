// Typed readers for GitHub Action inputs. Every reader throws InputError naming the input and what was
// expected, so an action rejects bad input before it has touched git, the registry or the cluster.
// Inputs come through a plain function so the same readers work on @actions/core and on test data.
// The domain rules (branch, SHA, tag, digest, image, Kubernetes names) are the core's own checks
// (rules/); a reader only names the input.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { checkDigest, checkTag, parseImageRef } from '../rules/image-ref.js';
import { checkBranch, checkCommitSha, checkKubeName } from '../rules/names.js';
import type { ImageRef } from '../rules/image-ref.js';

/** Returns the raw value of one input ('' when not given), the way the runner passes it. */
export type InputSource = (name: string) => string;

/** The environment variable the runner sets for an input: `INPUT_` + name uppercased, spaces to `_`, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** An InputSource reading the runner's INPUT_* variables from `env` (what @actions/core's getInput does). */
export function envInputSource(env: NodeJS.ProcessEnv = process.env): InputSource {
  return (name) => env[inputEnvName(name)] ?? '';
}

/** An InputSource over a plain record, for tests and for callers that already hold the values. */
export function recordInputSource(values: Record<string, string | undefined>): InputSource {
  return (name) => values[name] ?? '';
}

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];
const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Options shared by readers whose value may come from a runner variable (GITHUB_SHA, GITHUB_WORKSPACE...). */
export interface DefaultFrom {
  /** Environment variable used when the input is empty. */
  env?: string;
  /** Used when both the input and the environment variable are empty. */
  default?: string;
}

/** Typed, validated access to an action's inputs. */
export class ActionInputs {
  constructor(
    private readonly source: InputSource,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The trimmed value, or undefined when the input is empty and no default applies. */
  optional(name: string, from: DefaultFrom = {}): string | undefined {
    const value = this.source(name).trim();
    if (value) return value;
    const fromEnv = from.env ? this.env[from.env]?.trim() : undefined;
    if (fromEnv) return fromEnv;
    return from.default !== undefined && from.default !== '' ? from.default : undefined;
  }

  /** The trimmed value; InputError when empty (after defaults). */
  required(name: string, from: DefaultFrom = {}, what = 'a value'): string {
    const value = this.optional(name, from);
    if (value === undefined) {
      const fallback = from.env ? ` (and ${from.env} is not set)` : '';
      throw new InputError(name, `is required: expected ${what}${fallback}`);
    }
    return value;
  }

  /** `repository-path` (default $GITHUB_WORKSPACE) as an absolute path; InputError unless it has a .git. */
  workingCopy(purpose = ''): string {
    const name = 'repository-path';
    const what = `a git working copy${purpose ? ` ${purpose}` : ''}`;
    const repo = resolve(this.required(name, { env: 'GITHUB_WORKSPACE' }, what));
    if (!existsSync(join(repo, '.git')))
      throw new InputError(name, `expected ${what}, '${repo}' has no .git`);
    return repo;
  }

  /** A git branch name (default `main`); refuses what git would read as an option or a range. */
  branch(name = 'branch'): string {
    return checkBranch(this.optional(name) ?? 'main', name);
  }

  /** The raw value with its line breaks, for multiline inputs; '' when empty. */
  raw(name: string): string {
    return this.source(name);
  }

  /** A YAML 1.2 core-schema boolean (true|True|TRUE|false|False|FALSE), as @actions/core accepts. */
  boolean(name: string, defaultValue: boolean): boolean {
    const value = this.source(name).trim();
    if (!value) return defaultValue;
    if (TRUE_VALUES.includes(value)) return true;
    if (FALSE_VALUES.includes(value)) return false;
    throw new InputError(name, `expected true or false, got '${value}'`);
  }

  /** An integer within [min, max]. */
  int(name: string, opts: { default?: number; min?: number; max?: number; unit?: string }): number {
    const value = this.source(name).trim();
    const unit = opts.unit ? ` ${opts.unit}` : '';
    if (!value) {
      if (opts.default === undefined)
        throw new InputError(name, `is required: expected an integer${unit}`);
      return opts.default;
    }
    if (!/^[+-]?\d+$/.test(value))
      throw new InputError(name, `expected an integer${unit}, got '${value}'`);
    return inRange(name, Number(value), opts, unit);
  }

  /** A number (decimals allowed) within [min, max]. */
  number(
    name: string,
    opts: { default: number; min?: number; max?: number; unit?: string },
  ): number {
    const value = this.source(name).trim();
    if (!value) return opts.default;
    const unit = opts.unit ? ` ${opts.unit}` : '';
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value)) {
      throw new InputError(name, `expected a number${unit}, got '${value}'`);
    }
    return inRange(name, Number(value), opts, unit);
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(name: string, allowed: readonly T[], defaultValue: T): T {
    const value = this.source(name).trim();
    if (!value) return defaultValue;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new InputError(name, `expected one of ${allowed.join(', ')}, got '${value}'`);
  }

  /** A full 40-character lowercase hex commit SHA (e.g. GITHUB_SHA). */
  sha(name: string, from: DefaultFrom = {}): string {
    return checkCommitSha(this.required(name, from, 'a 40-character commit SHA'), name);
  }

  /** An image digest, sha256:<64 hex>; undefined when empty and not required. */
  digest(name: string, opts: { required: true }): string;
  digest(name: string, opts?: { required?: boolean }): string | undefined;
  digest(name: string, opts: { required?: boolean } = {}): string | undefined {
    const value = opts.required
      ? this.required(name, {}, 'an image digest sha256:<64 hex>')
      : this.optional(name);
    return value === undefined ? undefined : checkDigest(value, name);
  }

  /** An image tag per the OCI distribution grammar. */
  tag(name: string, from: DefaultFrom = {}): string {
    return checkTag(this.required(name, from, 'an image tag'), name);
  }

  /** An image reference; `repositoryOnly` rejects a tag or digest (e.g. "repository without tag"). */
  imageRef(name: string, opts: { repositoryOnly?: boolean; default?: string } = {}): ImageRef {
    const value = this.required(name, { default: opts.default }, 'an image reference');
    const ref = parseImageRef(value, name);
    if (opts.repositoryOnly && (ref.tag !== undefined || ref.digest !== undefined)) {
      throw new InputError(
        name,
        `expected an image repository without tag or digest, got '${value}'`,
      );
    }
    return ref;
  }

  /** Multiline KEY=VALUE pairs (blank lines and # comments ignored); the value may contain '='. */
  keyValues(name: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [i, rawLine] of this.source(name).split(/\r?\n/).entries()) {
      const line = rawLine.trim();
      if (!line || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      const key = eq > 0 ? line.slice(0, eq).trim() : '';
      if (!ENV_KEY_PATTERN.test(key)) {
        throw new InputError(
          name,
          `line ${i + 1}: expected KEY=VALUE with KEY matching [A-Za-z_][A-Za-z0-9_]*, got '${line}'`,
        );
      }
      result[key] = line.slice(eq + 1);
    }
    return result;
  }

  /** A Kubernetes object name: a DNS-1123 label (namespaces) or subdomain (most other objects). */
  kubeName(name: string, opts: { label?: boolean } & DefaultFrom = {}): string {
    return checkKubeName(this.required(name, opts, 'a Kubernetes name'), name, opts);
  }

  /** "owner/repo", as in GITHUB_REPOSITORY. */
  repository(name: string, from: DefaultFrom = {}): { owner: string; repo: string } {
    const value = this.required(name, from, 'owner/repo');
    const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
    if (!match) throw new InputError(name, `expected owner/repo, got '${value}'`);
    return { owner: match[1]!, repo: match[2]! };
  }

  /** An absolute http(s) URL. */
  url(name: string, from: DefaultFrom = {}): string {
    const value = this.required(name, from, 'an http(s) URL');
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new InputError(name, `expected an http(s) URL, got '${value}'`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InputError(name, `expected an http(s) URL, got '${value}'`);
    }
    return value.replace(/\/+$/, '');
  }

  /** A relative path inside the repository (no absolute path, no '..' escaping it). */
  relativePath(name: string, from: DefaultFrom = {}): string {
    const value = this.required(name, from, 'a path relative to the repository root');
    const normalized = value
      .replace(/\\/g, '/')
      .replace(/^\.\/+/, '')
      .replace(/\/+$/, '');
    if (normalized.startsWith('/') || normalized.split('/').includes('..') || !normalized) {
      throw new InputError(name, `expected a path relative to the repository root, got '${value}'`);
    }
    return normalized;
  }
}

/** `n` when it lies within the optional bounds; otherwise an InputError naming the input. */
function inRange(
  name: string,
  n: number,
  opts: { min?: number; max?: number },
  unit: string,
): number {
  if (opts.min !== undefined && n < opts.min)
    throw new InputError(name, `expected at least ${opts.min}${unit}, got ${n}`);
  if (opts.max !== undefined && n > opts.max)
    throw new InputError(name, `expected at most ${opts.max}${unit}, got ${n}`);
  return n;
}
