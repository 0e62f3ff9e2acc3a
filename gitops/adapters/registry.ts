import { createHash } from 'node:crypto';
import { GitopsError, InputError } from '../errors.js';
import type { ImageRef } from '../rules/image-ref.js';
import { formatImageRef, isDigest, parseImageRef } from '../rules/image-ref.js';
import { retry } from '../retry.js';

/** Registry credentials: basic (username/password), or a bearer token obtained elsewhere. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  token?: string;
}

/** How to reach the registry. */
export interface ResolveDigestOptions {
  auth?: RegistryAuth;
  /** Use plain HTTP even for a non-loopback registry. */
  insecure?: boolean;
  /** Retries after the first attempt for transient failures (connection errors, 429, 5xx). Default 3. */
  retries?: number;
  /** Base backoff delay in ms (jittered, doubling). Default 200. */
  retryDelayMs?: number;
  /** Per-request timeout in ms. Default 15000. */
  timeoutMs?: number;
}

/** The registry answered that the tag (or repository) does not exist. */
export class TagNotFoundError extends GitopsError {
  constructor(readonly image: string) {
    super(
      `image ${image} was not found in the registry`,
      'TAG_NOT_FOUND',
      'check the tag was pushed to this registry',
    );
  }
}

/** The registry refused our credentials (or needs some). */
export class RegistryAuthError extends GitopsError {
  constructor(
    readonly registry: string,
    detail: string,
  ) {
    super(
      `authentication to registry ${registry} failed: ${detail}`,
      'REGISTRY_AUTH',
      'check the registry username/password or token',
    );
  }
}

/** The registry could not be reached or answered something unexpected, after retries. */
export class RegistryError extends GitopsError {
  constructor(
    readonly registry: string,
    detail: string,
    readonly status?: number,
  ) {
    super(
      `registry ${registry}: ${detail}`,
      'REGISTRY_FAILED',
      'is the registry running and reachable?',
    );
  }
}

/** Media types we accept for a manifest: OCI index/manifest and Docker v2 list/manifest. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Where an image lives over the distribution API: base URL, repository path, and reference (tag or digest). */
export interface RegistryTarget {
  registry: string;
  baseUrl: string;
  repository: string;
  reference: string;
}

/** True for registries that speak plain HTTP by default: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : (registry.split(':')[0] ?? '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** Maps an image reference to its registry API target (Docker Hub names get registry-1.docker.io and library/). */
export function registryTarget(ref: ImageRef, insecure = false): RegistryTarget {
  let registry = ref.registry ?? 'docker.io';
  let repository = ref.repository;
  if (registry === 'docker.io' || registry === 'index.docker.io') {
    registry = 'registry-1.docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const scheme = insecure || isLoopbackRegistry(registry) ? 'http' : 'https';
  return {
    registry,
    baseUrl: `${scheme}://${registry}`,
    repository,
    reference: ref.digest ?? ref.tag ?? 'latest',
  };
}

/** Parses a `WWW-Authenticate` header into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/([\w-]+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    params[(p[1] as string).toLowerCase()] = p[2] ?? p[3] ?? '';
  }
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

class Transient extends Error {}

function basic(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}`;
}

function hasBasic(auth?: RegistryAuth): auth is RegistryAuth & { username: string } {
  return !!auth?.username && auth.password !== undefined;
}

async function send(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  target: RegistryTarget,
): Promise<Response> {
  try {
    return await fetch(url, {
      ...init,
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new Transient(`cannot reach ${target.baseUrl} (${detail})`);
  }
}

function transientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Fetches a bearer token from the challenge's realm (with basic credentials when given). */
async function fetchToken(
  challenge: Record<string, string>,
  target: RegistryTarget,
  auth: RegistryAuth | undefined,
  timeoutMs: number,
): Promise<string> {
  const realm = challenge.realm;
  if (!realm) throw new RegistryAuthError(target.registry, 'Bearer challenge without a realm');
  const url = new URL(realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', challenge.scope ?? `repository:${target.repository}:pull`);
  const headers: Record<string, string> = {};
  if (hasBasic(auth)) headers.authorization = basic(auth);
  const res = await send(url.toString(), { headers }, timeoutMs, target);
  if (transientStatus(res.status))
    throw new Transient(`token server ${url.host} answered ${res.status}`);
  if (res.status === 401 || res.status === 403) {
    throw new RegistryAuthError(
      target.registry,
      `token server ${url.host} refused the credentials (${res.status})`,
    );
  }
  if (!res.ok)
    throw new RegistryAuthError(target.registry, `token server ${url.host} answered ${res.status}`);
  const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token)
    throw new RegistryAuthError(target.registry, `token server ${url.host} returned no token`);
  return token;
}

/**
 * Resolves an image's tag to its content digest over the OCI distribution API (HEAD manifests with
 * Docker-Content-Digest; GET + sha256 when the header is missing). Anonymous, basic, bearer-token
 * (401 challenge -> realm) or a pre-supplied token; retries transient failures with jitter.
 */
export async function resolveDigest(
  image: string | ImageRef,
  opts: ResolveDigestOptions = {},
): Promise<string> {
  const ref = typeof image === 'string' ? parseImageRef(image, 'image') : image;
  const name = formatImageRef(ref);
  if (opts.retries !== undefined && (!Number.isInteger(opts.retries) || opts.retries < 0)) {
    throw new InputError('retries', `'${opts.retries}' must be a non-negative integer`);
  }
  const target = registryTarget(ref, opts.insecure);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const url = `${target.baseUrl}/v2/${target.repository}/manifests/${target.reference}`;
  let authorization: string | undefined = opts.auth?.token
    ? `Bearer ${opts.auth.token}`
    : hasBasic(opts.auth)
      ? basic(opts.auth)
      : undefined;

  // Missing tag, a status worth retrying, anything else unexpected: each its own error type.
  const failUnlessOk = (res: Response): void => {
    if (res.status === 404) throw new TagNotFoundError(name);
    if (transientStatus(res.status))
      throw new Transient(`${target.baseUrl} answered ${res.status}`);
    if (!res.ok)
      throw new RegistryError(
        target.registry,
        `unexpected status ${res.status} for ${name}`,
        res.status,
      );
  };

  const once = async (): Promise<string> => {
    let triedToken = false;
    for (;;) {
      const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
      if (authorization) headers.authorization = authorization;
      let res = await send(url, { method: 'HEAD', headers }, timeoutMs, target);
      if (res.status === 401) {
        const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
        if (challenge.scheme === 'bearer' && !triedToken && !opts.auth?.token) {
          triedToken = true;
          authorization = `Bearer ${await fetchToken(challenge.params, target, opts.auth, timeoutMs)}`;
          continue;
        }
        const sent = authorization
          ? 'the credentials were refused'
          : 'the registry requires credentials';
        throw new RegistryAuthError(target.registry, `${sent} (401 for ${target.repository})`);
      }
      if (res.status === 403)
        throw new RegistryAuthError(target.registry, `access to ${target.repository} denied (403)`);
      failUnlessOk(res);
      const header = res.headers.get('docker-content-digest');
      if (header && isDigest(header)) return header;
      // No (usable) digest header: the digest is the sha256 of the manifest bytes exactly as served.
      res = await send(url, { method: 'GET', headers }, timeoutMs, target);
      failUnlessOk(res);
      const body = Buffer.from(await res.arrayBuffer());
      return `sha256:${createHash('sha256').update(body).digest('hex')}`;
    }
  };

  try {
    return await retry(once, {
      maxAttempts: (opts.retries ?? 3) + 1,
      baseDelayMs: opts.retryDelayMs ?? 200,
      maxDelayMs: 5_000,
      shouldRetry: (err) => err instanceof Transient,
    });
  } catch (err) {
    if (err instanceof Transient) {
      throw new RegistryError(
        target.registry,
        `${err.message} while resolving ${name}, after ${(opts.retries ?? 3) + 1} attempt(s)`,
      );
    }
    throw err;
  }
}
