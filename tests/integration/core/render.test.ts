// The edited overlay rendered by the real Kustomize (kubectl kustomize / kustomize build).
import { jest } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bumpOverlay } from '../../../actions/src/bump.js';
import { MissingToolError } from '../../../actions/src/errors.js';
import { RenderError, findRenderer, renderOverlay } from '../../../actions/src/render.js';
import { createGitFixture, git } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

jest.setTimeout(60_000);

const skip = await findRenderer().then(
  () => undefined,
  (err: unknown) => (err as Error).message,
);
if (skip) console.warn(`skipping render tests: ${skip}`);
const describeKustomize = skip ? describe.skip : describe;

let fx: GitFixture;
beforeAll(async () => {
  fx = await createGitFixture({ appCommits: 2 });
});
afterAll(async () => {
  await fx.cleanup();
});

describeKustomize('renderOverlay', () => {
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
