// The edited overlay rendered by the real Kustomize (kubectl kustomize / kustomize build).
import { jest } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { MissingToolError } from '../../../gitops/errors.js';
import { setImage } from '../../../gitops/rules/kustomization.js';
import { RenderError, renderOverlay } from '../../../gitops/adapters/kustomize.js';
import { createGitFixture, git } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';
import { kustomizeMissing, needs } from '../../helpers/real-parts.js';

jest.setTimeout(60_000);

const withKustomize = needs({ kustomize: await kustomizeMissing() });

let fx: GitFixture;
beforeAll(async () => {
  fx = await createGitFixture({ appCommits: 2 });
});
afterAll(async () => {
  await fx.cleanup();
});

withKustomize.describe('renderOverlay', () => {
  it('renders the bumped overlay with the image as name:tag@sha256:digest', async () => {
    const clone = await fx.clone();
    const digest = `sha256:${'c'.repeat(64)}`;
    await bumpOverlay({
      repo: clone,
      overlay: 'overlays/minikube',
      image: { name: 'score-api', newName: '127.0.0.1:5000/score-api', newTag: fx.head, digest },
      sourceCommit: fx.head,
      push: false,
    });
    const out = await renderOverlay(join(clone, 'overlays/minikube'));
    expect(out).toContain(`image: 127.0.0.1:5000/score-api:${fx.head}@${digest}\n`);
    expect(out).toContain('namespace: score-api');
    expect(out).toContain('environment: minikube');
  });

  it('a 7-digit short SHA tag renders as name:1234567@sha256:digest (bumpOverlay writes it quoted)', async () => {
    const clone = await fx.clone();
    const digest = `sha256:${'d'.repeat(64)}`;
    await bumpOverlay({
      repo: clone,
      overlay: 'overlays/minikube',
      image: { name: 'score-api', newName: '127.0.0.1:5000/score-api', newTag: '1234567', digest },
      sourceCommit: fx.head,
      push: false,
    });
    const text = await readFile(join(clone, 'overlays/minikube/kustomization.yaml'), 'utf8');
    expect(text).toContain('    newTag: "1234567"\n');
    const out = await renderOverlay(join(clone, 'overlays/minikube'));
    expect(out).toContain(`image: 127.0.0.1:5000/score-api:1234567@${digest}\n`);
  });

  // Each is a valid OCI tag that YAML 1.1 (kustomize's loader) or 1.2 reads as a non-string when plain.
  it.each(['0123', '1e10000', '1.10', 'yes', 'on', '1_000', '0b101', '0x1F', 'null'])(
    'tag %s set by setImage renders unchanged',
    async (tag) => {
      const clone = await fx.clone();
      const file = join(clone, 'overlays/minikube/kustomization.yaml');
      const digest = `sha256:${'e'.repeat(64)}`;
      const edit = setImage(await readFile(file, 'utf8'), {
        name: 'score-api',
        newName: '127.0.0.1:5000/score-api',
        newTag: tag,
        digest,
      });
      await writeFile(file, edit.text);
      const out = await renderOverlay(join(clone, 'overlays/minikube'));
      expect(out).toContain(`image: 127.0.0.1:5000/score-api:${tag}@${digest}\n`);
    },
  );

  it('an unquoted numeric tag written by hand fails in kustomize; setImage with the same tag repairs it', async () => {
    const clone = await fx.clone();
    const file = join(clone, 'overlays/minikube/kustomization.yaml');
    const digest = `sha256:${'f'.repeat(64)}`;
    const broken = (await readFile(file, 'utf8')).replace(
      'newTag: bootstrap',
      `newTag: 1234567\n    digest: ${digest}`,
    );
    await writeFile(file, broken);
    const err = await renderOverlay(join(clone, 'overlays/minikube')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect((err as Error).message).toMatch(/newTag/);
    const edit = setImage(broken, {
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: '1234567',
      digest,
    });
    expect(edit.changed).toBe(true);
    await writeFile(file, edit.text);
    const out = await renderOverlay(join(clone, 'overlays/minikube'));
    expect(out).toContain(`image: 127.0.0.1:5000/score-api:1234567@${digest}\n`);
  });

  it('a broken overlay -> RenderError carrying the stderr of kustomize', async () => {
    const clone = await fx.clone();
    await writeFile(
      join(clone, 'overlays/minikube/kustomization.yaml'),
      'resources:\n  - ../../missing-base\n',
    );
    const err = await renderOverlay(join(clone, 'overlays/minikube')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect((err as Error).message).toMatch(/missing-base/);
    await git(clone, ['checkout', '--', '.']);
  });
});

describe('renderer detection', () => {
  it('MissingToolError when neither kustomize nor kubectl is on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-bin';
    try {
      const err = await renderOverlay(fx.root).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingToolError);
      expect((err as Error).message).toMatch(/kustomize/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
