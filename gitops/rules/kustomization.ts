// Edits are splices into the source text at the ranges `yaml` reports, so every byte outside the changed
// values stays as written (comments, quoting, CRLF, key order). yaml's CST setScalarValue was tried: it
// replaces a value as well, but inserting and removing fields still needs splices, so one way is kept.
import { isAlias, isMap, isScalar, isSeq, parse as parseYaml, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { InputError } from '../errors.js';
import { checkDigest, checkTag, parseImageRef } from './image-ref.js';

/** One entry of a kustomization's `images:` list (the fields `kustomize edit set image` writes). */
export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** Result of setImage: the new text, whether it differs, and the entry as it was before (absent when created). */
export interface SetImageResult {
  text: string;
  changed: boolean;
  previous?: ImageOverride;
}

type Field = 'newName' | 'newTag' | 'digest';
// The order kustomize writes the fields in; new fields are inserted at their place in this order.
const FIELD_ORDER = ['name', 'newName', 'newTag', 'digest'] as const;
const FIELDS: Field[] = ['newName', 'newTag', 'digest'];
/** Passing '*' for a field keeps the value already in the file, as in `kustomize edit set image`. */
export const PRESERVE = '*';

interface Splice {
  start: number;
  end: number;
  text: string;
}

interface ParsedEntry {
  node: YAMLMap;
  override: ImageOverride;
  /** Fields written as plain scalars that YAML reads as a number, boolean, null or date (see readsAsString). */
  readonly unquoted: Field[];
}

interface Parsed {
  doc: Document.Parsed;
  /** Anchors that some alias in the document refers to. */
  referenced: Set<string>;
  root: YAMLMap | null;
  imagesPair?: Pair;
  images?: YAMLSeq;
  entries: ParsedEntry[];
}

function parseKustomization(text: string, file: string): Parsed {
  // yaml's own uniqueKeys check compares every key with every other (quadratic: a 10 MB file took
  // minutes); duplicates are found below with one Set per mapping instead.
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos?.[0] ? ` (line ${first.linePos[0].line})` : '';
    const message = (first?.message.split('\n')[0] ?? 'parse error').replace(
      /\s*at line \d+, column \d+:?\s*$/,
      '',
    );
    throw new InputError(file, `is not valid YAML${where}: ${message}`);
  }
  const referenced = new Set<string>();
  visit(doc, {
    Alias: (_key, node) => {
      referenced.add(node.source);
    },
    Map: (_key, map) => {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          const at = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
          const line = lineOf(text, at);
          throw new InputError(file, `is not valid YAML (line ${line}): map keys must be unique`);
        }
        seen.add(key);
      }
    },
  });
  const base = { doc, referenced };
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null))
    return { ...base, root: null, entries: [] };
  if (!isMap(contents))
    throw new InputError(file, 'must be a YAML mapping (a kustomization), not a scalar or list');
  const root = contents;
  const imagesPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'images');
  if (!imagesPair) return { ...base, root, entries: [] };
  const value = imagesPair.value as Node | null;
  if (value === null || (isScalar(value) && value.value === null))
    return { ...base, root, imagesPair, entries: [] };
  if (isAlias(value)) throw sharedError(file, 'images', `is an alias (*${value.source})`);
  if (!isSeq(value))
    throw new InputError(
      file,
      "'images' must be a list of {name, newName, newTag, digest} entries",
    );
  const entries: ParsedEntry[] = value.items.map((item, i) => {
    if (isAlias(item)) throw sharedError(file, `images[${i}]`, `is an alias (*${item.source})`);
    if (!isMap(item)) throw new InputError(file, `images[${i}] must be a mapping with a 'name'`);
    return {
      node: item,
      override: readEntry(item, text, file, i, doc),
      // Checked only for the entries an edit touches: it parses each value twice.
      get unquoted() {
        return unquoted(item, text);
      },
    };
  });
  return { ...base, root, imagesPair, images: value, entries };
}

/** An anchor or alias shares a value with another place, which an edit of one would change too. */
function sharedError(file: string, field: string, why: string): InputError {
  return new InputError(
    file,
    `${field} ${why}: an edit here would change another place of the file too, so gitops does not edit it`,
    'write the value out in full (no YAML anchor, alias or merge key) in the images entry',
  );
}

// Refuses an edit of `entry` that would reach through an anchor or alias: the entry, the list or a field
// it changes or removes carries an anchor that an alias uses, or the entry merges another (`<<`).
function refuseShared(
  parsed: Parsed,
  entry: ParsedEntry,
  index: number,
  changed: string[],
  file: string,
): void {
  const used = (node: unknown): string | undefined => {
    const anchor = (node as { anchor?: string } | null)?.anchor;
    return anchor && parsed.referenced.has(anchor) ? anchor : undefined;
  };
  const list = used(parsed.images);
  if (list) throw sharedError(file, 'images', `carries anchor &${list}, which an alias uses`);
  const own = used(entry.node);
  if (own)
    throw sharedError(file, `images[${index}]`, `carries anchor &${own}, which an alias uses`);
  for (const pair of entry.node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === '<<') throw sharedError(file, `images[${index}]`, 'merges another mapping (<<)');
    const anchor = changed.includes(key) ? used(pair.value) : undefined;
    if (anchor) {
      throw sharedError(
        file,
        `images[${index}].${key}`,
        `carries anchor &${anchor}, which an alias uses`,
      );
    }
  }
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

function scalarText(node: unknown, text: string): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  // A plain `newTag: 1.10` means the tag "1.10", not the number 1.1: read the source text (kustomize
  // itself refuses to load such a value; setImage rewrites it quoted).
  if (node.type === 'PLAIN' && node.range) return text.slice(node.range[0], node.range[1]);
  return String(node.value);
}

function readEntry(
  item: YAMLMap,
  text: string,
  file: string,
  index: number,
  doc: Document.Parsed,
): ImageOverride {
  const get = (key: string): string | undefined => {
    const pair = findPair(item, key);
    if (!pair) return undefined;
    // An alias reads as the value it names.
    const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    if (value !== null && value !== undefined && !isScalar(value)) {
      throw new InputError(file, `images[${index}].${key} must be a string`);
    }
    return scalarText(value, text);
  };
  const name = get('name');
  if (!name) throw new InputError(file, `images[${index}] has no 'name'`);
  const out: ImageOverride = { name };
  for (const f of FIELDS) {
    const v = get(f);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

// The fields whose plain value kustomize would not load as a string (`newTag: 1234567` fails with "cannot
// unmarshal number into Go struct field Image.images.newTag of type string"); setImage rewrites them quoted.
function unquoted(item: YAMLMap, text: string): Field[] {
  return FIELDS.filter((f) => {
    const v = findPair(item, f)?.value;
    if (!isScalar(v) || v.type !== 'PLAIN' || !v.range || v.value === null) return false;
    return !readsAsString(text.slice(v.range[0], v.range[1]));
  });
}

/** Keys of an entry that `kustomize edit set image` does not write (tagSuffix, ...). */
function extraKeys(map: YAMLMap): string[] {
  return map.items
    .map((p) => (isScalar(p.key) ? String(p.key.value) : ''))
    .filter((k) => !(FIELD_ORDER as readonly string[]).includes(k));
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

/** Lists the `images:` entries of a kustomization; InputError naming `file` for malformed YAML or shapes. */
export function listImages(text: string, file = 'kustomization.yaml'): ImageOverride[] {
  return parseKustomization(text, file).entries.map((e) => e.override);
}

/** The `images:` entry whose name is `name`, or undefined. */
export function readImage(
  text: string,
  name: string,
  file = 'kustomization.yaml',
): ImageOverride | undefined {
  return listImages(text, file).find((e) => e.name === name);
}

/** Checks an entry to write: InputError naming the field (`image.newTag`, ...) that is not valid. */
export function validateOverride(image: ImageOverride): void {
  if (typeof image.name !== 'string' || image.name.trim() === '' || /\s/.test(image.name)) {
    throw new InputError(
      'image.name',
      `'${String(image.name)}' must be a non-empty image name without spaces`,
    );
  }
  if (image.newName !== undefined && image.newName !== PRESERVE) {
    const ref = parseImageRef(image.newName, 'image.newName');
    if (ref.tag !== undefined || ref.digest !== undefined) {
      throw new InputError(
        'image.newName',
        `'${image.newName}' must be a name without tag or digest`,
      );
    }
  }
  if (image.newTag !== undefined && image.newTag !== PRESERVE)
    checkTag(image.newTag, 'image.newTag');
  if (image.digest !== undefined && image.digest !== PRESERVE)
    checkDigest(image.digest, 'image.digest');
}

// `kustomize build` loads kustomization.yaml with sigs.k8s.io/yaml, which resolves plain scalars by YAML 1.1
// (`yes`, `0123`, `1_000`, `0b101` are not strings there); YAML 1.2 tools (the \`yaml\` package, kyaml) read
// `1e10000` or `0x1F` as numbers. A plain scalar is safe only when both read it back as the same string.
const SCHEMAS = [{ version: '1.2' }, { version: '1.1' }] as const;

/** True when `value` written as a plain scalar reads back as that same string under YAML 1.1 and 1.2. */
export function readsAsString(value: string): boolean {
  return SCHEMAS.every((options) => {
    try {
      return parseYaml(value, options) === value;
    } catch {
      // Not a valid plain scalar on its own (e.g. starts with '@').
      return false;
    }
  });
}

/** Formats a string as a YAML scalar: plain when it reads back as the same string, else double-quoted. */
function formatScalar(value: string, style?: Scalar['type']): string {
  if (style === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (/^[A-Za-z0-9._/:@-]+$/.test(value) && readsAsString(value)) return value;
  return JSON.stringify(value);
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function column(text: string, pos: number): number {
  return pos - lineStart(text, pos);
}

/** End of the line containing `pos` (just after its '\n'), or the end of text. */
function afterLine(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl + 1;
}

function range(node: unknown): [number, number, number] {
  const r = (node as { range?: [number, number, number] | null }).range;
  if (!r) throw new Error('internal: YAML node without a source range');
  return r;
}

/** Where a pair's line ends: after its value (including a trailing comment) or after the key when it has no value. */
function pairEnd(text: string, pair: Pair): number {
  const v = pair.value as Node | null;
  const end = v && v.range ? v.range[2] : range(pair.key)[1];
  return text[end - 1] === '\n' ? end : afterLine(text, end);
}

/** The position just after the ':' that follows a key. */
function afterColon(text: string, key: unknown): number {
  const colon = text.indexOf(':', range(key)[1]);
  if (colon < 0) throw new Error('internal: mapping key without a colon');
  return colon + 1;
}

function desiredEntry(image: ImageOverride, existing?: ImageOverride): ImageOverride {
  const out: ImageOverride = { name: image.name };
  for (const f of FIELDS) {
    const v = image[f] === PRESERVE ? existing?.[f] : image[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

function sameEntry(a: ImageOverride, b: ImageOverride): boolean {
  return a.name === b.name && FIELDS.every((f) => a[f] === b[f]);
}

function flowEntry(entry: ImageOverride): string {
  const parts = FIELD_ORDER.filter((f) => entry[f] !== undefined).map(
    (f) => `${f}: ${formatScalar(entry[f] as string)}`,
  );
  return `{${parts.join(', ')}}`;
}

function blockEntry(entry: ImageOverride, dashIndent: string): string {
  const lines = FIELD_ORDER.filter((f) => entry[f] !== undefined).map((f, i) => {
    const prefix = i === 0 ? `${dashIndent}- ` : `${dashIndent}  `;
    return `${prefix}${f}: ${formatScalar(entry[f] as string)}\n`;
  });
  return lines.join('');
}

/** The indentation of block lists under root keys in this file (kustomize writes none). */
function rootSeqIndent(text: string, root: YAMLMap | null): string {
  for (const pair of root?.items ?? []) {
    if (isSeq(pair.value) && !pair.value.flow && pair.value.items.length > 0 && pair.value.range) {
      const dash = text.lastIndexOf('-', range(pair.value.items[0])[0]);
      return ' '.repeat(Math.max(0, column(text, dash) - column(text, range(pair.key)[0])));
    }
  }
  return '';
}

/** Edits one existing entry in place: replaces changed values, removes dropped fields, inserts new ones. */
function editEntry(
  text: string,
  node: YAMLMap,
  want: ImageOverride,
  have: ImageOverride,
  unsafe: Field[],
  file: string,
): Splice[] {
  const splices: Splice[] = [];
  const namePair = findPair(node, 'name');
  if (!namePair) throw new InputError(file, `image '${have.name}' has no name key`);
  const keyCol = column(text, range(namePair.key)[0]);
  // `kustomize edit set image` replaces the whole entry: keys it does not write (tagSuffix) go.
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(FIELD_ORDER as readonly string[]).includes(key))
      splices.push(removePair(text, node, pair));
  }
  for (const f of FIELDS) {
    // An unchanged value is still rewritten when kustomize would not read it as a string.
    if (want[f] === have[f] && !unsafe.includes(f)) continue;
    const pair = findPair(node, f);
    const value = want[f];
    if (pair && value !== undefined) {
      const v = pair.value as Node | null;
      if (v && isScalar(v) && v.range && v.value !== null) {
        if (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED') {
          throw new InputError(
            file,
            `images entry '${have.name}': ${f} as a block scalar cannot be edited`,
          );
        }
        splices.push({ start: v.range[0], end: v.range[1], text: formatScalar(value, v.type) });
      } else {
        const at = afterColon(text, pair.key);
        const end = v && v.range ? Math.max(at, v.range[1]) : at;
        splices.push({ start: at, end, text: ` ${formatScalar(value)}` });
      }
    } else if (pair) {
      splices.push(removePair(text, node, pair));
    } else if (value !== undefined) {
      splices.push(insertPair(text, node, f, value, keyCol));
    }
  }
  return splices;
}

function removePair(text: string, node: YAMLMap, pair: Pair): Splice {
  const index = node.items.indexOf(pair);
  const keyStart = range(pair.key)[0];
  const next = node.items[index + 1];
  if (node.flow) {
    const prev = node.items[index - 1];
    if (prev)
      return {
        start: range(prev.value ?? prev.key)[1],
        end: range(pair.value ?? pair.key)[1],
        text: '',
      };
    if (next) return { start: keyStart, end: range(next.key)[0], text: '' };
    return { start: keyStart, end: range(pair.value ?? pair.key)[1], text: '' };
  }
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() === '')
    return { start, end: pairEnd(text, pair), text: '' };
  // The pair follows "- " on its line: pull the next key up onto this line instead.
  if (!next) throw new Error('internal: cannot remove the only key of an entry');
  return { start: keyStart, end: range(next.key)[0], text: '' };
}

function insertPair(
  text: string,
  node: YAMLMap,
  field: Field,
  value: string,
  keyCol: number,
): Splice {
  // Insert after the nearest field that precedes this one in kustomize's order, else after the last pair.
  const order = FIELD_ORDER.indexOf(field);
  let after: Pair | undefined;
  for (let i = order - 1; i >= 0 && !after; i -= 1)
    after = findPair(node, FIELD_ORDER[i] as string);
  after ??= node.items[node.items.length - 1];
  if (!after) throw new Error('internal: empty image entry');
  if (node.flow) {
    const at = range(after.value ?? after.key)[1];
    return { start: at, end: at, text: `, ${field}: ${formatScalar(value)}` };
  }
  const at = pairEnd(text, after);
  const line = `${' '.repeat(keyCol)}${field}: ${formatScalar(value)}`;
  return at === text.length && !text.endsWith('\n')
    ? { start: at, end: at, text: `\n${line}` }
    : { start: at, end: at, text: `${line}\n` };
}

function appendEntry(text: string, parsed: Parsed, entry: ImageOverride, file: string): Splice {
  const { root, imagesPair, images } = parsed;
  if (images && images.items.length > 0) {
    const last = images.items[images.items.length - 1];
    if (images.flow) {
      const at = range(last)[1];
      return { start: at, end: at, text: `, ${flowEntry(entry)}` };
    }
    const first = images.items[0];
    const dash = text.lastIndexOf('-', range(first)[0]);
    const block = blockEntry(entry, ' '.repeat(column(text, dash)));
    const end = range(images)[2];
    const at = text[end - 1] === '\n' || end === 0 ? end : afterLine(text, end);
    return at === text.length && !text.endsWith('\n') && text.length > 0
      ? { start: at, end: at, text: `\n${block.replace(/\n$/, '')}` }
      : { start: at, end: at, text: block };
  }
  const indent = rootSeqIndent(text, root);
  if (imagesPair) {
    // `images:`, `images: ~` or `images: []`: replace the empty value by a block list.
    const at = afterColon(text, imagesPair.key);
    const v = imagesPair.value as Node | null;
    const end = v && v.range ? Math.max(at, v.range[1]) : at;
    const keyCol = column(text, range(imagesPair.key)[0]);
    const block = blockEntry(entry, ' '.repeat(keyCol) + indent).replace(/\n$/, '');
    return { start: at, end, text: `\n${block}` };
  }
  if (root?.flow)
    throw new InputError(
      file,
      "a flow-style mapping ({...}) cannot get an 'images' list added; use block style",
    );
  const block = `images:\n${blockEntry(entry, indent)}`;
  const at = text.length;
  return {
    start: at,
    end: at,
    text: text.length > 0 && !text.endsWith('\n') ? `\n${block}` : block,
  };
}

function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  // Back to front so earlier offsets stay valid; at the same offset the later splice goes first, so
  // fields inserted after the same line keep their order (newName before digest).
  const order = splices
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.start - a.s.start || b.i - a.i);
  for (const { s } of order) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/**
 * Sets `image` in a kustomization's text the way `kustomize edit set image` does: the entry named
 * `image.name` gets exactly the given newName/newTag/digest (a field left undefined is removed, '*' keeps the
 * file's value); a missing entry (or `images:` list) is created. Only the bytes of those values change, and
 * every value is written so that YAML 1.1 and 1.2 read it as a string (an unquoted `newTag: 1234567` already
 * in the entry is quoted too, since kustomize rejects it).
 */
export function setImage(
  text: string,
  image: ImageOverride,
  file = 'kustomization.yaml',
): SetImageResult {
  validateOverride(image);
  const parsed = parseKustomization(text, file);
  const matches = parsed.entries.filter((e) => e.override.name === image.name);
  if (matches.length > 1)
    throw new InputError(
      file,
      `lists image '${image.name}' ${matches.length} times; keep one entry`,
    );
  const match = matches[0] && { ...matches[0], unquoted: matches[0].unquoted };
  const want = desiredEntry(image, match?.override);
  if (FIELDS.every((f) => want[f] === undefined)) {
    // Kustomize refuses an images entry that sets nothing.
    throw new InputError(
      'image',
      `'${image.name}' sets no newName, newTag or digest: an images entry must change something`,
    );
  }
  const extra = match ? extraKeys(match.node) : [];
  if (match && sameEntry(want, match.override) && match.unquoted.length === 0 && !extra.length)
    return { text, changed: false, previous: match.override };
  if (match) {
    const changed = [
      ...extra,
      ...FIELDS.filter((f) => want[f] !== match.override[f] || match.unquoted.includes(f)),
    ];
    refuseShared(parsed, match, parsed.entries.indexOf(matches[0] as ParsedEntry), changed, file);
  }
  const splices = match
    ? editEntry(text, match.node, want, match.override, match.unquoted, file)
    : [appendEntry(text, parsed, want, file)];
  // New lines take the file's line ending.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const out = applySplices(
    text,
    eol === '\n' ? splices : splices.map((sp) => ({ ...sp, text: sp.text.replace(/\r?\n/g, eol) })),
  );
  // Guard the surgery: the result must parse and carry exactly the wanted entry, every value a string.
  const check = parseKustomization(out, file).entries.find((e) => e.override.name === image.name);
  if (!check || !sameEntry(check.override, want) || check.unquoted.length > 0)
    throw new Error(`internal: editing ${file} did not produce the expected entry`);
  const result: SetImageResult = { text: out, changed: out !== text };
  if (match) result.previous = match.override;
  return result;
}
