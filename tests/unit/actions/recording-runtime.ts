// An ActionRuntime that records what an action did (outputs, annotations, summary, failure) on plain data,
// so an action's input handling is tested without a runner or @actions/core.
import type { ActionRuntime, AnnotationPlace } from '../../../gitops/action/runtime.js';
import { recordInputSource } from '../../../gitops/action/inputs.js';

/** A recorded annotation. */
export interface RecordedAnnotation extends AnnotationPlace {
  level: 'error' | 'warning';
  message: string;
}

/** What the action did to the runner. */
export interface Recording {
  outputs: Record<string, string>;
  secrets: string[];
  annotations: RecordedAnnotation[];
  info: string[];
  summary: string;
  failed?: string;
  /** Every call in order, to check that masking came first. */
  calls: string[];
}

/** A runtime over the given inputs and environment, and the recording it fills. */
export function recordingRuntime(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): { rt: ActionRuntime; rec: Recording } {
  const rec: Recording = {
    outputs: {},
    secrets: [],
    annotations: [],
    info: [],
    summary: '',
    calls: [],
  };
  const source = recordInputSource(inputs);
  const rt: ActionRuntime = {
    input: (name) => {
      rec.calls.push(`input:${name}`);
      return source(name);
    },
    env,
    setSecret: (value) => {
      rec.calls.push('setSecret');
      rec.secrets.push(value);
    },
    setOutput: (name, value) => {
      rec.calls.push(`output:${name}`);
      rec.outputs[name] = value;
    },
    info: (line) => {
      rec.calls.push('info');
      rec.info.push(line);
    },
    warning: (message, place) => {
      rec.calls.push('warning');
      rec.annotations.push({ level: 'warning', message, ...place });
    },
    error: (message, place) => {
      rec.calls.push('error');
      rec.annotations.push({ level: 'error', message, ...place });
    },
    setFailed: (message) => {
      rec.calls.push('setFailed');
      rec.failed = message;
    },
    writeSummary: async (markdown) => {
      rec.calls.push('summary');
      rec.summary += markdown;
    },
  };
  return { rt, rec };
}
