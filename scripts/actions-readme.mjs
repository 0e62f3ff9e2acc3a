// Keeps the input/output tables in actions/README.md in step with the actions' action.yml files.
// The tables sit between `<!-- action-table:NAME -->` and `<!-- /action-table:NAME -->` markers; the
// prose and usage snippets around them are hand-written.
// Usage: node scripts/actions-readme.mjs [--check]   (--check fails instead of rewriting)
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const actionsDir = join(root, 'actions');
export const readmePath = join(actionsDir, 'README.md');

/** Every action.yml, parsed, keyed by the action's directory name, in name order. */
export function loadActions(dir = actionsDir) {
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'action.yml')))
    .sort()
    .map((name) => ({ name, spec: parse(readFileSync(join(dir, name, 'action.yml'), 'utf8')) }));
}

const cell = (value) =>
  String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .trim();

/** The markdown tables of one action's inputs and outputs. */
export function renderTables(spec) {
  const lines = ['| Input | Required | Default | Description |', '| --- | --- | --- | --- |'];
  for (const [name, input] of Object.entries(spec.inputs ?? {})) {
    const dflt = input.default === undefined ? '' : `\`${cell(input.default)}\``;
    lines.push(
      `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${dflt} | ${cell(input.description)} |`,
    );
  }
  lines.push('', '| Output | Description |', '| --- | --- |');
  for (const [name, output] of Object.entries(spec.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${cell(output.description)} |`);
  }
  return lines.join('\n');
}

/** The README text with every marked table regenerated; throws when an action has no markers. */
export function updateReadme(text, actions = loadActions()) {
  let out = text;
  for (const { name, spec } of actions) {
    const start = `<!-- action-table:${name} -->`;
    const end = `<!-- /action-table:${name} -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i < 0 || j < i)
      throw new Error(`actions/README.md has no ${start} ... ${end} block for ${name}`);
    out = `${out.slice(0, i + start.length)}\n${renderTables(spec)}\n${out.slice(j)}`;
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const current = readFileSync(readmePath, 'utf8');
  const next = updateReadme(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error(
        'actions/README.md is out of date with action.yml: run node scripts/actions-readme.mjs',
      );
      process.exit(1);
    }
    console.log('actions/README.md matches every action.yml');
  } else if (next !== current) {
    writeFileSync(readmePath, next);
    console.log('actions/README.md updated');
  } else console.log('actions/README.md already up to date');
}
