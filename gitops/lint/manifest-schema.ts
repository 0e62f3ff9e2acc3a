// Validates rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models) and the
// Argo CD CRD schemas (@kubernetes-models/argo-cd), offline. Kinds neither package knows (e.g.
// GKE's BackendConfig) are reported as skipped, never as valid.
import * as argoModels from '@kubernetes-models/argo-cd';
import * as k8sModels from 'kubernetes-models';
import type { K8sObject, ObjectRef } from './manifest-objects.js';
import { objectId, pathFromPointer } from './manifest-objects.js';

/** A schema error on one object, with the path ajv reported. */
export interface SchemaViolation extends ObjectRef {
  rule: string;
  severity: 'error';
  message: string;
}

/** An object whose kind has no schema here. */
export interface SkippedObject {
  apiVersion: string;
  kind: string;
  name: string;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
  apiVersion: string;
  kind: string;
}

let registry: Map<string, ModelClass> | undefined;

function isModelClass(value: unknown): value is ModelClass {
  return (
    typeof value === 'function' &&
    typeof (value as { apiVersion?: unknown }).apiVersion === 'string' &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { prototype?: { validate?: unknown } }).prototype?.validate === 'function'
  );
}

// The packages export namespaces group -> version -> classes; every class carries its
// apiVersion and kind, so the map is built from the classes themselves instead of from names.
function collect(ns: unknown, into: Map<string, ModelClass>, depth: number): void {
  if (depth > 3 || typeof ns !== 'object' || ns === null) return;
  for (const value of Object.values(ns)) {
    if (isModelClass(value)) {
      if (!value.kind.endsWith('List')) into.set(`${value.apiVersion}/${value.kind}`, value);
    } else if (typeof value === 'object') {
      collect(value, into, depth + 1);
    }
  }
}

/** The apiVersion/kind -> model class map (built once). */
export function schemaRegistry(): Map<string, ModelClass> {
  if (!registry) {
    registry = new Map();
    collect(k8sModels, registry, 0);
    collect(argoModels, registry, 0);
  }
  return registry;
}

/** True when a schema exists for this apiVersion and kind. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return schemaRegistry().has(`${apiVersion}/${kind}`);
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Validates each object against its schema; returns the violations and the objects without a schema. */
export function validateObjects(objects: K8sObject[]): {
  violations: SchemaViolation[];
  skipped: SkippedObject[];
} {
  const violations: SchemaViolation[] = [];
  const skipped: SkippedObject[] = [];
  for (const obj of objects) {
    const { apiVersion, kind, name } = objectId(obj);
    if (!apiVersion || !kind) {
      violations.push({
        kind: kind || '?',
        name: name || '?',
        path: [],
        rule: 'schema/type-meta',
        severity: 'error',
        message: `object ${name || '(unnamed)'} has no ${apiVersion ? 'kind' : 'apiVersion'}`,
      });
      continue;
    }
    const Model = schemaRegistry().get(`${apiVersion}/${kind}`);
    if (!Model) {
      skipped.push({ apiVersion, kind, name });
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (err) {
      const errors = (err as { errors?: AjvError[] }).errors;
      if (!Array.isArray(errors)) throw err;
      for (const e of errors) {
        const pointer = e.instancePath ?? '';
        const extra =
          e.params && typeof e.params.additionalProperty === 'string'
            ? ` (${e.params.additionalProperty})`
            : '';
        violations.push({
          kind,
          name,
          path: pathFromPointer(obj, pointer),
          rule: 'schema/invalid',
          severity: 'error',
          message: `${apiVersion} ${kind}/${name}: ${pointer || '/'} ${e.message ?? 'is invalid'}${extra}`,
        });
      }
    }
  }
  return { violations, skipped };
}
