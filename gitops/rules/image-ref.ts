import { InputError } from '../errors.js';

/** An image reference split per the OCI distribution grammar; `registry` is absent for Docker Hub short names. */
export interface ImageRef {
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

// The grammar of distribution/reference (the one Docker, containerd and registries share).
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const REPOSITORY_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_NAME_LENGTH = 255;

/** True for a sha256 content digest: `sha256:` followed by 64 lowercase hex characters. */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** True when `value` is a valid tag: word character first, then up to 127 of [A-Za-z0-9_.-]. */
export function isValidTag(value: string): boolean {
  return TAG_RE.test(value);
}

/** `value` when it is a valid tag; InputError naming `input` otherwise (the one message for a bad tag). */
export function checkTag(value: string, input: string): string {
  if (typeof value !== 'string' || !isValidTag(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a valid tag (1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-')`,
    );
  }
  return value;
}

/** `value` when it is a sha256 digest; InputError naming `input` otherwise. */
export function checkDigest(value: string, input: string): string {
  if (typeof value !== 'string' || !isDigest(value)) {
    throw new InputError(
      input,
      `'${String(value)}' is not a digest (expected sha256:<64 lowercase hex>)`,
    );
  }
  return value;
}

/** True when `value` is a valid repository path (lowercase components separated by '/'), without a registry. */
export function isValidRepository(value: string): boolean {
  return REPOSITORY_RE.test(value);
}

/** True when the first path component names a registry host: it has a '.' or ':' or is `localhost`. */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Parses `registry[:port]/path/name[:tag][@sha256:digest]`; InputError naming `input` when it is not valid. */
export function parseImageRef(ref: string, input = 'image'): ImageRef {
  const fail = (why: string): never => {
    throw new InputError(
      input,
      `'${ref}' is not a valid image reference: ${why}`,
      'expected [registry[:port]/]path/name[:tag][@sha256:<64 hex>]',
    );
  };
  if (typeof ref !== 'string' || ref.trim() === '') fail('it is empty');
  if (ref !== ref.trim() || /\s/.test(ref)) fail('it contains whitespace');

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!ANY_DIGEST_RE.test(digest)) fail(`digest '${digest}' is malformed`);
    if (!isDigest(digest))
      fail(`digest '${digest}' must be sha256: followed by 64 lowercase hex characters`);
  }

  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash >= 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
    if (!HOST_RE.test(registry)) fail(`registry host '${registry}' is not a valid host[:port]`);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length > 128) fail(`tag is ${tag.length} characters long (at most 128)`);
    if (!isValidTag(tag))
      fail(`tag '${tag}' may only contain [A-Za-z0-9_.-] and must not start with '.' or '-'`);
  }

  const repository = rest;
  if (repository === '') fail('the repository name is empty');
  if (repository !== repository.toLowerCase()) fail(`repository '${repository}' must be lowercase`);
  if (!isValidRepository(repository)) {
    fail(
      `repository '${repository}' must be lowercase path components of [a-z0-9] joined by '.', '_', '__', '-' or '/'`,
    );
  }
  const nameLength = (registry ? registry.length + 1 : 0) + repository.length;
  if (nameLength > MAX_NAME_LENGTH)
    fail(`the name is ${nameLength} characters long (at most ${MAX_NAME_LENGTH})`);

  const parsed: ImageRef = { repository };
  if (registry !== undefined) parsed.registry = registry;
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

/** Formats an ImageRef as `registry/repository[:tag][@digest]` (the inverse of parseImageRef). */
export function formatImageRef(ref: ImageRef): string {
  let out = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  if (ref.tag) out += `:${ref.tag}`;
  if (ref.digest) out += `@${ref.digest}`;
  return out;
}
