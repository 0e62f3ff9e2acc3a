import {
  GitopsError,
  InputError,
  __name,
  describeError
} from "./chunks/chunk-FIVESTVZ.js";

// gitops/cli/index.ts
import { parseArgs } from "node:util";
var commands = [
  {
    name: "bump",
    summary: "pin an image (tag + digest) in an overlay and commit/push it",
    load: /* @__PURE__ */ __name(async () => (await import("./chunks/bump-MKGDKR5M.js")).bumpCommand, "load")
  },
  {
    name: "render",
    summary: "render an overlay with Kustomize",
    load: /* @__PURE__ */ __name(async () => (await import("./chunks/render-5HMRHUHY.js")).renderCommand, "load")
  },
  {
    name: "promote",
    summary: "promote the digest of one overlay to another through a pull request",
    load: /* @__PURE__ */ __name(async () => (await import("./chunks/promote-RMO2WXNU.js")).promoteCommand, "load")
  },
  {
    name: "build",
    summary: "build (and push) the image tagged with the commit SHA",
    load: /* @__PURE__ */ __name(async () => (await import("./chunks/build-WQIJQES4.js")).buildCommand, "load")
  },
  {
    name: "verify",
    summary: "wait for a GitOps revision to be live in Argo CD and roll out; roll back on failure",
    load: /* @__PURE__ */ __name(async () => (await import("./chunks/verify-7XSMKWPK.js")).verifyCommand, "load")
  },
  {
    name: "revert",
    summary: "revert a bump or promotion (roll back), once",
    load: /* @__PURE__ */ __name(async () => (await import("./chunks/revert-MFQ35QZ3.js")).revertCommand, "load")
  }
];
function overview() {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: gitops <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'gitops <command> --help' for a command's options."
  ].join("\n");
}
__name(overview, "overview");
function errorJson(err) {
  if (!(err instanceof GitopsError)) return { code: "INTERNAL", message: describeError(err) };
  return {
    code: err.code,
    message: err.message,
    ...err.hint ? { hint: err.hint } : {},
    ...err instanceof InputError ? { input: err.input } : {}
  };
}
__name(errorJson, "errorJson");
var processIO = {
  out: /* @__PURE__ */ __name((line) => process.stdout.write(`${line}
`), "out"),
  err: /* @__PURE__ */ __name((line) => process.stderr.write(`${line}
`), "err"),
  cwd: process.cwd(),
  env: process.env
};
async function main(argv, io = processIO) {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(overview());
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`gitops: unknown command '${name}'

${overview()}`);
    return 2;
  }
  const command = await entry.load();
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false
    }));
  } catch (err) {
    io.err(`gitops ${name}: ${describeError(err)}

${command.usage}`);
    return 2;
  }
  if (values.help) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(values, io);
  } catch (err) {
    io.err(`gitops ${name}: ${describeError(err)}`);
    if (values.json === true) io.out(JSON.stringify({ error: errorJson(err) }));
    return 1;
  }
}
__name(main, "main");
export {
  main
};
