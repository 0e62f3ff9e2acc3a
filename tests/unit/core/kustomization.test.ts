import { parse } from 'yaml';
import { InputError } from '../../../actions/src/errors.js';
import { listImages, readImage, setImage } from '../../../actions/src/kustomization.js';

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

  it('reads a numeric-looking plain tag as the string kustomize sees', () => {
    expect(readImage('images:\n- name: a\n  newTag: 1.10\n', 'a')).toEqual({
      name: 'a',
      newTag: '1.10',
    });
    expect(
      setImage('images:\n- name: a\n  newTag: 1.10\n', { name: 'a', newTag: '1.10' }).changed,
    ).toBe(false);
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
