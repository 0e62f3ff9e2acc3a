// GitHub's rules for which workflows an event starts: the `on:` triggers with their filters (branches,
// branches-ignore, tags, paths, paths-ignore, types, workflows), in GitHub's filter-pattern glob dialect.
// act applies none of them, so the workflow tests decide with these which workflows each event starts,
// and tests/workflows/on-filters.test.ts checks the committed workflows against them.
// Written by hand: no maintained library implements GitHub's dialect (`?`/`+` quantify the preceding
// character, `!` re-includes/excludes in order, `**/` may match no directory).
// Sources: docs.github.com "Workflow syntax" (on.<event>.<filter>) and "Filter pattern cheat sheet".

/** What an event carries that the filters look at. */
export interface TriggerEvent {
  /** push, pull_request, workflow_run, workflow_dispatch, merge_group, ... */
  name: string;
  /** push: the pushed ref (refs/heads/x, refs/tags/x). */
  ref?: string;
  /** push: the branch was deleted (no workflow runs for it). */
  deleted?: boolean;
  /** push and pull_request: the files the push (before..after) or the pull request changed. */
  changedFiles?: string[];
  /** The activity type: pull_request 'opened', workflow_run 'completed', ... */
  action?: string;
  /** pull_request: the base branch. */
  baseRef?: string;
  /** workflow_run: the name of the workflow that ran, and the branch it ran on. */
  workflowName?: string;
  headBranch?: string;
}

/** Whether a workflow runs for an event, and why (for the flows' logs and test messages). */
export interface TriggerDecision {
  runs: boolean;
  reason: string;
}

const DEFAULT_TYPES: Record<string, string[]> = {
  pull_request: ['opened', 'synchronize', 'reopened'],
  pull_request_target: ['opened', 'synchronize', 'reopened'],
  merge_group: ['checks_requested'],
};

/** A GitHub filter pattern as an anchored RegExp. */
export function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegExp(pattern[(i += 1)] as string);
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        i += 1;
        // `**/` matches zero or more directories; a bare `**` any run of characters.
        if (pattern[i + 1] === '/') {
          i += 1;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?' || c === '+') {
      // Zero-or-one / one-or-more of the preceding character (already in `re`).
      re += c;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`unterminated [ in filter pattern '${pattern}'`);
      const body = pattern.slice(i + 1, end);
      if (!/^(?:[a-zA-Z0-9](?:-[a-zA-Z0-9])?)+$/.test(body)) {
        throw new Error(`[${body}] in '${pattern}': brackets hold only a-z, A-Z, 0-9 and ranges`);
      }
      re += `[${body}]`;
      i = end;
    } else {
      re += escapeRegExp(c);
    }
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Whether `value` is selected by an ordered pattern list: the last pattern that matches decides, a
 * `!pattern` excluding and any other including (so `!` only takes back what came before it).
 */
export function selectedBy(patterns: string[], value: string): boolean {
  let selected = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (patternToRegExp(pattern).test(value)) selected = !negated;
  }
  return selected;
}

type FilterMap = Record<string, unknown>;

function list(value: unknown, key: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((v) => typeof v === 'string' || typeof v === 'number')) {
    throw new Error(`on.<event>.${key} must be a string or a list of strings`);
  }
  return items.map(String);
}

/** The `on:` of a workflow as event name -> its filters (`{}` for an event without filters). */
export function triggersOf(on: unknown): Map<string, FilterMap> {
  const out = new Map<string, FilterMap>();
  if (typeof on === 'string') out.set(on, {});
  else if (Array.isArray(on)) for (const e of on) out.set(String(e), {});
  else if (on && typeof on === 'object') {
    for (const [event, filters] of Object.entries(on)) {
      out.set(event, filters && typeof filters === 'object' ? (filters as FilterMap) : {});
    }
  } else throw new Error('a workflow needs an `on:` (string, list or map)');
  return out;
}

function checkExclusive(f: FilterMap, a: string, b: string, event: string): void {
  if (f[a] !== undefined && f[b] !== undefined) {
    throw new Error(`on.${event}: ${a} and ${b} cannot both be used (GitHub rejects the workflow)`);
  }
}

// Branch and tag filters of a push: with only tag filters a branch push does not run, and vice versa.
function refFilter(f: FilterMap, event: TriggerEvent): TriggerDecision | undefined {
  checkExclusive(f, 'branches', 'branches-ignore', event.name);
  checkExclusive(f, 'tags', 'tags-ignore', event.name);
  const ref = event.ref ?? '';
  const isTag = ref.startsWith('refs/tags/');
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  const [include, exclude] = isTag ? ['tags', 'tags-ignore'] : ['branches', 'branches-ignore'];
  const [otherInclude, otherExclude] = isTag
    ? ['branches', 'branches-ignore']
    : ['tags', 'tags-ignore'];
  const inc = list(f[include], include);
  const exc = list(f[exclude], exclude);
  if (!inc && !exc) {
    if (f[otherInclude] !== undefined || f[otherExclude] !== undefined) {
      return { runs: false, reason: `only ${otherInclude} filters, and ${ref} is not one` };
    }
    return undefined;
  }
  if (inc && !selectedBy(inc, name)) return { runs: false, reason: `${name} not in ${include}` };
  if (exc && selectedBy(exc, name)) return { runs: false, reason: `${name} in ${exclude}` };
  return undefined;
}

function pathFilter(f: FilterMap, event: TriggerEvent): TriggerDecision | undefined {
  checkExclusive(f, 'paths', 'paths-ignore', event.name);
  const paths = list(f.paths, 'paths');
  const ignore = list(f['paths-ignore'], 'paths-ignore');
  if (!paths && !ignore) return undefined;
  const files = event.changedFiles;
  if (files === undefined) throw new Error(`on.${event.name} has path filters: pass changedFiles`);
  if (paths) {
    const hit = files.find((file) => selectedBy(paths, file));
    return hit ? undefined : { runs: false, reason: `no changed file matches paths` };
  }
  if (ignore && files.length > 0 && files.every((file) => selectedBy(ignore, file))) {
    return { runs: false, reason: `every changed file matches paths-ignore` };
  }
  return undefined;
}

function typeFilter(f: FilterMap, event: TriggerEvent): TriggerDecision | undefined {
  const types = list(f.types, 'types') ?? DEFAULT_TYPES[event.name];
  if (!types || event.action === undefined) return undefined;
  return types.includes(event.action)
    ? undefined
    : { runs: false, reason: `activity type ${event.action} not in types (${types.join(', ')})` };
}

/** Decides, by GitHub's rules, whether a workflow whose `on:` is given runs for `event`. */
export function decideTrigger(on: unknown, event: TriggerEvent): TriggerDecision {
  const triggers = triggersOf(on);
  const f = triggers.get(event.name);
  if (!f) return { runs: false, reason: `no ${event.name} trigger` };
  let no: TriggerDecision | undefined;
  switch (event.name) {
    case 'push':
      if (event.deleted) return { runs: false, reason: 'a deleted branch runs no push workflow' };
      no = refFilter(f, event) ?? pathFilter(f, event);
      break;
    case 'pull_request':
    case 'pull_request_target': {
      no = typeFilter(f, event);
      checkExclusive(f, 'branches', 'branches-ignore', event.name);
      const base = event.baseRef ?? '';
      const inc = list(f.branches, 'branches');
      const exc = list(f['branches-ignore'], 'branches-ignore');
      if (!no && inc && !selectedBy(inc, base))
        no = { runs: false, reason: `base ${base} not in branches` };
      if (!no && exc && selectedBy(exc, base))
        no = { runs: false, reason: `base ${base} in branches-ignore` };
      no ??= pathFilter(f, event);
      break;
    }
    case 'workflow_run': {
      const names = list(f.workflows, 'workflows');
      if (!names) throw new Error('on.workflow_run needs workflows');
      if (!names.includes(event.workflowName ?? ''))
        no = { runs: false, reason: `${event.workflowName} not in workflows` };
      no ??= typeFilter(f, event);
      checkExclusive(f, 'branches', 'branches-ignore', event.name);
      const head = event.headBranch ?? '';
      const inc = list(f.branches, 'branches');
      const exc = list(f['branches-ignore'], 'branches-ignore');
      if (!no && inc && !selectedBy(inc, head))
        no = { runs: false, reason: `${head} not in branches` };
      if (!no && exc && selectedBy(exc, head))
        no = { runs: false, reason: `${head} in branches-ignore` };
      break;
    }
    default:
      no = typeFilter(f, event);
  }
  return no ?? { runs: true, reason: `on.${event.name} matches` };
}
