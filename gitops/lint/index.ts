// lintRepository: renders every overlay (overlays/*) and argocd/, validates each rendered object
// against the Kubernetes and Argo CD schemas, applies the manifest policy (per render, and across
// renders: each Application's project must permit what its overlay renders), and checks the
// workflows (actionlint + workflow policy and access). Every finding points at a file and line.
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Finding } from './finding.js';
import { sortFindings } from './finding.js';
import { parseManifestStream, splitImage } from './manifest-objects.js';
import type { K8sObject, ObjectRef } from './manifest-objects.js';
import { checkProjectPermits } from './argocd-project.js';
import { checkPolicy } from './manifest-policy.js';
import { validateObjects } from './manifest-schema.js';
import { RenderError, renderOverlay } from '../adapters/kustomize.js';
import { readRepoFile, resolveInside, statIfExists } from '../adapters/repo-files.js';
import { findKustomizationFile, locateImageEntry, sourceIndexFor } from './source-locator.js';
import type { SourceIndex } from './source-locator.js';
import { checkWorkflows, runActionlint } from './workflows.js';

export type { Finding } from './finding.js';
export { formatFinding, sortFindings } from './finding.js';

/** Knobs for lintRepository; the defaults are what CI runs. */
export interface LintOptions {
  /** false skips actionlint; a string is the actionlint binary to use. Default: find it (.cache/bin, PATH). */
  actionlint?: boolean | string;
  /** Renders a kustomization directory (default renderOverlay: `kustomize build` or `kubectl kustomize`). */
  render?: (dir: string) => Promise<string>;
  /** Receives one line per skipped check or object (no schema, no actionlint). */
  log?: (line: string) => void;
}

/** Everything a lint run found, and what it could not check. */
export interface LintReport {
  findings: Finding[];
  skipped: string[];
  rendered: string[];
}

function toRepoPath(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

/** The kustomizations to render: each overlays/<name> with a kustomization file, then argocd/ if it has one. */
export async function listRenderTargets(root: string): Promise<string[]> {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(join(root, 'overlays'), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names)
    if (await findKustomizationFile(join(root, 'overlays', name))) out.push(`overlays/${name}`);
  if (await findKustomizationFile(join(root, 'argocd'))) out.push('argocd');
  return out;
}

interface Located {
  finding: Finding;
  targets: string[];
}

function locateOrFallback(
  index: SourceIndex,
  ref: ObjectRef,
  fallback: string,
): { file: string; line: number; column?: number } {
  return index.locate(ref) ?? { file: fallback, line: 1 };
}

/** What linting one kustomization gave: findings (not yet de-duplicated), skips, and its objects for the cross-render rules. */
export interface KustomizationLint {
  findings: Finding[];
  skipped: string[];
  objects: K8sObject[];
  index?: SourceIndex;
  kustomizationPath: string;
}

/** Lints one rendered kustomization (`target` relative to root). */
export async function lintKustomization(
  root: string,
  target: string,
  render: (dir: string) => Promise<string>,
): Promise<KustomizationLint> {
  const dir = join(root, target);
  const kustomizationFile = (await findKustomizationFile(dir)) ?? join(dir, 'kustomization.yaml');
  const kustomizationPath = toRepoPath(root, kustomizationFile);
  // A kustomization (or its folder) linked outside the repository is refused before Kustomize reads it.
  if (statIfExists(kustomizationFile)) resolveInside(root, kustomizationPath);
  let text: string;
  try {
    text = await render(dir);
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    return {
      findings: [
        {
          file: kustomizationPath,
          line: 1,
          rule: 'render/failed',
          severity: 'error',
          message: err.message,
        },
      ],
      skipped: [],
      objects: [],
      kustomizationPath,
    };
  }
  const objects = parseManifestStream(text, target);
  const index = await sourceIndexFor(root, dir);
  const kustomizationText = await readRepoFile(root, relative(root, kustomizationFile));
  const findings: Finding[] = [];
  const skipped: string[] = [];

  const schema = validateObjects(objects);
  for (const v of schema.violations) {
    findings.push({
      ...locateOrFallback(index, v, kustomizationPath),
      rule: v.rule,
      severity: v.severity,
      message: v.message,
    });
  }
  for (const s of schema.skipped) {
    skipped.push(
      `${target}: ${s.apiVersion} ${s.kind}/${s.name} not schema-validated (no schema for this CRD)`,
    );
  }

  // Only what is deployed is held to the deploy-time rules: overlays, not the base or argocd/.
  const deployed = target.startsWith('overlays/');
  for (const v of checkPolicy(objects, { deployed })) {
    let where = locateOrFallback(index, v, kustomizationPath);
    if (v.image !== undefined) {
      // An image problem in an overlay is fixed in its `images:` entry, so point there when one exists.
      const entry = locateImageEntry(kustomizationText, splitImage(v.image).repository);
      if (entry) where = { file: kustomizationPath, ...entry };
    }
    findings.push({ ...where, rule: v.rule, severity: v.severity, message: v.message });
  }
  return { findings, skipped, objects, index, kustomizationPath };
}

/** The project-permits rule across renders (argocd/'s Applications against their overlays' objects), with the render each finding is in. */
function crossRenderFindings(
  lints: Map<string, KustomizationLint>,
): { finding: Finding; target: string }[] {
  if (!lints.has('argocd')) return [];
  const renders = new Map([...lints].map(([t, l]) => [t, l.objects] as const));
  return checkProjectPermits('argocd', renders).map((v) => {
    const lint = lints.get(v.target)!;
    const where = lint.index
      ? locateOrFallback(lint.index, v, lint.kustomizationPath)
      : { file: lint.kustomizationPath, line: 1 };
    return {
      finding: { ...where, rule: v.rule, severity: v.severity, message: v.message },
      target: v.target,
    };
  });
}

/** Runs every check and returns findings plus what was skipped. */
export async function lintRepositoryReport(
  root: string,
  opts: LintOptions = {},
): Promise<LintReport> {
  const render = opts.render ?? renderOverlay;
  const merged = new Map<string, Located>();
  const skipped: string[] = [];
  const targets = await listRenderTargets(root);
  const lints = new Map<string, KustomizationLint>();
  // The base is rendered once per overlay: one finding per source position, naming every overlay.
  const add = (f: Finding, target: string): void => {
    const key = `${f.file}\0${f.line}\0${f.column ?? ''}\0${f.rule}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { finding: f, targets: [target] });
    else if (!seen.targets.includes(target)) seen.targets.push(target);
  };
  for (const target of targets) {
    const res = await lintKustomization(root, target, render);
    lints.set(target, res);
    skipped.push(...res.skipped);
    for (const f of res.findings) add(f, target);
  }
  for (const { finding, target } of crossRenderFindings(lints)) add(finding, target);
  const findings: Finding[] = [...merged.values()].map(({ finding, targets: t }) => ({
    ...finding,
    message: `${finding.message} (rendered by ${t.join(', ')})`,
  }));

  findings.push(...(await checkWorkflows(root)));
  if (opts.actionlint === false) {
    skipped.push('actionlint: disabled by the caller');
  } else {
    const res = await runActionlint(
      root,
      typeof opts.actionlint === 'string' ? { binary: opts.actionlint } : {},
    );
    findings.push(...res.findings);
    if (res.skipped) skipped.push(`actionlint: ${res.skipped}`);
  }
  for (const line of skipped) opts.log?.(line);
  return { findings: sortFindings(findings), skipped, rendered: targets };
}

/** Lints the repository at `root`: rendered overlays (schema + policy) and workflows (actionlint + policy). */
export async function lintRepository(root: string, opts: LintOptions = {}): Promise<Finding[]> {
  return (await lintRepositoryReport(root, opts)).findings;
}
