// Eight pipelines bump one GitOps remote at once, each for a different commit of a linear history, through
// the pipeline's own bump stage (clone, bumpOverlay with fetch+rebase retries, push). Real bare remote,
// real git, real kustomize.
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { readImage } from '../../../gitops/rules/kustomization.js';
import { TRAILER, parseTrailers } from '../../../gitops/rules/trailers.js';
import { bumpStage } from '../../../scripts/pipeline/bump-stage.js';
import {
  addCommits,
  bareClone,
  cleanupTemp,
  filesAt,
  git,
  makeSourceRepo,
  testConfig,
  testContext,
} from './helpers.js';

const digestOf = (sha: string): string =>
  `sha256:${createHash('sha256').update(sha).digest('hex')}`;

afterAll(cleanupTemp);

test('8 concurrent bumps of one linear history: the newest wins, nothing lost, history linear, YAML valid', async () => {
  const work = makeSourceRepo();
  const shas = addCommits(work, 8);
  const remote = bareClone(work);
  const base = git(remote, 'rev-parse', 'main');

  const results = await Promise.all(
    shas.map((sha) => {
      const ctx = testContext(
        testConfig(work, { remote, imageRepository: 'score-api', registry: '127.0.0.1:5000' }),
      );
      return bumpStage(ctx, { sha, repository: '127.0.0.1:5000/score-api', digest: digestOf(sha) });
    }),
  );

  // The newest commit is pinned, with its own digest, whatever order the pushes landed in.
  const newest = shas[shas.length - 1] as string;
  const text = git(remote, 'show', 'main:overlays/minikube/kustomization.yaml');
  const pinned = readImage(text, 'score-api');
  expect(pinned).toMatchObject({ newTag: newest, digest: digestOf(newest) });
  expect(results[results.length - 1]?.bump.status).toBe('committed');

  // Every committed bump is in the history exactly once; the others were skipped as stale, not lost.
  const log = git(remote, 'log', '--format=%H%x1f%B%x1e', `${base}..main`)
    .split('\x1e')
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => {
      const [sha = '', message = ''] = c.split('\x1f');
      return { sha, trailers: parseTrailers(message) };
    });
  const bumpSources = log.map((c) => c.trailers[TRAILER.sourceCommit]);
  for (const r of results) {
    expect(['committed', 'stale']).toContain(r.bump.status);
    if (r.bump.status === 'committed') {
      expect(log.filter((c) => c.sha === r.bump.commit)).toHaveLength(1);
    }
  }
  const committed = results.filter((r) => r.bump.status === 'committed').length;
  expect(log).toHaveLength(committed);
  expect(new Set(bumpSources).size).toBe(bumpSources.length);
  expect(log.every((c) => c.trailers[TRAILER.action] === 'bump')).toBe(true);

  // Linear: no merge commits, every bump's parent is the previous one.
  expect(git(remote, 'rev-list', '--merges', `${base}..main`)).toBe('');
  expect(git(remote, 'rev-list', '--count', `${base}..main`)).toBe(String(committed));

  // Every YAML file at the tip parses.
  for (const file of filesAt(remote, 'main').filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(git(remote, 'show', `main:${file}`));
    for (const doc of Array.isArray(docs) ? docs : [docs])
      expect({ file, errors: doc.errors }).toEqual({ file, errors: [] });
  }
}, 180_000);
