// bumpOverlay and revertDeployment against real bare git remotes (tests/helpers/git-fixture.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  RolledBackError,
  UnknownSourceCommitError,
  bumpOverlay,
} from '../../../gitops/flows/bump.js';
import type { BumpOptions, BumpResult } from '../../../gitops/flows/bump.js';
import { InputError } from '../../../gitops/errors.js';
import { ConflictError } from '../../../gitops/adapters/git.js';
import { readImage, setImage } from '../../../gitops/rules/kustomization.js';
import { revertDeployment } from '../../../gitops/flows/revert.js';
import { parseTrailers } from '../../../gitops/rules/trailers.js';
import {
  commitMessages,
  createGitFixture,
  digestFor,
  fixtureBump,
  git,
  showFile,
} from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

import { jest } from '@jest/globals';

jest.setTimeout(120_000);

const FILE = 'overlays/minikube/kustomization.yaml';
const bumpOpts = fixtureBump;

async function bumpCommits(fx: GitFixture): Promise<Record<string, string>[]> {
  return (await commitMessages(fx.remote))
    .map(parseTrailers)
    .filter((t) => t['Gitops-Action'] === 'bump');
}

async function deployedTag(fx: GitFixture): Promise<string | undefined> {
  return readImage(await showFile(fx.remote, 'main', FILE), 'score-api')?.newTag;
}

let fx: GitFixture;
beforeEach(async () => {
  fx = await createGitFixture({ appCommits: 8 });
});
afterEach(async () => {
  await fx.cleanup();
});

describe('bumpOverlay', () => {
  it('commits tag + digest with trailers and pushes; a repeat for the same SHA is a no-op', async () => {
    const clone = await fx.clone();
    // No identity configured anywhere (this machine has a global one): the bot identity must be used.
    const saved = {
      global: process.env.GIT_CONFIG_GLOBAL,
      nosystem: process.env.GIT_CONFIG_NOSYSTEM,
    };
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    const globalConfig = await git(fx.root, ['config', '--global', '--list']).catch(() => '');
    expect(globalConfig).toBe('');
    const sha = fx.commits[3] as string;
    const first = await bumpOverlay(bumpOpts(clone, sha)).finally(() => {
      for (const [k, v] of [
        ['GIT_CONFIG_GLOBAL', saved.global],
        ['GIT_CONFIG_NOSYSTEM', saved.nosystem],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    expect(first).toMatchObject({ status: 'committed', changed: true, pushed: true, attempts: 1 });
    expect(first.previous).toEqual({
      name: 'score-api',
      newName: '127.0.0.1:5000/score-api',
      newTag: 'bootstrap',
    });
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(first.commit);

    const [message] = await commitMessages(fx.remote, 'main', ['-n', '1']);
    expect(message?.split('\n')[0]).toBe(
      `deploy(minikube): score-api ${sha.slice(0, 7)} (sha256:${sha.slice(0, 8)}…)`,
    );
    expect(parseTrailers(message ?? '')).toMatchObject({
      'Source-Commit': sha,
      'Image-Digest': digestFor(sha),
      Environment: 'minikube',
      'Gitops-Action': 'bump',
    });
    const author = await git(fx.remote, ['log', '-1', '--format=%an <%ae>', 'main']);
    expect(author).toBe('gitops-bot <gitops-bot@users.noreply.github.com>');
    // The committed file differs from the original only in the image entry lines.
    const text = await showFile(fx.remote, 'main', FILE);
    expect(text).toContain('namespace: score-api   # deployed by Argo CD\n');
    expect(text).toContain(`    newTag: ${sha}\n    digest: ${digestFor(sha)}\nlabels:`);

    const again = await bumpOverlay(bumpOpts(clone, sha));
    expect(again).toMatchObject({ status: 'unchanged', changed: false, commit: first.commit });
    const fromOtherClone = await bumpOverlay(bumpOpts(await fx.clone(), sha));
    expect(fromOtherClone.status).toBe('unchanged');
    expect(await bumpCommits(fx)).toHaveLength(1);
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
  });

  it('clones the remote itself when given a bare repository path', async () => {
    const sha = fx.commits[2] as string;
    const res = await bumpOverlay(bumpOpts(fx.remote, sha));
    expect(res).toMatchObject({ status: 'committed', pushed: true });
    expect(await deployedTag(fx)).toBe(sha);
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(res.commit);
  });

  it('skips a stale SHA (older than the deployed one) and says so', async () => {
    const newer = fx.commits[6] as string;
    const older = fx.commits[2] as string;
    await bumpOverlay(bumpOpts(await fx.clone(), newer));
    const res = await bumpOverlay(bumpOpts(await fx.clone(), older));
    expect(res.status).toBe('stale');
    expect(res.changed).toBe(false);
    expect(res.message).toContain(newer);
    expect(await deployedTag(fx)).toBe(newer);
    expect(await bumpCommits(fx)).toHaveLength(1);
  });

  it('a shallow clone (depth 1, like actions/checkout) is deepened to skip a stale SHA', async () => {
    const newer = fx.commits[6] as string;
    await bumpOverlay(bumpOpts(fx.remote, newer));
    const shallow = join(fx.root, 'shallow');
    await git(fx.root, ['clone', '--quiet', '--depth', '1', `file://${fx.remote}`, shallow]);
    expect(await git(shallow, ['rev-parse', '--is-shallow-repository'])).toBe('true');
    const lines: string[] = [];
    const res = await bumpOverlay({
      ...bumpOpts(shallow, fx.commits[2] as string),
      log: (l) => lines.push(l),
    });
    expect(res.status).toBe('stale');
    expect(lines.join('\n')).toMatch(/shallow clone: fetching the full history/);
    expect(await deployedTag(fx)).toBe(newer);
  });

  it('a source commit unknown to the repository is refused while a known one is deployed, unless force', async () => {
    await bumpOverlay(bumpOpts(fx.remote, fx.commits[6] as string));
    const unknown = 'f'.repeat(40);
    const err = await bumpOverlay(bumpOpts(fx.remote, unknown)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownSourceCommitError);
    expect((err as Error).message).toContain(unknown);
    expect(await deployedTag(fx)).toBe(fx.commits[6]);
    const forced = await bumpOverlay({ ...bumpOpts(fx.remote, unknown), force: true });
    expect(forced.status).toBe('committed');
    expect(await deployedTag(fx)).toBe(unknown);
  });

  it('finds the deployed source in the bump trailers when the tag is not a commit SHA', async () => {
    const newer = fx.commits[6] as string;
    await bumpOverlay({
      ...bumpOpts(await fx.clone(), newer),
      image: { name: 'score-api', newTag: 'v6', digest: digestFor(newer) },
    });
    const res = await bumpOverlay({
      ...bumpOpts(await fx.clone(), fx.commits[1] as string),
      image: { name: 'score-api', newTag: 'v1', digest: digestFor(fx.commits[1] as string) },
    });
    expect(res.status).toBe('stale');
  });

  it('retries a push rejected because the remote moved between fetch and push', async () => {
    const mine = await fx.clone('mine');
    const other = await fx.clone('other');
    const sha = fx.commits[5] as string;
    const lines: string[] = [];
    const res = await bumpOverlay({
      ...bumpOpts(mine, sha),
      log: onceAfterLocalCommit(lines, () =>
        pushSync(other, { 'service/README.md': 'docs\n' }, 'docs: readme'),
      ),
    });
    expect(res).toMatchObject({ status: 'committed', pushed: true, attempts: 2 });
    expect(lines.some((l) => /push attempt 1 was rejected/.test(l))).toBe(true);
    expect(await deployedTag(fx)).toBe(sha);
    // The bump sits on top of the other commit; exactly one bump commit exists.
    expect(await git(fx.remote, ['log', '--format=%s', '-2', 'main'])).toMatch(
      /^deploy\(minikube\).*\ndocs: readme$/,
    );
    expect(await bumpCommits(fx)).toHaveLength(1);
    expect(await git(mine, ['rev-parse', 'HEAD'])).toBe(res.commit);
  });

  it('after a rejected push, a target already satisfied by someone else ends as unchanged (no second commit)', async () => {
    const mine = await fx.clone('mine');
    const other = await fx.clone('other');
    const sha = fx.commits[5] as string;
    const res = await bumpOverlay({
      ...bumpOpts(mine, sha),
      // Someone else pushes the very same bump (same trailers) while we are between commit and push.
      log: onceAfterLocalCommit([], () => {
        const text = readFileSync(join(other, FILE), 'utf8');
        const edited = setImage(text, bumpOpts(other, sha).image, FILE).text;
        pushSync(
          other,
          { [FILE]: edited },
          `deploy(minikube): same\n\nSource-Commit: ${sha}\nGitops-Action: bump`,
        );
      }),
    });
    expect(res).toMatchObject({ status: 'unchanged', changed: false, pushed: false, attempts: 2 });
    expect(await bumpCommits(fx)).toHaveLength(1);
    expect(await git(mine, ['status', '--porcelain'])).toBe('');
  });

  it('a race of 8 concurrent bumps from separate clones ends with the newest deployed, nothing lost or doubled', async () => {
    const shas = fx.commits.slice(1, 9);
    expect(shas).toHaveLength(8);
    const clones = await Promise.all(shas.map((_, i) => fx.clone(`racer-${i}`)));
    // Shuffle start order so the newest is not always first or last.
    const order = [3, 7, 0, 5, 1, 6, 2, 4];
    const results: BumpResult[] = await Promise.all(
      // The default attempts (MAX_PUSH_ATTEMPTS) must carry eight racers through.
      order.map((i) => bumpOverlay(bumpOpts(clones[i] as string, shas[i] as string))),
    );
    const newest = shas[7] as string;
    expect(await deployedTag(fx)).toBe(newest);
    const committed = results.filter((r) => r.status === 'committed');
    for (const r of results) expect(['committed', 'stale', 'unchanged']).toContain(r.status);
    // Every committed result is exactly one bump commit on main, and there are no others.
    const bumps = await bumpCommits(fx);
    expect(bumps).toHaveLength(committed.length);
    const history = await git(fx.remote, ['log', '--format=%H', 'main']);
    for (const r of committed) expect(history.split('\n')).toContain(r.commit);
    expect(new Set(bumps.map((b) => b['Source-Commit'])).size).toBe(bumps.length);
    // Linear: no merge commits.
    expect(await git(fx.remote, ['rev-list', '--merges', 'main'])).toBe('');
    // Every version of the file on main is valid YAML with a well-formed entry.
    for (const sha of (await git(fx.remote, ['log', '--format=%H', 'main', '--', FILE])).split(
      '\n',
    )) {
      const doc = parse(await showFile(fx.remote, sha, FILE)) as { images: { newTag: string }[] };
      expect(doc.images).toHaveLength(1);
    }
    // Deployed source commits only move forward along the history.
    const deployedOrder = bumps.map((b) => shas.indexOf(b['Source-Commit'] as string)).reverse();
    expect([...deployedOrder].sort((a, b) => a - b)).toEqual(deployedOrder);
  });

  it('fails clearly on a conflicting edit by someone else (not a bump), leaving the clone clean', async () => {
    const mine = await fx.clone('mine');
    const other = await fx.clone('other');
    const before = await git(mine, ['rev-parse', 'HEAD']);
    const err = await bumpOverlay({
      ...bumpOpts(mine, fx.commits[4] as string),
      log: onceAfterLocalCommit([], () => {
        const text = readFileSync(join(other, FILE), 'utf8');
        pushSync(
          other,
          { [FILE]: text.replace('newTag: bootstrap', 'newTag: hotfix-by-hand') },
          'hotfix by hand',
        );
      }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toContain('hotfix by hand');
    expect((err as Error).message).toContain(FILE);
    expect(await git(mine, ['status', '--porcelain'])).toBe('');
    expect(await git(mine, ['rev-parse', 'HEAD'])).toBe(before);
    expect(await deployedTag(fx)).toBe('hotfix-by-hand');
    expect(await bumpCommits(fx)).toHaveLength(0);
  });

  it('validates every input before any side effect', async () => {
    const clone = await fx.clone();
    const head = await git(clone, ['rev-parse', 'HEAD']);
    const cases: [Partial<BumpOptions>, string][] = [
      [{ sourceCommit: 'abc123' }, 'sourceCommit'],
      [{ overlay: 'overlays/nope' }, 'overlay'],
      [{ overlay: 'deploy/../..' }, 'overlay'],
      [{ overlay: 'service' }, 'overlay'],
      [{ image: { name: 'score-api', newTag: 'v1', digest: 'sha256:1234' } }, 'image.digest'],
      [
        {
          image: {
            name: 'score-api',
            newTag: 'bad tag',
            digest: digestFor(fx.commits[1] as string),
          },
        },
        'image.newTag',
      ],
      [
        {
          image: {
            name: 'score-api',
            newName: 'Bad/Name',
            newTag: 'v',
            digest: digestFor(fx.commits[1] as string),
          },
        },
        'image.newName',
      ],
      [{ repo: join(fx.root, 'missing') }, 'repo'],
    ];
    for (const [patch, input] of cases) {
      const err = await bumpOverlay({
        ...bumpOpts(clone, fx.commits[1] as string),
        ...patch,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).input).toBe(input);
    }
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(head);
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
  });

  it('a malformed kustomization fails with an InputError naming the file and writes nothing', async () => {
    const clone = await fx.clone();
    await fx.commitAndPush(clone, { [FILE]: 'images: [oops\n' }, 'break the overlay');
    const head = await git(fx.remote, ['rev-parse', 'main']);
    const err = await bumpOverlay(bumpOpts(clone, fx.commits[2] as string)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(FILE);
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(head);
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
  });
});

/** Commits `files` in `clone` and pushes, synchronously: used from a log callback to move the remote mid-bump. */
function pushSync(clone: string, files: Record<string, string>, message: string): void {
  const run = (args: string[], input?: string): string =>
    execFileSync('git', args, {
      cwd: clone,
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  run(['pull', '--quiet', '--rebase', 'origin', 'main']);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(clone, path), text);
  run(['add', '-A']);
  run(
    ['-c', 'user.name=someone', '-c', 'user.email=someone@example.test', 'commit', '-q', '-F', '-'],
    message,
  );
  run(['push', '-q', 'origin', 'HEAD:main']);
}

/** A log callback that runs `act` once, right after the bump made its local commit (before it pushes). */
function onceAfterLocalCommit(lines: string[], act: () => void): (line: string) => void {
  let done = false;
  return (line) => {
    lines.push(line);
    if (!done && line.startsWith('committed ')) {
      done = true;
      act();
    }
  };
}

describe('revertDeployment', () => {
  it('reverts a bump once; a second revert (also from another clone) is a no-op', async () => {
    const sha = fx.commits[5] as string;
    const bump = await bumpOverlay(bumpOpts(await fx.clone(), sha));
    const first = await revertDeployment({
      repo: await fx.clone(),
      commit: bump.commit,
      reason: 'rollout failed: CrashLoopBackOff',
      push: true,
    });
    expect(first).toMatchObject({
      status: 'reverted',
      revertedSourceCommit: sha,
      environment: 'minikube',
      pushed: true,
    });
    expect(await deployedTag(fx)).toBe('bootstrap');
    const [message] = await commitMessages(fx.remote, 'main', ['-n', '1']);
    expect(message).toContain('Reason: rollout failed: CrashLoopBackOff');
    expect(parseTrailers(message ?? '')).toMatchObject({
      'Gitops-Action': 'revert',
      Reverts: bump.commit,
      'Rolled-Back-Source': sha,
      Environment: 'minikube',
    });
    const second = await revertDeployment({
      repo: fx.remote,
      commit: bump.commit,
      reason: 'again',
      push: true,
    });
    expect(second).toMatchObject({
      status: 'already-reverted',
      commit: first.commit,
      pushed: false,
    });
    const reverts = (await commitMessages(fx.remote)).filter(
      (m) => parseTrailers(m)['Gitops-Action'] === 'revert',
    );
    expect(reverts).toHaveLength(1);
  });

  it('two clones racing to revert the same bump produce exactly one revert commit', async () => {
    const sha = fx.commits[5] as string;
    const bump = await bumpOverlay(bumpOpts(await fx.clone(), sha));
    const [a, b] = await Promise.all([fx.clone('a'), fx.clone('b')]);
    const results = await Promise.all([
      revertDeployment({
        repo: a as string,
        commit: bump.commit,
        reason: 'verify failed (a)',
        push: true,
      }),
      revertDeployment({
        repo: b as string,
        commit: bump.commit,
        reason: 'verify failed (b)',
        push: true,
      }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['already-reverted', 'reverted']);
    expect(results[0]?.commit).toBe(results[1]?.commit);
    const reverts = (await commitMessages(fx.remote)).filter(
      (m) => parseTrailers(m)['Gitops-Action'] === 'revert',
    );
    expect(reverts).toHaveLength(1);
  });

  it('refuses a commit that is not a gitops bump', async () => {
    const err = await revertDeployment({
      repo: fx.remote,
      commit: fx.commits[3] as string,
      reason: 'x',
      push: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/is not a gitops bump or promotion/);
  });

  it('a rolled-back SHA is refused by later bumps unless force', async () => {
    const sha = fx.commits[5] as string;
    const bump = await bumpOverlay(bumpOpts(fx.remote, sha));
    const revert = await revertDeployment({
      repo: fx.remote,
      commit: bump.commit,
      reason: 'bad',
      push: true,
    });
    const err = await bumpOverlay(bumpOpts(fx.remote, sha)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolledBackError);
    expect((err as RolledBackError).sourceCommit).toBe(sha);
    expect((err as RolledBackError).revertCommit).toBe(revert.commit);
    expect((err as Error).message).toContain(revert.commit);
    const forced = await bumpOverlay({ ...bumpOpts(fx.remote, sha), force: true });
    expect(forced.status).toBe('committed');
    expect(await deployedTag(fx)).toBe(sha);
    // A depth-1 clone (actions/checkout) sees the rollback and the earlier revert too: it is deepened first.
    const shallow = join(fx.root, 'shallow-rb');
    await git(fx.root, ['clone', '--quiet', '--depth', '1', `file://${fx.remote}`, shallow]);
    const again = await revertDeployment({
      repo: shallow,
      commit: bump.commit,
      reason: 'again',
      push: true,
    }).catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 'already-reverted', commit: revert.commit });
    // A newer SHA is not affected by the rollback of an older one.
    const next = await bumpOverlay(bumpOpts(fx.remote, fx.commits[6] as string));
    expect(next.status).toBe('committed');
  });

  it('a SHA whose bump was reverted by hand (git revert) is quarantined like an automatic rollback', async () => {
    const [sha, later] = [fx.commits[5] as string, fx.commits[6] as string];
    const bump = await bumpOverlay(bumpOpts(fx.remote, sha));
    const clone = await fx.clone('hand-revert');
    await git(clone, [
      '-c',
      'user.name=dev',
      '-c',
      'user.email=dev@example.test',
      'revert',
      '--no-edit',
      bump.commit,
    ]);
    await git(clone, ['push', '--quiet', 'origin', 'HEAD:main']);
    const revert = await git(clone, ['rev-parse', 'HEAD']);
    const err = await bumpOverlay(bumpOpts(fx.remote, sha)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolledBackError);
    expect((err as RolledBackError).revertCommit).toBe(revert);
    expect((await bumpOverlay({ ...bumpOpts(fx.remote, sha), force: true })).status).toBe(
      'committed',
    );
    expect((await bumpOverlay(bumpOpts(fx.remote, later))).status).toBe('committed');
  });
});
