// setImage against the cases of `kustomize edit set image` that a splice editor can get wrong: anchors and
// aliases, tagSuffix, an override that sets nothing, CRLF files. Every edit that is made is rendered by the
// real Kustomize (kubectl kustomize) to show Kustomize loads it and renders the image asked for.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../gitops/errors.js';
import { setImage } from '../../../gitops/rules/kustomization.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: api, image: score-api:base}
        - {name: side, image: sidecar:base}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kustomization-edits-'));
  writeFileSync(join(dir, 'deployment.yaml'), DEPLOYMENT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The images `kubectl kustomize` renders for a kustomization text (container name -> image). */
function render(kustomization: string): Record<string, string> {
  writeFileSync(join(dir, 'kustomization.yaml'), kustomization);
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return Object.fromEntries(
    [...out.matchAll(/image: (\S+)\n\s+name: (\S+)/g)].map((m) => [m[2], m[1]]),
  );
}

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

const HEAD = 'resources:\n  - deployment.yaml\n';

describe('anchors and aliases', () => {
  const shared = `${HEAD}images:\n  - name: score-api\n    newTag: &t v1\n  - name: sidecar\n    newTag: *t\n`;

  it('the fixture renders: the alias gives sidecar the anchored tag', () => {
    expect(render(shared)).toEqual({ api: 'score-api:v1', side: 'sidecar:v1' });
  });

  it('refuses to change an anchored value an alias uses, naming the field', () => {
    const err = refusal(() => setImage(shared, { name: 'score-api', newTag: 'v2' }));
    expect(err.message).toMatch(/images\[0\]\.newTag carries anchor &t, which an alias uses/);
  });

  it('refuses to remove an anchored field (the alias would dangle)', () => {
    const err = refusal(() => setImage(shared, { name: 'score-api', digest: D1 }));
    expect(err.message).toMatch(/images\[0\]\.newTag carries anchor &t/);
  });

  it('replaces an alias with the value of this entry only', () => {
    const edit = setImage(shared, { name: 'sidecar', newTag: 'v9' });
    expect(edit.text).toContain('newTag: &t v1');
    expect(render(edit.text)).toEqual({ api: 'score-api:v1', side: 'sidecar:v9' });
  });

  it('changes an anchored value no alias uses', () => {
    const text = `${HEAD}images:\n  - name: score-api\n    newTag: &lonely v1\n`;
    expect(render(setImage(text, { name: 'score-api', newTag: 'v2' }).text)).toMatchObject({
      api: 'score-api:v2',
    });
  });

  it('refuses an entry that is an alias, is aliased, or merges another', () => {
    const aliasEntry = `${HEAD}x: &e {name: score-api, newTag: v1}\nimages:\n  - *e\n`;
    expect(
      refusal(() => setImage(aliasEntry, { name: 'score-api', newTag: 'v2' })).message,
    ).toMatch(/images\[0\] is an alias \(\*e\)/);
    const merged = `${HEAD}images:\n  - &b {name: sidecar, newTag: v1}\n  - <<: *b\n    name: score-api\n`;
    expect(refusal(() => setImage(merged, { name: 'sidecar', newTag: 'v2' })).message).toMatch(
      /images\[0\] carries anchor &b/,
    );
    expect(refusal(() => setImage(merged, { name: 'score-api', newTag: 'v2' })).message).toMatch(
      /images\[1\] merges another mapping/,
    );
  });
});

describe('what kustomize edit set image does with the entry', () => {
  it('replaces the whole entry: tagSuffix goes', () => {
    const text = `${HEAD}images:\n  - name: score-api\n    tagSuffix: -debug\n    newTag: v1\n`;
    const edit = setImage(text, { name: 'score-api', newTag: 'v2', digest: D2 });
    expect(edit.text).not.toContain('tagSuffix');
    expect(render(edit.text)).toMatchObject({ api: `score-api:v2@${D2}` });
  });

  it('drops tagSuffix even when the fields it sets are unchanged', () => {
    const text = `${HEAD}images:\n  - tagSuffix: -debug\n    name: score-api\n    newTag: v1\n`;
    const edit = setImage(text, { name: 'score-api', newTag: 'v1' });
    expect(edit.changed).toBe(true);
    expect(render(edit.text)).toMatchObject({ api: 'score-api:v1' });
  });

  it('refuses an override that sets nothing, before anything is written', () => {
    const text = `${HEAD}images:\n  - name: score-api\n    newTag: v1\n`;
    expect(refusal(() => setImage(text, { name: 'score-api' })).message).toMatch(
      /sets no newName, newTag or digest/,
    );
    expect(refusal(() => setImage(`${HEAD}`, { name: 'new-image' })).input).toBe('image');
  });
});

describe('bytes the edit does not touch', () => {
  it('keeps CRLF line endings, also on inserted lines', () => {
    const text = `${HEAD}images:\n  - name: score-api\n    newTag: v1\n`.replace(/\n/g, '\r\n');
    const edit = setImage(text, { name: 'score-api', newTag: 'v2', digest: D1 });
    expect(edit.text).toBe(
      `${HEAD}images:\n  - name: score-api\n    newTag: v2\n    digest: ${D1}\n`.replace(
        /\n/g,
        '\r\n',
      ),
    );
    expect(render(edit.text)).toMatchObject({ api: `score-api:v2@${D1}` });
  });
});
