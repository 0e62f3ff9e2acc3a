import {
  InputError,
  MissingToolError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/command.ts
function flagOptions(spec) {
  const names = /* @__PURE__ */ __name((list = "") => list.split(/\s+/).filter(Boolean), "names");
  return Object.fromEntries([
    ...names(spec.string).map((name) => [name, { type: "string" }]),
    ...names(spec.boolean).map((name) => [name, { type: "boolean" }]),
    ...names(spec.repeatable).map((name) => [name, { type: "string", multiple: true }])
  ]);
}
__name(flagOptions, "flagOptions");

// gitops/cli/output.ts
function printOutput(io, json, output) {
  if (json) {
    io.out(JSON.stringify(output.json));
    return;
  }
  for (const line of output.lines) io.out(line);
}
__name(printOutput, "printOutput");
function progressLogger(io, json) {
  return json ? () => void 0 : (line) => io.err(line);
}
__name(progressLogger, "progressLogger");
function stringFlag(values, name) {
  const v = values[name];
  return typeof v === "string" ? v : void 0;
}
__name(stringFlag, "stringFlag");
function boolFlag(values, name) {
  return values[name] === true;
}
__name(boolFlag, "boolFlag");
function listFlag(values, name) {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x) => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}
__name(listFlag, "listFlag");
function requireFlag(values, name) {
  const v = stringFlag(values, name);
  if (v === void 0 || v.trim() === "") throw new InputError(`--${name}`, "is required");
  return v;
}
__name(requireFlag, "requireFlag");

// gitops/adapters/process.ts
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
var DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
function runProcess(cmd, args, opts = {}) {
  const mask = opts.mask ?? ((s) => s);
  const limit = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"]
    });
    const out = { stdout: "", stderr: "" };
    let partial = "";
    let why;
    const feed = /* @__PURE__ */ __name((chunk) => {
      if (!opts.onLine) return;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim() !== "") opts.onLine(mask(l));
    }, "feed");
    for (const stream of ["stdout", "stderr"]) {
      child[stream].setEncoding("utf8").on("data", (chunk) => {
        if (out[stream].length + chunk.length > limit) {
          why ??= `(killed: more than ${limit} bytes of ${stream})`;
          child.kill("SIGKILL");
          return;
        }
        out[stream] += chunk;
        feed(chunk);
      });
    }
    const timer = opts.timeoutMs === void 0 ? void 0 : setTimeout(() => {
      why ??= `(killed after ${opts.timeoutMs} ms)`;
      child.kill("SIGTERM");
    }, opts.timeoutMs);
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      if (err.code !== "ENOENT") reject(err);
      else if (opts.cwd !== void 0 && !existsSync(opts.cwd))
        resolve({ code: 128, stdout: "", stderr: `directory ${opts.cwd} does not exist` });
      else reject(new MissingToolError(cmd, opts.installHint ?? `install ${cmd}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (partial.trim() !== "" && opts.onLine) opts.onLine(mask(partial));
      const result = { code: code ?? 128, stdout: mask(out.stdout), stderr: mask(out.stderr) };
      if (why) result.stderr += `
${why}`;
      else if (signal) result.stderr += `
(killed by ${signal})`;
      resolve(result);
    });
    child.stdin.on("error", () => void 0);
    child.stdin.end(opts.input ?? "");
  });
}
__name(runProcess, "runProcess");

export {
  runProcess,
  flagOptions,
  printOutput,
  progressLogger,
  stringFlag,
  boolFlag,
  listFlag,
  requireFlag
};
