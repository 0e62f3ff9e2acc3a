import {
  checkDigest,
  checkTag,
  parseImageRef
} from "./chunk-M3M4HARC.js";
import {
  InputError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/rules/kustomization.ts
import { isAlias, isMap, isScalar, isSeq, parse as parseYaml, parseDocument, visit } from "yaml";
var FIELD_ORDER = ["name", "newName", "newTag", "digest"];
var FIELDS = ["newName", "newTag", "digest"];
var PRESERVE = "*";
function parseKustomization(text, file) {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos?.[0] ? ` (line ${first.linePos[0].line})` : "";
    const message = (first?.message.split("\n")[0] ?? "parse error").replace(
      /\s*at line \d+, column \d+:?\s*$/,
      ""
    );
    throw new InputError(file, `is not valid YAML${where}: ${message}`);
  }
  const referenced = /* @__PURE__ */ new Set();
  visit(doc, {
    Alias: /* @__PURE__ */ __name((_key, node) => {
      referenced.add(node.source);
    }, "Alias"),
    Map: /* @__PURE__ */ __name((_key, map) => {
      const seen = /* @__PURE__ */ new Set();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          const at = pair.key?.range?.[0] ?? 0;
          const line = lineOf(text, at);
          throw new InputError(file, `is not valid YAML (line ${line}): map keys must be unique`);
        }
        seen.add(key);
      }
    }, "Map")
  });
  const base = { doc, referenced };
  const contents = doc.contents;
  if (contents === null || isScalar(contents) && contents.value === null)
    return { ...base, root: null, entries: [] };
  if (!isMap(contents))
    throw new InputError(file, "must be a YAML mapping (a kustomization), not a scalar or list");
  const root = contents;
  const imagesPair = root.items.find((p) => isScalar(p.key) && p.key.value === "images");
  if (!imagesPair) return { ...base, root, entries: [] };
  const value = imagesPair.value;
  if (value === null || isScalar(value) && value.value === null)
    return { ...base, root, imagesPair, entries: [] };
  if (isAlias(value)) throw sharedError(file, "images", `is an alias (*${value.source})`);
  if (!isSeq(value))
    throw new InputError(
      file,
      "'images' must be a list of {name, newName, newTag, digest} entries"
    );
  const entries = value.items.map((item, i) => {
    if (isAlias(item)) throw sharedError(file, `images[${i}]`, `is an alias (*${item.source})`);
    if (!isMap(item)) throw new InputError(file, `images[${i}] must be a mapping with a 'name'`);
    return {
      node: item,
      override: readEntry(item, text, file, i, doc),
      // Checked only for the entries an edit touches: it parses each value twice.
      get unquoted() {
        return unquoted(item, text);
      }
    };
  });
  return { ...base, root, imagesPair, images: value, entries };
}
__name(parseKustomization, "parseKustomization");
function sharedError(file, field, why) {
  return new InputError(
    file,
    `${field} ${why}: an edit here would change another place of the file too, so gitops does not edit it`,
    "write the value out in full (no YAML anchor, alias or merge key) in the images entry"
  );
}
__name(sharedError, "sharedError");
function refuseShared(parsed, entry, index, changed, file) {
  const used = /* @__PURE__ */ __name((node) => {
    const anchor = node?.anchor;
    return anchor && parsed.referenced.has(anchor) ? anchor : void 0;
  }, "used");
  const list = used(parsed.images);
  if (list) throw sharedError(file, "images", `carries anchor &${list}, which an alias uses`);
  const own = used(entry.node);
  if (own)
    throw sharedError(file, `images[${index}]`, `carries anchor &${own}, which an alias uses`);
  for (const pair of entry.node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (key === "<<") throw sharedError(file, `images[${index}]`, "merges another mapping (<<)");
    const anchor = changed.includes(key) ? used(pair.value) : void 0;
    if (anchor) {
      throw sharedError(
        file,
        `images[${index}].${key}`,
        `carries anchor &${anchor}, which an alias uses`
      );
    }
  }
}
__name(refuseShared, "refuseShared");
function lineOf(text, pos) {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < pos; i = text.indexOf("\n", i + 1)) line += 1;
  return line;
}
__name(lineOf, "lineOf");
function scalarText(node, text) {
  if (!isScalar(node) || node.value === null || node.value === void 0) return void 0;
  if (node.type === "PLAIN" && node.range) return text.slice(node.range[0], node.range[1]);
  return String(node.value);
}
__name(scalarText, "scalarText");
function readEntry(item, text, file, index, doc) {
  const get = /* @__PURE__ */ __name((key) => {
    const pair = findPair(item, key);
    if (!pair) return void 0;
    const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    if (value !== null && value !== void 0 && !isScalar(value)) {
      throw new InputError(file, `images[${index}].${key} must be a string`);
    }
    return scalarText(value, text);
  }, "get");
  const name = get("name");
  if (!name) throw new InputError(file, `images[${index}] has no 'name'`);
  const out = { name };
  for (const f of FIELDS) {
    const v = get(f);
    if (v !== void 0) out[f] = v;
  }
  return out;
}
__name(readEntry, "readEntry");
function unquoted(item, text) {
  return FIELDS.filter((f) => {
    const v = findPair(item, f)?.value;
    if (!isScalar(v) || v.type !== "PLAIN" || !v.range || v.value === null) return false;
    return !readsAsString(text.slice(v.range[0], v.range[1]));
  });
}
__name(unquoted, "unquoted");
function extraKeys(map) {
  return map.items.map((p) => isScalar(p.key) ? String(p.key.value) : "").filter((k) => !FIELD_ORDER.includes(k));
}
__name(extraKeys, "extraKeys");
function findPair(map, key) {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}
__name(findPair, "findPair");
function listImages(text, file = "kustomization.yaml") {
  return parseKustomization(text, file).entries.map((e) => e.override);
}
__name(listImages, "listImages");
function readImage(text, name, file = "kustomization.yaml") {
  return listImages(text, file).find((e) => e.name === name);
}
__name(readImage, "readImage");
function validateOverride(image) {
  if (typeof image.name !== "string" || image.name.trim() === "" || /\s/.test(image.name)) {
    throw new InputError(
      "image.name",
      `'${String(image.name)}' must be a non-empty image name without spaces`
    );
  }
  if (image.newName !== void 0 && image.newName !== PRESERVE) {
    const ref = parseImageRef(image.newName, "image.newName");
    if (ref.tag !== void 0 || ref.digest !== void 0) {
      throw new InputError(
        "image.newName",
        `'${image.newName}' must be a name without tag or digest`
      );
    }
  }
  if (image.newTag !== void 0 && image.newTag !== PRESERVE)
    checkTag(image.newTag, "image.newTag");
  if (image.digest !== void 0 && image.digest !== PRESERVE)
    checkDigest(image.digest, "image.digest");
}
__name(validateOverride, "validateOverride");
var SCHEMAS = [{ version: "1.2" }, { version: "1.1" }];
function readsAsString(value) {
  return SCHEMAS.every((options) => {
    try {
      return parseYaml(value, options) === value;
    } catch {
      return false;
    }
  });
}
__name(readsAsString, "readsAsString");
function formatScalar(value, style) {
  if (style === "QUOTE_DOUBLE") return JSON.stringify(value);
  if (style === "QUOTE_SINGLE") return `'${value.replace(/'/g, "''")}'`;
  if (/^[A-Za-z0-9._/:@-]+$/.test(value) && readsAsString(value)) return value;
  return JSON.stringify(value);
}
__name(formatScalar, "formatScalar");
function lineStart(text, pos) {
  return text.lastIndexOf("\n", pos - 1) + 1;
}
__name(lineStart, "lineStart");
function column(text, pos) {
  return pos - lineStart(text, pos);
}
__name(column, "column");
function afterLine(text, pos) {
  const nl = text.indexOf("\n", pos);
  return nl < 0 ? text.length : nl + 1;
}
__name(afterLine, "afterLine");
function range(node) {
  const r = node.range;
  if (!r) throw new Error("internal: YAML node without a source range");
  return r;
}
__name(range, "range");
function pairEnd(text, pair) {
  const v = pair.value;
  const end = v && v.range ? v.range[2] : range(pair.key)[1];
  return text[end - 1] === "\n" ? end : afterLine(text, end);
}
__name(pairEnd, "pairEnd");
function afterColon(text, key) {
  const colon = text.indexOf(":", range(key)[1]);
  if (colon < 0) throw new Error("internal: mapping key without a colon");
  return colon + 1;
}
__name(afterColon, "afterColon");
function desiredEntry(image, existing) {
  const out = { name: image.name };
  for (const f of FIELDS) {
    const v = image[f] === PRESERVE ? existing?.[f] : image[f];
    if (v !== void 0) out[f] = v;
  }
  return out;
}
__name(desiredEntry, "desiredEntry");
function sameEntry(a, b) {
  return a.name === b.name && FIELDS.every((f) => a[f] === b[f]);
}
__name(sameEntry, "sameEntry");
function flowEntry(entry) {
  const parts = FIELD_ORDER.filter((f) => entry[f] !== void 0).map(
    (f) => `${f}: ${formatScalar(entry[f])}`
  );
  return `{${parts.join(", ")}}`;
}
__name(flowEntry, "flowEntry");
function blockEntry(entry, dashIndent) {
  const lines = FIELD_ORDER.filter((f) => entry[f] !== void 0).map((f, i) => {
    const prefix = i === 0 ? `${dashIndent}- ` : `${dashIndent}  `;
    return `${prefix}${f}: ${formatScalar(entry[f])}
`;
  });
  return lines.join("");
}
__name(blockEntry, "blockEntry");
function rootSeqIndent(text, root) {
  for (const pair of root?.items ?? []) {
    if (isSeq(pair.value) && !pair.value.flow && pair.value.items.length > 0 && pair.value.range) {
      const dash = text.lastIndexOf("-", range(pair.value.items[0])[0]);
      return " ".repeat(Math.max(0, column(text, dash) - column(text, range(pair.key)[0])));
    }
  }
  return "";
}
__name(rootSeqIndent, "rootSeqIndent");
function editEntry(text, node, want, have, unsafe, file) {
  const splices = [];
  const namePair = findPair(node, "name");
  if (!namePair) throw new InputError(file, `image '${have.name}' has no name key`);
  const keyCol = column(text, range(namePair.key)[0]);
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!FIELD_ORDER.includes(key))
      splices.push(removePair(text, node, pair));
  }
  for (const f of FIELDS) {
    if (want[f] === have[f] && !unsafe.includes(f)) continue;
    const pair = findPair(node, f);
    const value = want[f];
    if (pair && value !== void 0) {
      const v = pair.value;
      if (v && isScalar(v) && v.range && v.value !== null) {
        if (v.type === "BLOCK_LITERAL" || v.type === "BLOCK_FOLDED") {
          throw new InputError(
            file,
            `images entry '${have.name}': ${f} as a block scalar cannot be edited`
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
    } else if (value !== void 0) {
      splices.push(insertPair(text, node, f, value, keyCol));
    }
  }
  return splices;
}
__name(editEntry, "editEntry");
function removePair(text, node, pair) {
  const index = node.items.indexOf(pair);
  const keyStart = range(pair.key)[0];
  const next = node.items[index + 1];
  if (node.flow) {
    const prev = node.items[index - 1];
    if (prev)
      return {
        start: range(prev.value ?? prev.key)[1],
        end: range(pair.value ?? pair.key)[1],
        text: ""
      };
    if (next) return { start: keyStart, end: range(next.key)[0], text: "" };
    return { start: keyStart, end: range(pair.value ?? pair.key)[1], text: "" };
  }
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() === "")
    return { start, end: pairEnd(text, pair), text: "" };
  if (!next) throw new Error("internal: cannot remove the only key of an entry");
  return { start: keyStart, end: range(next.key)[0], text: "" };
}
__name(removePair, "removePair");
function insertPair(text, node, field, value, keyCol) {
  const order = FIELD_ORDER.indexOf(field);
  let after;
  for (let i = order - 1; i >= 0 && !after; i -= 1)
    after = findPair(node, FIELD_ORDER[i]);
  after ??= node.items[node.items.length - 1];
  if (!after) throw new Error("internal: empty image entry");
  if (node.flow) {
    const at2 = range(after.value ?? after.key)[1];
    return { start: at2, end: at2, text: `, ${field}: ${formatScalar(value)}` };
  }
  const at = pairEnd(text, after);
  const line = `${" ".repeat(keyCol)}${field}: ${formatScalar(value)}`;
  return at === text.length && !text.endsWith("\n") ? { start: at, end: at, text: `
${line}` } : { start: at, end: at, text: `${line}
` };
}
__name(insertPair, "insertPair");
function appendEntry(text, parsed, entry, file) {
  const { root, imagesPair, images } = parsed;
  if (images && images.items.length > 0) {
    const last = images.items[images.items.length - 1];
    if (images.flow) {
      const at3 = range(last)[1];
      return { start: at3, end: at3, text: `, ${flowEntry(entry)}` };
    }
    const first = images.items[0];
    const dash = text.lastIndexOf("-", range(first)[0]);
    const block2 = blockEntry(entry, " ".repeat(column(text, dash)));
    const end = range(images)[2];
    const at2 = text[end - 1] === "\n" || end === 0 ? end : afterLine(text, end);
    return at2 === text.length && !text.endsWith("\n") && text.length > 0 ? { start: at2, end: at2, text: `
${block2.replace(/\n$/, "")}` } : { start: at2, end: at2, text: block2 };
  }
  const indent = rootSeqIndent(text, root);
  if (imagesPair) {
    const at2 = afterColon(text, imagesPair.key);
    const v = imagesPair.value;
    const end = v && v.range ? Math.max(at2, v.range[1]) : at2;
    const keyCol = column(text, range(imagesPair.key)[0]);
    const block2 = blockEntry(entry, " ".repeat(keyCol) + indent).replace(/\n$/, "");
    return { start: at2, end, text: `
${block2}` };
  }
  if (root?.flow)
    throw new InputError(
      file,
      "a flow-style mapping ({...}) cannot get an 'images' list added; use block style"
    );
  const block = `images:
${blockEntry(entry, indent)}`;
  const at = text.length;
  return {
    start: at,
    end: at,
    text: text.length > 0 && !text.endsWith("\n") ? `
${block}` : block
  };
}
__name(appendEntry, "appendEntry");
function applySplices(text, splices) {
  let out = text;
  const order = splices.map((s, i) => ({ s, i })).sort((a, b) => b.s.start - a.s.start || b.i - a.i);
  for (const { s } of order) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}
__name(applySplices, "applySplices");
function setImage(text, image, file = "kustomization.yaml") {
  validateOverride(image);
  const parsed = parseKustomization(text, file);
  const matches = parsed.entries.filter((e) => e.override.name === image.name);
  if (matches.length > 1)
    throw new InputError(
      file,
      `lists image '${image.name}' ${matches.length} times; keep one entry`
    );
  const match = matches[0] && { ...matches[0], unquoted: matches[0].unquoted };
  const want = desiredEntry(image, match?.override);
  if (FIELDS.every((f) => want[f] === void 0)) {
    throw new InputError(
      "image",
      `'${image.name}' sets no newName, newTag or digest: an images entry must change something`
    );
  }
  const extra = match ? extraKeys(match.node) : [];
  if (match && sameEntry(want, match.override) && match.unquoted.length === 0 && !extra.length)
    return { text, changed: false, previous: match.override };
  if (match) {
    const changed = [
      ...extra,
      ...FIELDS.filter((f) => want[f] !== match.override[f] || match.unquoted.includes(f))
    ];
    refuseShared(parsed, match, parsed.entries.indexOf(matches[0]), changed, file);
  }
  const splices = match ? editEntry(text, match.node, want, match.override, match.unquoted, file) : [appendEntry(text, parsed, want, file)];
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const out = applySplices(
    text,
    eol === "\n" ? splices : splices.map((sp) => ({ ...sp, text: sp.text.replace(/\r?\n/g, eol) }))
  );
  const check = parseKustomization(out, file).entries.find((e) => e.override.name === image.name);
  if (!check || !sameEntry(check.override, want) || check.unquoted.length > 0)
    throw new Error(`internal: editing ${file} did not produce the expected entry`);
  const result = { text: out, changed: out !== text };
  if (match) result.previous = match.override;
  return result;
}
__name(setImage, "setImage");

export {
  listImages,
  readImage,
  validateOverride,
  setImage
};
