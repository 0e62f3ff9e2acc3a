// Maps a rendered object (kind + metadata.name + a path inside it) back to the source YAML file
// and line that define it, so a finding can point at e.g. deploy/deployment.yaml where the
// container lacking a probe is written, not at kustomize's output.
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parse as parseYaml, parseAllDocuments } from 'yaml';
import type { Node, ParsedNode } from 'yaml';
import type { ObjectRef, PathSegment } from './manifest-objects.js';
import { isRecord } from './manifest-objects.js';
import { KUSTOMIZATION_FILES, readRepoFile, statIfExists } from '../adapters/repo-files.js';

/** A position in a repository file (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
}

/** One YAML document of a source file, with what it takes to turn offsets into lines. */
export interface SourceDoc {
  file: string;
  kind: string;
  name: string;
  contents: ParsedNode | null;
  lineCounter: LineCounter;
}

/** A source file's path (relative to the repository root) and its text. */
export interface SourceText {
  file: string;
  text: string;
}

/** Parses source files into documents keyed by kind and name (documents without both are ignored). */
export function indexSources(files: SourceText[]): SourceDoc[] {
  const docs: SourceDoc[] = [];
  for (const { file, text } of files) {
    const lineCounter = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter })) {
      const contents = doc.contents;
      if (!isMap(contents)) continue;
      const kind = contents.get('kind');
      const metadata = contents.get('metadata');
      const name = isMap(metadata) ? metadata.get('name') : undefined;
      if (typeof kind !== 'string' || typeof name !== 'string') continue;
      docs.push({ file, kind, name, contents, lineCounter });
    }
  }
  return docs;
}

interface Walk {
  matched: number;
  offset: number;
}

function walk(contents: Node | null, path: PathSegment[]): Walk {
  let node: unknown = contents;
  let offset = (contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  let matched = 0;
  for (const seg of path) {
    if (typeof seg === 'string') {
      if (!isMap(node)) break;
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else {
      if (!isSeq(node)) break;
      const item =
        typeof seg === 'number'
          ? node.items[seg]
          : node.items.find((it) => isMap(it) && it.get('name') === seg.name);
      if (!item) break;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
    }
    matched++;
  }
  return { matched, offset };
}

/** The source documents for one rendered kustomization, searched most specific file first. */
export class SourceIndex {
  constructor(private readonly docs: SourceDoc[]) {}

  /** The file and line of the deepest part of `ref.path` that a source document writes, if any defines the object. */
  locate(ref: ObjectRef): SourceLocation | undefined {
    let best: { doc: SourceDoc; walk: Walk } | undefined;
    for (const doc of this.docs) {
      if (doc.kind !== ref.kind || doc.name !== ref.name) continue;
      const w = walk(doc.contents, ref.path);
      if (!best || w.matched > best.walk.matched) best = { doc, walk: w };
    }
    if (!best) return undefined;
    const pos = best.doc.lineCounter.linePos(best.walk.offset);
    return { file: best.doc.file, line: pos.line, column: pos.col };
  }
}

/** The kustomization file in a directory, if there is one. */
export async function findKustomizationFile(dir: string): Promise<string | undefined> {
  return KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((f) => statIfExists(f)?.isFile());
}

/**
 * The directories a kustomization builds from: itself first, then (depth first) every local
 * directory its `resources:` and `components:` name. Remote URLs are not followed.
 */
export async function kustomizationDirs(
  root: string,
  dir: string,
  seen = new Set<string>(),
): Promise<string[]> {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const out = [dir];
  const file = await findKustomizationFile(dir);
  if (!file) return out;
  const data: unknown = parseYaml(await readRepoFile(root, relative(root, file)));
  if (!isRecord(data)) return out;
  for (const field of ['resources', 'components', 'bases']) {
    const list = data[field];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== 'string' || /^[a-z]+:\/\//i.test(entry) || entry.includes('?ref='))
        continue;
      const target = isAbsolute(entry) ? entry : join(dir, entry);
      if (statIfExists(target)?.isDirectory())
        out.push(...(await kustomizationDirs(root, target, seen)));
    }
  }
  return out;
}

/** Reads the YAML files of the directories a kustomization builds from, paths relative to `root`. */
export async function readKustomizationSources(root: string, dir: string): Promise<SourceText[]> {
  const out: SourceText[] = [];
  for (const d of await kustomizationDirs(root, dir)) {
    const names = (await readdir(d)).filter((n) => /\.ya?ml$/.test(n)).sort();
    for (const name of names) {
      const file = relative(root, join(d, name)).split(sep).join('/');
      out.push({ file, text: await readRepoFile(root, file) });
    }
  }
  return out;
}

/** Builds the SourceIndex for the kustomization in `dir` (absolute) of the repository at `root`. */
export async function sourceIndexFor(root: string, dir: string): Promise<SourceIndex> {
  return new SourceIndex(indexSources(await readKustomizationSources(root, dir)));
}

/** The line of the `images:` entry for a repository in a kustomization's text (by newName, else name). */
export function locateImageEntry(
  text: string,
  repository: string,
): { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseAllDocuments(text, { lineCounter })[0];
  const contents = doc?.contents;
  if (!isMap(contents)) return undefined;
  const images = contents.get('images');
  if (!isSeq(images)) return undefined;
  for (const item of images.items) {
    if (!isMap(item)) continue;
    const newName: unknown = item.get('newName');
    const name: unknown = item.get('name');
    const target = typeof newName === 'string' ? newName : name;
    if (target !== repository && name !== repository) continue;
    const pos = lineCounter.linePos((item as { range?: [number, number, number] }).range?.[0] ?? 0);
    return { line: pos.line, column: pos.col };
  }
  return undefined;
}
