import {
  InputError,
  __name
} from "./chunk-LSNGMJ2J.js";

// gitops/rules/names.ts
var MAX_PUSH_ATTEMPTS = 10;
var BRANCH_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
function checkBranch(name, input = "branch") {
  const ok = typeof name === "string" && name.length <= 255 && BRANCH_RE.test(name) && !name.includes("..") && !name.includes("//") && !name.includes("/.") && !/(?:\/|\.|\.lock)$/.test(name);
  if (!ok) {
    throw new InputError(
      input,
      `'${String(name)}' is not a valid branch name`,
      "expected letters, digits and . _ / -, starting with a letter or digit, without '..', '//' or a trailing '/', '.' or '.lock'"
    );
  }
  return name;
}
__name(checkBranch, "checkBranch");
function isCommitSha(value) {
  return typeof value === "string" && /^[0-9a-f]{40}$/.test(value);
}
__name(isCommitSha, "isCommitSha");
function checkCommitSha(value, input) {
  if (!isCommitSha(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a full commit SHA (expected 40 lowercase hex characters)`
    );
  }
  return value;
}
__name(checkCommitSha, "checkCommitSha");
function checkCommitish(value, input) {
  if (typeof value !== "string" || !/^[0-9a-f]{7,40}$/.test(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a commit SHA (expected 7 to 40 lowercase hex characters)`
    );
  }
  return value;
}
__name(checkCommitish, "checkCommitish");
var DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
function checkEnvironment(name, input = "environment") {
  if (typeof name !== "string" || name.length > 63 || !DNS_LABEL_RE.test(name)) {
    throw new InputError(
      input,
      `'${String(name)}' is not a valid environment name`,
      "expected at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit"
    );
  }
  return name;
}
__name(checkEnvironment, "checkEnvironment");
function checkKubeName(name, input, opts = {}) {
  const ok = typeof name === "string" && (opts.label ? name.length <= 63 && DNS_LABEL_RE.test(name) : name.length <= 253 && name.split(".").every((part) => DNS_LABEL_RE.test(part)));
  if (!ok) {
    const what = opts.label ? "a DNS-1123 label (at most 63 of a-z, 0-9, -)" : "a DNS-1123 name (a-z, 0-9, -, .)";
    throw new InputError(input, `expected ${what}, got '${String(name)}'`);
  }
  return name;
}
__name(checkKubeName, "checkKubeName");
function checkNetworkName(name, input = "network") {
  if (typeof name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new InputError(input, `'${String(name)}' is not a network name (e.g. host)`);
  }
  return name;
}
__name(checkNetworkName, "checkNetworkName");

// gitops/rules/image-ref.ts
var ALNUM = "[a-z0-9]+";
var SEPARATOR = "(?:[._]|__|[-]+)";
var PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
var REPOSITORY_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
var DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
var HOST_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`
);
var TAG_RE = /^[\w][\w.-]{0,127}$/;
var DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
var ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
var MAX_NAME_LENGTH = 255;
function isDigest(value) {
  return DIGEST_RE.test(value);
}
__name(isDigest, "isDigest");
function isValidTag(value) {
  return TAG_RE.test(value);
}
__name(isValidTag, "isValidTag");
function checkTag(value, input) {
  if (typeof value !== "string" || !isValidTag(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a valid tag (1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-')`
    );
  }
  return value;
}
__name(checkTag, "checkTag");
function checkDigest(value, input) {
  if (typeof value !== "string" || !isDigest(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a digest (expected sha256:<64 lowercase hex>)`
    );
  }
  return value;
}
__name(checkDigest, "checkDigest");
function isValidRepository(value) {
  return REPOSITORY_RE.test(value);
}
__name(isValidRepository, "isValidRepository");
function looksLikeRegistry(component) {
  return component.includes(".") || component.includes(":") || component === "localhost";
}
__name(looksLikeRegistry, "looksLikeRegistry");
function parseImageRef(ref, input = "image") {
  const fail = /* @__PURE__ */ __name((why) => {
    throw new InputError(
      input,
      `'${ref}' is not a valid image reference: ${why}`,
      "expected [registry[:port]/]path/name[:tag][@sha256:<64 hex>]"
    );
  }, "fail");
  if (typeof ref !== "string" || ref.trim() === "") fail("it is empty");
  if (ref !== ref.trim() || /\s/.test(ref)) fail("it contains whitespace");
  let rest = ref;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!ANY_DIGEST_RE.test(digest)) fail(`digest '${digest}' is malformed`);
    if (!isDigest(digest))
      fail(`digest '${digest}' must be sha256: followed by 64 lowercase hex characters`);
  }
  let registry;
  const slash = rest.indexOf("/");
  if (slash >= 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
    if (!HOST_RE.test(registry)) fail(`registry host '${registry}' is not a valid host[:port]`);
  }
  let tag;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length > 128) fail(`tag is ${tag.length} characters long (at most 128)`);
    if (!isValidTag(tag))
      fail(`tag '${tag}' may only contain [A-Za-z0-9_.-] and must not start with '.' or '-'`);
  }
  const repository = rest;
  if (repository === "") fail("the repository name is empty");
  if (repository !== repository.toLowerCase()) fail(`repository '${repository}' must be lowercase`);
  if (!isValidRepository(repository)) {
    fail(
      `repository '${repository}' must be lowercase path components of [a-z0-9] joined by '.', '_', '__', '-' or '/'`
    );
  }
  const nameLength = (registry ? registry.length + 1 : 0) + repository.length;
  if (nameLength > MAX_NAME_LENGTH)
    fail(`the name is ${nameLength} characters long (at most ${MAX_NAME_LENGTH})`);
  const parsed = { repository };
  if (registry !== void 0) parsed.registry = registry;
  if (tag !== void 0) parsed.tag = tag;
  if (digest !== void 0) parsed.digest = digest;
  return parsed;
}
__name(parseImageRef, "parseImageRef");
function formatImageRef(ref) {
  let out = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  if (ref.tag) out += `:${ref.tag}`;
  if (ref.digest) out += `@${ref.digest}`;
  return out;
}
__name(formatImageRef, "formatImageRef");

// gitops/retry.ts
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
__name(sleep, "sleep");
function backoffDelay(attempt, opts = {}) {
  const base = opts.baseDelayMs ?? 100;
  const cap = opts.maxDelayMs ?? 2e3;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.floor(random() * ceiling));
}
__name(backoffDelay, "backoffDelay");
async function retry(fn, opts = {}) {
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? 5));
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= maxAttempts || opts.shouldRetry && !opts.shouldRetry(err, attempt))
        throw err;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(err, attempt, delay);
      await wait(delay);
    }
  }
}
__name(retry, "retry");

export {
  MAX_PUSH_ATTEMPTS,
  checkBranch,
  isCommitSha,
  checkCommitSha,
  checkCommitish,
  checkEnvironment,
  checkKubeName,
  checkNetworkName,
  isDigest,
  checkTag,
  checkDigest,
  parseImageRef,
  formatImageRef,
  sleep,
  backoffDelay,
  retry
};
