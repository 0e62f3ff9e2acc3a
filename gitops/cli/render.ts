import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderOverlay } from '../adapters/kustomize.js';
import type { CliCommand } from './command.js';
import { flagOptions } from './command.js';
import { boolFlag, printOutput, requireFlag } from './output.js';

const usage = `Usage: gitops render --overlay DIR [--json]

Renders an overlay with the real Kustomize (kustomize build, or kubectl kustomize) and prints the manifests.

Options:
  --overlay DIR   Overlay directory (relative to the current directory)
  --json          Print one JSON object: overlay, resource count, container images, and the manifests
  -h, --help      Show this help`;

/** The kind/name of each rendered document and every container image they reference. */
export function summarize(yamlText: string): { resources: string[]; images: string[] } {
  const resources: string[] = [];
  const images = new Set<string>();
  for (const doc of parseAllDocuments(yamlText)) {
    if (!('toJS' in doc)) continue;
    const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (!obj) continue;
    resources.push(`${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}`);
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) {
            for (const c of v) if (c && typeof c.image === 'string') images.add(c.image);
          } else walk(v);
        }
      }
    };
    walk(obj);
  }
  return { resources, images: [...images] };
}

/** `gitops render`: render an overlay with the real Kustomize. */
export const renderCommand: CliCommand = {
  name: 'render',
  usage,
  options: flagOptions({ string: 'overlay', boolean: 'json' }),
  async run(values, io) {
    const overlay = resolve(io.cwd, requireFlag(values, 'overlay'));
    const yamlText = await renderOverlay(overlay);
    const summary = summarize(yamlText);
    printOutput(io, boolFlag(values, 'json'), {
      json: { overlay, resources: summary.resources, images: summary.images, manifests: yamlText },
      lines: [yamlText.replace(/\n$/, '')],
    });
    return 0;
  },
};
