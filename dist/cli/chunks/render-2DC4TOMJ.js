import {
  renderOverlay
} from "./chunk-XXU3MF47.js";
import {
  boolFlag,
  flagOptions,
  printOutput,
  requireFlag
} from "./chunk-YO2BF2HZ.js";
import {
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/cli/render.ts
import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";
var usage = `Usage: gitops render --overlay DIR [--json]

Renders an overlay with the real Kustomize (kustomize build, or kubectl kustomize) and prints the manifests.

Options:
  --overlay DIR   Overlay directory (relative to the current directory)
  --json          Print one JSON object: overlay, resource count, container images, and the manifests
  -h, --help      Show this help`;
function summarize(yamlText) {
  const resources = [];
  const images = /* @__PURE__ */ new Set();
  for (const doc of parseAllDocuments(yamlText)) {
    if (!("toJS" in doc)) continue;
    const obj = doc.toJS();
    if (!obj) continue;
    resources.push(`${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`);
    const walk = /* @__PURE__ */ __name((node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if ((k === "containers" || k === "initContainers") && Array.isArray(v)) {
            for (const c of v) if (c && typeof c.image === "string") images.add(c.image);
          } else walk(v);
        }
      }
    }, "walk");
    walk(obj);
  }
  return { resources, images: [...images] };
}
__name(summarize, "summarize");
var renderCommand = {
  name: "render",
  usage,
  options: flagOptions({ string: "overlay", boolean: "json" }),
  async run(values, io) {
    const overlay = resolve(io.cwd, requireFlag(values, "overlay"));
    const yamlText = await renderOverlay(overlay);
    const summary = summarize(yamlText);
    printOutput(io, boolFlag(values, "json"), {
      json: { overlay, resources: summary.resources, images: summary.images, manifests: yamlText },
      lines: [yamlText.replace(/\n$/, "")]
    });
    return 0;
  }
};
export {
  renderCommand,
  summarize
};
