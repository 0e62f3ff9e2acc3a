// What an action does to the runner (outputs, annotations, job summary, masking, failure) behind one small
// interface, so each action's logic runs on plain data in tests and on @actions/core in a workflow.
import * as core from '@actions/core';
import { GitopsError, describeError } from '../errors.js';
import { envInputSource } from './inputs.js';
import type { InputSource } from './inputs.js';

/** Where an annotation points: a file and line shown inline in the pull request. */
export interface AnnotationPlace {
  title?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** The runner as an action sees it. */
export interface ActionRuntime {
  input: InputSource;
  env: NodeJS.ProcessEnv;
  /** Masks a value in every later log line; call before the value can reach a log. */
  setSecret(value: string): void;
  setOutput(name: string, value: string): void;
  info(line: string): void;
  warning(message: string, place?: AnnotationPlace): void;
  error(message: string, place?: AnnotationPlace): void;
  /** Marks the step failed with an `::error::` line and exit code 1. */
  setFailed(message: string): void;
  /** Appends markdown to the job summary (GITHUB_STEP_SUMMARY); a no-op when the runner gives none. */
  writeSummary(markdown: string): Promise<void>;
}

function toProperties(place?: AnnotationPlace): core.AnnotationProperties | undefined {
  if (!place) return undefined;
  return { title: place.title, file: place.file, startLine: place.line, startColumn: place.column };
}

/** The runtime a real workflow step uses: @actions/core over the process environment. */
export function coreRuntime(env: NodeJS.ProcessEnv = process.env): ActionRuntime {
  return {
    input: envInputSource(env),
    env,
    setSecret: (value) => core.setSecret(value),
    setOutput: (name, value) => {
      // Without GITHUB_OUTPUT, core.setOutput falls back to the deprecated `::set-output` command, which
      // the runner warns about; outside a runner (a local run) the value is only logged instead.
      if (process.env.GITHUB_OUTPUT) core.setOutput(name, value);
      else core.info(`output ${name}=${value} (GITHUB_OUTPUT is not set, so no step output)`);
    },
    info: (line) => core.info(line),
    warning: (message, place) => core.warning(message, toProperties(place)),
    error: (message, place) => core.error(message, toProperties(place)),
    setFailed: (message) => core.setFailed(message),
    writeSummary: async (markdown) => {
      if (!env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown, true).write();
    },
  };
}

/**
 * The failure line for any thrown value. A lazily loaded bundle chunk has its own copy of the error
 * classes, so a GitopsError from it fails `instanceof`; its shape (code and hint) still identifies it.
 */
export function failureMessage(err: unknown): string {
  if (err instanceof GitopsError || !(err instanceof Error)) return describeError(err);
  const { code, hint } = err as { code?: unknown; hint?: unknown };
  return typeof code === 'string' && typeof hint === 'string' && hint
    ? `${err.message} (${hint})`
    : err.message;
}

/** Runs an action body and turns any thrown error into one failed-step message; never rejects. */
export async function runAction(
  body: (rt: ActionRuntime) => Promise<void>,
  rt: ActionRuntime = coreRuntime(),
): Promise<void> {
  try {
    await body(rt);
  } catch (err) {
    rt.setFailed(failureMessage(err));
  }
}

/** Masks every distinct non-empty secret once, by its trimmed value. */
export function maskSecrets(rt: ActionRuntime, ...secrets: (string | undefined)[]): void {
  // The runner masks every occurrence of a registered value, so the trimmed value also hides a padded
  // one; registering both would mask the same secret twice.
  const distinct = new Set(secrets.map((secret) => secret?.trim()));
  for (const secret of distinct) if (secret) rt.setSecret(secret);
}

/** Escapes a value for a markdown table cell (pipes and line breaks would break the row). */
export function escapeCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return String(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(
  headers: string[],
  rows: (string | number | boolean | undefined)[][],
): string {
  const line = (cells: (string | number | boolean | undefined)[]) =>
    `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(headers), `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(line)].join(
    '\n',
  );
}

/** Formats milliseconds as seconds with one decimal, e.g. 12.3 s. */
export function formatSeconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

/** Whole seconds as an output value ('' when unknown). */
export function secondsOutput(ms: number | undefined): string {
  return ms === undefined ? '' : String(Math.round(ms / 1000));
}

/** A markdown fenced code block that cannot be closed early by its own content. */
export function codeBlock(text: string, lang = ''): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/\n$/, '')}\n${fence}`;
}
