import {
  GitopsError,
  InputError,
  __name,
  describeError
} from "./chunks/chunk-LSNGMJ2J.js";

// gitops/cli/index.ts
import { parseArgs } from "node:util";
var summaries = {
  bump: "pin an image (tag + digest) in an overlay and commit/push it",
  render: "render an overlay with Kustomize",
  promote: "promote the digest of one overlay to another through a pull request",
  build: "build (and push) the image tagged with the commit SHA",
  verify: "wait for a GitOps revision to be live in Argo CD and roll out; roll back on failure",
  revert: "revert a bump or promotion (roll back), once",
  "record-deploy": "record a deploy's Deployment and statuses on GitHub (start, finish)",
  "revert-source": "open the PR (or issue) reverting the source of a rolled-back release"
};
var loaders = {
  bump: /* @__PURE__ */ __name(async () => (await import("./chunks/bump-GGSJRXBS.js")).bumpCommand, "bump"),
  render: /* @__PURE__ */ __name(async () => (await import("./chunks/render-2DC4TOMJ.js")).renderCommand, "render"),
  promote: /* @__PURE__ */ __name(async () => (await import("./chunks/promote-ZK3BXAUX.js")).promoteCommand, "promote"),
  build: /* @__PURE__ */ __name(async () => (await import("./chunks/build-7GMPXSZG.js")).buildCommand, "build"),
  verify: /* @__PURE__ */ __name(async () => (await import("./chunks/verify-ESHPPSSR.js")).verifyCommand, "verify"),
  revert: /* @__PURE__ */ __name(async () => (await import("./chunks/revert-NVHDPTEG.js")).revertCommand, "revert"),
  "record-deploy": /* @__PURE__ */ __name(async () => (await import("./chunks/record-deploy-5SAC2KVX.js")).recordDeployCommand, "record-deploy"),
  "revert-source": /* @__PURE__ */ __name(async () => (await import("./chunks/revert-source-3V553HYO.js")).revertSourceCommand, "revert-source")
};
function overview() {
  const names = Object.keys(summaries);
  const width = Math.max(...names.map((n) => n.length));
  return [
    "Usage: gitops <command> [options]",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}  ${summaries[n]}`),
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
  const load = Object.hasOwn(loaders, name) ? loaders[name] : void 0;
  if (!load) {
    io.err(`gitops: unknown command '${name}'

${overview()}`);
    return 2;
  }
  const command = await load();
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
