var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// gitops/errors.ts
var GitopsError = class extends Error {
  constructor(message, code, hint, options) {
    super(message, options);
    this.code = code;
    this.hint = hint;
    this.name = new.target.name;
  }
  code;
  hint;
  static {
    __name(this, "GitopsError");
  }
};
var InputError = class extends GitopsError {
  constructor(input, detail, hint) {
    super(`${input}: ${detail}`, "INVALID_INPUT", hint);
    this.input = input;
    this.detail = detail;
  }
  input;
  detail;
  static {
    __name(this, "InputError");
  }
};
async function withInputNames(names, fn) {
  try {
    return await fn();
  } catch (err) {
    const name = err instanceof InputError ? names[err.input] : void 0;
    if (!name || !(err instanceof InputError)) throw err;
    throw new InputError(name, err.detail, err.hint);
  }
}
__name(withInputNames, "withInputNames");
var ApiCallError = class extends GitopsError {
  constructor(operation, status, detail, code, hint, options) {
    super(
      `${operation} failed${status ? ` (HTTP ${status})` : ""}: ${detail}`,
      code,
      hint,
      options
    );
    this.operation = operation;
    this.status = status;
  }
  operation;
  status;
  static {
    __name(this, "ApiCallError");
  }
};
var MissingToolError = class extends GitopsError {
  constructor(tool, hint) {
    super(`${tool} is not installed or not on PATH`, "MISSING_TOOL", hint);
    this.tool = tool;
  }
  tool;
  static {
    __name(this, "MissingToolError");
  }
};
function describeError(err) {
  if (err instanceof GitopsError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
__name(describeError, "describeError");

export {
  __name,
  GitopsError,
  InputError,
  withInputNames,
  ApiCallError,
  MissingToolError,
  describeError
};
