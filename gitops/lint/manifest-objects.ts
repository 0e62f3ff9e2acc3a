// Parsed Kubernetes objects and the pure helpers the schema and policy checks share.
import { parseAllDocuments } from 'yaml';
import { GitopsError } from '../errors.js';

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * A step into an object: a map key, an array index, or the array element whose `name` is the
 * given value (containers are matched by name, so a rendered object maps back to its source
 * even when a patch reordered or added elements).
 */
export type PathSegment = string | number | { name: string };

/** Where in which object a check found something. */
export interface ObjectRef {
  kind: string;
  name: string;
  path: PathSegment[];
}

/** One broken policy rule on one object (the caller maps kind, name and path to a file and line). */
export interface PolicyViolation extends ObjectRef {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** The offending image reference, for the image rules (so the caller can point at the overlay's `images:` entry). */
  image?: string;
}

/** The kind and metadata.name of an object ('' when absent). */
export function objectId(obj: K8sObject): { kind: string; name: string; apiVersion: string } {
  return {
    kind: typeof obj.kind === 'string' ? obj.kind : '',
    name: typeof obj.metadata?.name === 'string' ? obj.metadata.name : '',
    apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : '',
  };
}

/** Parses a multi-document YAML stream (e.g. `kustomize build` output) into objects; YAML errors are thrown. */
export function parseManifestStream(text: string, source: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new GitopsError(
        `${source}: invalid YAML: ${doc.errors[0]?.message ?? 'parse error'}`,
        'LINT_BAD_YAML',
      );
    }
    const value: unknown = doc.toJS();
    if (value && typeof value === 'object' && !Array.isArray(value))
      objects.push(value as K8sObject);
  }
  return objects;
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kinds whose pod template runs long-lived containers, with the path to that pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Pod: ['spec'],
};

/** Kinds with pod templates that run to completion (no probes expected). */
const BATCH_POD_SPEC_PATHS: Record<string, string[]> = {
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** One container of an object's pod spec, with the path to it. */
export interface ContainerAt {
  container: Record<string, unknown>;
  podSpec: Record<string, unknown>;
  path: PathSegment[];
  longRunning: boolean;
  init: boolean;
}

/** Every container and init container in an object's pod template (none for kinds without one). */
export function containersOf(obj: K8sObject): ContainerAt[] {
  const { kind } = objectId(obj);
  const longRunning = kind in POD_SPEC_PATHS;
  const specPath = POD_SPEC_PATHS[kind] ?? BATCH_POD_SPEC_PATHS[kind];
  if (!specPath) return [];
  let node: unknown = obj;
  for (const key of specPath) node = isRecord(node) ? node[key] : undefined;
  if (!isRecord(node)) return [];
  const podSpec = node;
  const out: ContainerAt[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    const list = podSpec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c: unknown, i) => {
      if (!isRecord(c)) return;
      const seg: PathSegment = typeof c.name === 'string' ? { name: c.name } : i;
      out.push({
        container: c,
        podSpec,
        path: [...specPath, field, seg],
        longRunning,
        init: field === 'initContainers',
      });
    });
  }
  return out;
}

/** Turns a JSON pointer (ajv's instancePath) into path segments, naming array elements that have a name. */
export function pathFromPointer(obj: unknown, pointer: string): PathSegment[] {
  const out: PathSegment[] = [];
  let node: unknown = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      const el: unknown = node[Number(key)];
      out.push(isRecord(el) && typeof el.name === 'string' ? { name: el.name } : Number(key));
      node = el;
    } else {
      out.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return out;
}

/** An image reference split into repository, tag and digest (no validation: the policy judges it). */
export interface ImageParts {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry/repo:tag@digest`; a port in the registry is not mistaken for a tag. */
export function splitImage(image: string): ImageParts {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const nameTag = at >= 0 ? image.slice(0, at) : image;
  const slash = nameTag.lastIndexOf('/');
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? nameTag.slice(0, colon) : nameTag,
    ...(hasTag ? { tag: nameTag.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
