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
    readonly detail: string,
    hint?: string,
  ) {
    super(`${input}: ${detail}`, 'INVALID_INPUT', hint);
  }
}

/**
 * Runs `fn` and re-labels an InputError from the core with the caller's name for that input (a CLI flag, an
 * action input), so the core alone validates and the user still reads the name they typed.
 */
export async function withInputNames<T>(
  names: Record<string, string>,
  fn: () => Promise<T> | T,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const name = err instanceof InputError ? names[err.input] : undefined;
    if (!name || !(err instanceof InputError)) throw err;
    throw new InputError(name, err.detail, err.hint);
  }
}

/** A call to an HTTP API (GitHub, Kubernetes) failed; `status` is 0 when the server was not reached. */
export class ApiCallError extends GitopsError {
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
    code: string,
    hint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${operation} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`,
      code,
      hint,
      options,
    );
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
