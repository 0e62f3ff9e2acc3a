/**
 * The files and directories a kustomization reads, as written in it (pure: text in, references out), and the
 * one edit a promotion makes to them: pointing a `resources` entry at the environment's pinned base.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node, Scalar } from 'yaml';
import { InputError } from '../errors.js';

/** One path a kustomization names, with the field it is in and its 1-based line. */
export interface KustomizationReference {
  field: string;
  path: string;
  line: number;
  /** A remote target (git URL, github.com/...): read from elsewhere than this repository. */
  remote: boolean;
}

// Fields whose value is a path or a list of paths (kustomize's Kustomization type).
const PATH_LIST_FIELDS = [
  'resources',
  'bases',
  'components',
  'crds',
  'configurations',
  'generators',
  'transformers',
  'validators',
  'patchesStrategicMerge',
];
// Lists of mappings whose `path` is a file.
const PATH_ENTRY_FIELDS = ['patches', 'patchesJson6902', 'replacements'];
// Generators reading files: `files` (key=path or path), `envs` and `env`.
const GENERATOR_FIELDS = ['configMapGenerator', 'secretGenerator'];

const REMOTE_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/i;

/** True when a kustomization reference names a remote target rather than a path in the repository. */
export function isRemoteReference(path: string): boolean {
  return REMOTE_RE.test(path);
}

function parse(text: string, file: string) {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new InputError(file, `is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { doc, root: undefined };
  if (!isMap(root)) throw new InputError(file, 'must be a YAML mapping (a kustomization)');
  return { doc, root };
}

function lineAt(text: string, node: Node | null | undefined): number {
  const at = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  return text.slice(0, at).split('\n').length;
}

/** Every local or remote path `text` (a kustomization in `file`) reads, in document order. */
export function kustomizationReferences(text: string, file: string): KustomizationReference[] {
  const { root } = parse(text, file);
  if (!root) return [];
  const out: KustomizationReference[] = [];
  const add = (field: string, node: unknown): void => {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') return;
    // `files:` entries may be `key=path`.
    const path = field.endsWith('.files') ? node.value.replace(/^[^=]*=/, '') : node.value;
    out.push({ field, path, line: lineAt(text, node), remote: isRemoteReference(path) });
  };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    if (PATH_LIST_FIELDS.includes(key) && isSeq(value)) {
      for (const item of value.items) add(key, item);
    } else if (PATH_ENTRY_FIELDS.includes(key) && isSeq(value)) {
      for (const item of value.items) if (isMap(item)) add(`${key}.path`, item.get('path', true));
    } else if (GENERATOR_FIELDS.includes(key) && isSeq(value)) {
      for (const item of value.items) {
        if (!isMap(item)) continue;
        for (const sub of ['files', 'envs']) {
          const list = item.get(sub, true);
          if (isSeq(list)) for (const f of list.items) add(`${key}.${sub}`, f);
        }
        add(`${key}.env`, item.get('env', true));
      }
    } else if (key === 'openapi' && isMap(value)) {
      add('openapi.path', value.get('path', true));
    } else if (key === 'helmGlobals' && isMap(value)) {
      add('helmGlobals.chartHome', value.get('chartHome', true));
    }
  }
  return out;
}

/** The `resources` entries that name a directory (a base or component), not a file. */
export function resourceDirectories(text: string, file: string): string[] {
  return kustomizationReferences(text, file)
    .filter((r) => r.field === 'resources' && !r.remote && !/\.(?:ya?ml|json)$/i.test(r.path))
    .map((r) => r.path.replace(/\/+$/, ''));
}

/**
 * `text` with the `resources` entry `from` replaced by `to`, every other byte kept; InputError when `from` is
 * not a resources entry. The value is written plain (a path needs no quotes).
 */
export function replaceResource(text: string, from: string, to: string, file: string): string {
  const { root } = parse(text, file);
  const list = root?.get('resources', true);
  const item = isSeq(list)
    ? (list.items as Scalar[]).find(
        (i) => isScalar(i) && typeof i.value === 'string' && i.value.replace(/\/+$/, '') === from,
      )
    : undefined;
  const range = item?.range;
  if (!item || !range) throw new InputError(file, `has no resources entry '${from}'`);
  return `${text.slice(0, range[0])}${to}${text.slice(range[1])}`;
}
