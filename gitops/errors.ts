/** Base of every error the gitops library raises on purpose: a stable code, and a hint the user can act on. */
export class GitopsError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value given by the user (flag, action input, file content) is not what was expected; raised before any side effect. */
export class InputError extends GitopsError {
  constructor(
    readonly input: string,
    message: string,
    hint?: string,
  ) {
    super(`${input}: ${message}`, 'INVALID_INPUT', hint);
  }
}

/** A tool the command needs (git, docker, kustomize, ...) is not installed. */
export class MissingToolError extends GitopsError {
  constructor(
    readonly tool: string,
    hint: string,
  ) {
    super(`${tool} is not installed or not on PATH`, 'MISSING_TOOL', hint);
  }
}

/** Formats any thrown value as the one line a CLI or action prints on failure. */
export function describeError(err: unknown): string {
  if (err instanceof GitopsError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
