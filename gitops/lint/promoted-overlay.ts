// The rule that keeps a promoted environment changing only through promotions: an overlay a workflow
// promotes into (`uses: ./actions/promote` with `to:`) must render only files inside its own directory,
// e.g. its pinned copy of the base. A path out of it (`../../deploy`, the live base on the tip of main) or a
// remote target would let a commit to main reach the environment without a promotion or a verification.
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KUSTOMIZATION_FILES, readRepoFile, statIfExists } from '../adapters/repo-files.js';
import { kustomizationReferences } from '../rules/kustomization-paths.js';
import type { Finding } from './finding.js';

/** The rule id of a promoted overlay reading outside itself. */
export const LIVE_BASE_RULE = 'promotion/live-base';

/** The `to:` overlays of every `./actions/promote` step in the workflows (texts by file), normalized. */
export function promotionTargets(workflows: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const text of workflows.values()) {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      // A workflow that does not parse is actionlint's finding, not this rule's.
      continue;
    }
    const jobs = (doc as { jobs?: unknown } | null)?.jobs;
    if (!jobs || typeof jobs !== 'object') continue;
    for (const job of Object.values(jobs as Record<string, unknown>)) {
      const steps = (job as { steps?: unknown } | null)?.steps;
      if (!Array.isArray(steps)) continue;
      for (const step of steps as { uses?: unknown; with?: { to?: unknown } }[]) {
        const uses = typeof step?.uses === 'string' ? step.uses.replace(/\/+$/, '') : '';
        const to = step?.with?.to;
        if (uses === './actions/promote' && typeof to === 'string' && !to.includes('${{'))
          out.add(posix.normalize(to.replace(/^\.\//, '')).replace(/\/+$/, ''));
      }
    }
  }
  return [...out].sort();
}

async function kustomizationIn(root: string, dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = posix.join(dir, name);
    if (statIfExists(posix.join(root, file))?.isFile()) return file;
  }
  return undefined;
}

/**
 * Findings for every path the kustomization tree of `overlay` reads outside `overlay`: its own kustomization
 * and those of the directories it includes (inside it), each at the line naming the path.
 */
export async function checkPromotedOverlay(root: string, overlay: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const file = await kustomizationIn(root, dir);
    if (!file) return;
    for (const ref of kustomizationReferences(await readRepoFile(root, file), file)) {
      const resolved = posix.normalize(posix.join(dir, ref.path));
      const outside =
        ref.remote || posix.isAbsolute(ref.path) || !`${resolved}/`.startsWith(`${overlay}/`);
      if (outside) {
        findings.push({
          file,
          line: ref.line,
          rule: LIVE_BASE_RULE,
          severity: 'error',
          message:
            `${overlay} is promoted, but ${ref.field} '${ref.path}' reads ${ref.remote ? 'a remote target' : resolved} outside it: ` +
            `a commit to main would reach the environment without a promotion. Render a copy pinned inside ${overlay} ` +
            `(the promotion writes ${overlay}/base from the verified release)`,
        });
      } else if (statIfExists(posix.join(root, resolved))?.isDirectory()) {
        await visit(resolved);
      }
    }
  };
  await visit(overlay);
  return findings;
}

/** The rule over a repository: every promotion target of its workflows. */
export async function checkPromotedOverlays(
  root: string,
  workflows: Map<string, string>,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const overlay of promotionTargets(workflows))
    out.push(...(await checkPromotedOverlay(root, overlay)));
  return out;
}
