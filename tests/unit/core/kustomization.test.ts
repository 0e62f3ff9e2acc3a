import { parse } from 'yaml';
import { InputError } from '../../../gitops/errors.js';
import {
  listImages,
  readImage,
  readsAsString,
  setImage,
} from '../../../gitops/rules/kustomization.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const SHA = '1234567890123456789012345678901234567e90';

const OVERLAY = `# minikube overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../deploy   # the base
images:
  # the workload
  - name: score-api # pinned by CI
    newName: "127.0.0.1:5000/score-api"  # quoted on purpose
    newTag: bootstrap
  - {name: sidecar, newTag: v1}
labels:
  - pairs: {env: minikube}
`;

function expectInputError(fn: () => unknown, file: string, why: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect((caught as InputError).input).toBe(file);
  expect((caught as Error).message).toMatch(why);
}

/** Lines of `after` that are not in `before` (and vice versa), to prove only the entry's lines changed. */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

describe('setImage on an existing entry', () => {
  it('replaces only the values and keeps comments, quoting, order and every other byte', () => {
    const res = setImage(OVERLAY, {
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: SHA,
      digest: D1,
    });
    expect(res.changed).toBe(true);
    expect(res.previous).toEqual({
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: 'bootstrap',
    });
    expect(lineDiff(OVERLAY, res.text)).toEqual({
      removed: ['    newTag: bootstrap'],
      // A SHA that YAML would read as a number is quoted so kustomize sees a string.
      added: [`    newTag: "${SHA}"`, `    digest: ${D1}`],
    });
    expect(res.text.startsWith(OVERLAY.slice(0, OVERLAY.indexOf('    newTag')))).toBe(true);
    expect(res.text.endsWith(OVERLAY.slice(OVERLAY.indexOf('  - {name: sidecar')))).toBe(true);
    expect(readImage(res.text, 'score-api')).toEqual({
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: SHA,
      digest: D1,
    });
  });

  it('is idempotent: setting what is there returns the identical text and changed:false', () => {
    const once = setImage(OVERLAY, {
      name: 'score-api',
      newName: 'reg.io/x',
      newTag: 'v2',
      digest: D1,
    });
    const twice = setImage(once.text, {
      name: 'score-api',
      newName: 'reg.io/x',
      newTag: 'v2',
      digest: D1,
    });
    expect(twice.changed).toBe(false);
    expect(twice.text).toBe(once.text);
    const same = setImage(OVERLAY, {
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: 'bootstrap',
    });
    expect(same).toEqual({
      text: OVERLAY,
      changed: false,
      previous: readImage(OVERLAY, 'score-api'),
    });
  });

  it('keeps the double quotes of a quoted value it replaces', () => {
    const res = setImage(OVERLAY, {
      name: 'score-api',
      newName: 'ghcr.io/org/score-api',
      newTag: 'bootstrap',
    });
    expect(res.text).toContain('    newName: "ghcr.io/org/score-api"  # quoted on purpose\n');
  });

  it('follows kustomize: the entry gets exactly the given fields, so a tag-only set drops the digest', () => {
    const pinned = setImage(OVERLAY, { name: 'score-api', newTag: 'v1', digest: D1 }).text;
    const res = setImage(pinned, { name: 'score-api', newTag: 'v2' });
    expect(readImage(res.text, 'score-api')).toEqual({ name: 'score-api', newTag: 'v2' });
    expect(res.text).not.toContain('digest:');
    expect(res.text).not.toContain('newName:');
    expect(res.text).toContain(
      '  - name: score-api # pinned by CI\n    newTag: v2\n  - {name: sidecar',
    );
  });

  it("keeps a field given as '*' (kustomize's preserve marker)", () => {
    const res = setImage(OVERLAY, { name: 'score-api', newName: '*', newTag: 'v9', digest: D2 });
    expect(readImage(res.text, 'score-api')).toEqual({
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: 'v9',
      digest: D2,
    });
  });

  it('edits a flow-style entry in place', () => {
    const res = setImage(OVERLAY, { name: 'sidecar', newTag: 'v2', digest: D2 });
    expect(lineDiff(OVERLAY, res.text)).toEqual({
      removed: ['  - {name: sidecar, newTag: v1}'],
      added: [`  - {name: sidecar, newTag: v2, digest: ${D2}}`],
    });
  });

  it('removes a first key that shares the dash line without breaking the entry', () => {
    const text = 'images:\n- digest: ' + D1 + '\n  name: app\n  newTag: v1\n';
    const res = setImage(text, { name: 'app', newTag: 'v2' });
    expect(res.text).toBe('images:\n- name: app\n  newTag: v2\n');
  });

  it('reads a numeric-looking plain tag as the string meant, and setImage rewrites it quoted', () => {
    const text = 'images:\n- name: a # keep\n  newTag: 1.10 # release\n';
    expect(readImage(text, 'a')).toEqual({ name: 'a', newTag: '1.10' });
    // kustomize refuses `newTag: 1.10` (a number): setting the same value repairs the quoting only.
    const res = setImage(text, { name: 'a', newTag: '1.10' });
    expect(res.changed).toBe(true);
    expect(res.text).toBe('images:\n- name: a # keep\n  newTag: "1.10" # release\n');
    expect(setImage(res.text, { name: 'a', newTag: '1.10' })).toMatchObject({
      changed: false,
      text: res.text,
    });
  });
});

// Tags a git short SHA or a release can take that YAML 1.2 or YAML 1.1 (what `kustomize build` loads
// kustomization.yaml with) would read as a number, boolean, null or date if written plain.
const NON_STRING_TAGS = [
  '1234567',
  '0123',
  '1e10000',
  '123e4567',
  '1e5',
  '1.10',
  '00',
  '0777',
  '0x1F',
  '0o17',
  '0b101',
  '1_000',
  'yes',
  'y',
  'on',
  'off',
  'No',
  'true',
  'null',
  'NULL',
  '2001-12-14',
];

describe('numeric-looking values are always written as strings that round-trip', () => {
  it.each(NON_STRING_TAGS)('newTag %s is double-quoted, read back as the same string', (tag) => {
    expect(readsAsString(tag)).toBe(false);
    const res = setImage(OVERLAY, { name: 'score-api', newName: '*', newTag: tag, digest: D1 });
    expect(lineDiff(OVERLAY, res.text)).toEqual({
      removed: ['    newTag: bootstrap'],
      added: [`    newTag: "${tag}"`, `    digest: ${D1}`],
    });
    expect(readImage(res.text, 'score-api')?.newTag).toBe(tag);
    // What a YAML 1.1 and a YAML 1.2 reader (kustomize, Argo CD, kyaml) see is the string too.
    for (const version of ['1.1', '1.2'] as const) {
      const doc = parse(res.text, { version }) as { images: { newTag: unknown }[] };
      expect(doc.images[0]?.newTag).toBe(tag);
    }
  });

  it('leaves ordinary tags plain (40-hex SHAs with letters, v1.2.3, bootstrap)', () => {
    for (const tag of ['1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', 'v1.2.3', 'bootstrap', 'NaN']) {
      expect(readsAsString(tag)).toBe(true);
      expect(setImage(OVERLAY, { name: 'score-api', newName: '*', newTag: tag }).text).toContain(
        `    newTag: ${tag}\n`,
      );
    }
  });

  it('quotes a numeric newName and keeps digests and registry names plain', () => {
    const res = setImage('images:\n  - name: a\n', { name: 'a', newName: '1234567', digest: D1 });
    expect(res.text).toBe(`images:\n  - name: a\n    newName: "1234567"\n    digest: ${D1}\n`);
    const ref = setImage('images:\n  - name: a\n', { name: 'a', newName: '127.0.0.1:5000/a' });
    expect(ref.text).toContain('    newName: 127.0.0.1:5000/a\n');
    expect(readImage(res.text, 'a')).toEqual({ name: 'a', newName: '1234567', digest: D1 });
  });

  it('quotes in flow entries and in new entries and lists as well', () => {
    const flow = setImage('images: [{name: a, newTag: v1}]\n', { name: 'a', newTag: '0123' });
    expect(flow.text).toBe('images: [{name: a, newTag: "0123"}]\n');
    const added = setImage(OVERLAY, { name: 'b', newTag: '1e10000' });
    expect(added.text).toContain('  - name: b\n    newTag: "1e10000"\n');
    const created = setImage('resources: []\n', { name: 'b', newTag: 'yes' });
    expect(created.text).toBe('resources: []\nimages:\n- name: b\n  newTag: "yes"\n');
  });

  it('repairs only the unquoted value, keeping comments and every other byte', () => {
    const text = OVERLAY.replace('newTag: bootstrap', 'newTag: 1234567 # short sha');
    expect(readImage(text, 'score-api')?.newTag).toBe('1234567');
    const res = setImage(text, {
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: '1234567',
    });
    expect(res.changed).toBe(true);
    expect(res.text).toBe(text.replace('newTag: 1234567 #', 'newTag: "1234567" #'));
    // A value already quoted (either style) is a string: nothing to do.
    const single = text.replace('1234567', "'1234567'");
    expect(setImage(single, { name: 'score-api', newName: '*', newTag: '1234567' }).changed).toBe(
      false,
    );
  });
});

describe('setImage adding entries', () => {
  it('appends a new entry at the list indentation after the last one', () => {
    const res = setImage(OVERLAY, {
      name: 'worker',
      newName: 'reg.io/worker',
      newTag: 'v1',
      digest: D1,
    });
    expect(res.previous).toBeUndefined();
    expect(lineDiff(OVERLAY, res.text).removed).toEqual([]);
    expect(res.text).toContain(
      `  - {name: sidecar, newTag: v1}\n  - name: worker\n    newName: reg.io/worker\n    newTag: v1\n    digest: ${D1}\nlabels:`,
    );
    expect(listImages(res.text).map((i) => i.name)).toEqual(['score-api', 'sidecar', 'worker']);
  });

  it('creates images: when absent, matching the indentation of the file lists', () => {
    const text = 'resources:\n  - ../../deploy\n';
    const res = setImage(text, { name: 'app', newTag: 'v1' });
    expect(res.text).toBe('resources:\n  - ../../deploy\nimages:\n  - name: app\n    newTag: v1\n');
    const noIndent = setImage('resources:\n- a', { name: 'app', newTag: 'v1' });
    expect(noIndent.text).toBe('resources:\n- a\nimages:\n- name: app\n  newTag: v1\n');
  });

  it('fills an empty images: or images: [] in place', () => {
    expect(setImage('images:\nkind: Kustomization\n', { name: 'a', newTag: 'v1' }).text).toBe(
      'images:\n- name: a\n  newTag: v1\nkind: Kustomization\n',
    );
    expect(setImage('images: [] # none yet\n', { name: 'a', newTag: 'v1' }).text).toBe(
      'images:\n- name: a\n  newTag: v1 # none yet\n',
    );
  });

  it('turns an empty file into a kustomization with images', () => {
    expect(setImage('', { name: 'a', newTag: 'v1' }).text).toBe(
      'images:\n- name: a\n  newTag: v1\n',
    );
  });

  it('every result parses as YAML with the wanted entry', () => {
    for (const text of [OVERLAY, 'images: []\n', '', 'a: 1']) {
      const out = setImage(text, { name: 'x', newName: 'r.io/x', newTag: 'v', digest: D1 }).text;
      const doc = parse(out) as { images: unknown[] };
      expect(doc.images).toContainEqual({ name: 'x', newName: 'r.io/x', newTag: 'v', digest: D1 });
    }
  });
});

describe('malformed input', () => {
  const file = 'overlays/minikube/kustomization.yaml';
  it.each([
    ['a: [1, 2', /not valid YAML/],
    ['a: 1\n---\nb: 2\n', /not valid YAML/],
    ['- a\n- b\n', /must be a YAML mapping/],
    ['just text\n', /must be a YAML mapping/],
    ['images: nginx\n', /'images' must be a list/],
    ['images: {a: 1}\n', /'images' must be a list/],
    ['images:\n- nginx\n', /images\[0\] must be a mapping/],
    ['images:\n- newTag: v1\n', /images\[0\] has no 'name'/],
    ['images:\n- name: a\n- name: a\n', /lists image 'a' 2 times/],
  ])('%j -> InputError naming the file', (text, why) => {
    expectInputError(() => setImage(text, { name: 'a', newTag: 'v1' }, file), file, why);
  });

  it('rejects bad values before reading the file', () => {
    expectInputError(
      () => setImage(OVERLAY, { name: 'a', newTag: 'bad tag' }),
      'image.newTag',
      /not a valid tag/,
    );
    expectInputError(
      () => setImage(OVERLAY, { name: 'a', digest: 'sha256:xyz' }),
      'image.digest',
      /not a digest/,
    );
    expectInputError(
      () => setImage(OVERLAY, { name: 'a', newName: 'Reg/App' }),
      'image.newName',
      /lowercase/,
    );
    expectInputError(
      () => setImage(OVERLAY, { name: 'a', newName: 'r.io/a:v1' }),
      'image.newName',
      /without tag/,
    );
    expectInputError(() => setImage(OVERLAY, { name: '' }), 'image.name', /non-empty/);
  });
});
