import {
  runProcess
} from "./chunk-YO2BF2HZ.js";
import {
  GitopsError,
  InputError,
  MissingToolError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/adapters/kustomize.ts
import { existsSync, statSync } from "node:fs";
var RenderError = class extends GitopsError {
  constructor(dir, tool, stderr) {
    super(
      `${tool} failed to render ${dir}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
      "RENDER_FAILED"
    );
    this.dir = dir;
    this.tool = tool;
    this.stderr = stderr;
  }
  dir;
  tool;
  stderr;
  static {
    __name(this, "RenderError");
  }
};
async function run(cmd, args) {
  try {
    return await runProcess(cmd, args);
  } catch (err) {
    if (err instanceof MissingToolError) return { code: "missing", stdout: "", stderr: "" };
    throw err;
  }
}
__name(run, "run");
var cache = /* @__PURE__ */ new Map();
function findRenderer() {
  const key = process.env.PATH ?? "";
  const hit = cache.get(key);
  if (hit) return hit;
  const found = (async () => {
    if ((await run("kustomize", ["version"])).code !== "missing") {
      return { tool: "kustomize", args: /* @__PURE__ */ __name((dir) => ["build", dir], "args") };
    }
    if ((await run("kubectl", ["version", "--client"])).code !== "missing") {
      return { tool: "kubectl", args: /* @__PURE__ */ __name((dir) => ["kustomize", dir], "args") };
    }
    cache.delete(key);
    throw new MissingToolError(
      "kustomize",
      "install kustomize or kubectl (kubectl kustomize renders overlays)"
    );
  })();
  cache.set(key, found);
  return found;
}
__name(findRenderer, "findRenderer");
async function renderOverlay(dir) {
  if (typeof dir !== "string" || dir.trim() === "" || !existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError("overlay", `'${dir}' is not a directory`);
  }
  const renderer = await findRenderer();
  const res = await run(renderer.tool, renderer.args(dir));
  if (res.code === "missing") throw new MissingToolError(renderer.tool, "it disappeared from PATH");
  if (res.code !== 0)
    throw new RenderError(
      dir,
      `${renderer.tool} ${renderer.args(dir)[0]}`,
      res.stderr || res.stdout
    );
  return res.stdout;
}
__name(renderOverlay, "renderOverlay");

export {
  renderOverlay
};
