// The gitops CLI (bump, render, revert, build) run in-process through main() with a captured io, and once
// as a child process (node bin/gitops.js) for --help and a --json bump.
import { jest } from '@jest/globals';
import { join } from 'node:path';
import { main } from '../../../gitops/cli/index.js';
import { commitMessages, createGitFixture, git } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';
import { captureIO, runBin } from '../../helpers/cli-io.js';

jest.setTimeout(120_000);

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

let fx: GitFixture;
beforeAll(async () => {
  fx = await createGitFixture({ appCommits: 4 });
});
afterAll(async () => {
  await fx.cleanup();
});

describe('gitops CLI in-process', () => {
  it.each(['bump', 'render', 'revert', 'build'])(
    '%s --help prints usage and exits 0',
    async (name) => {
      const io = captureIO(fx.root);
      expect(await main([name, '--help'], io)).toBe(0);
      expect(io.stdout.join('\n')).toMatch(new RegExp(`^Usage: gitops ${name} `));
    },
  );

  it('bump --json from inside a clone: one JSON object, then the same again is unchanged; revert --json reverts once', async () => {
    const clone = await fx.clone();
    const sha = fx.commits[3] as string;
    const args = [
      'bump',
      '--overlay',
      'overlays/minikube',
      '--image',
      'score-api',
      '--new-name',
      '127.0.0.1:5000/score-api',
    ];
    const io = captureIO(join(clone, 'overlays'));
    // From a subdirectory: --overlay is relative to where the user stands.
    const code = await main(
      [
        'bump',
        '--overlay',
        'minikube',
        ...args.slice(3),
        '--tag',
        sha,
        '--digest',
        digest('d'),
        '--push',
        '--json',
      ],
      io,
    );
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const out = JSON.parse(io.stdout[0] as string) as Record<string, unknown>;
    expect(out).toMatchObject({
      status: 'committed',
      changed: true,
      pushed: true,
      overlay: 'overlays/minikube',
      environment: 'minikube',
      tag: sha,
      digest: digest('d'),
      sourceCommit: sha,
      previousTag: 'bootstrap',
      previousDigest: null,
      ref: `127.0.0.1:5000/score-api:${sha}@${digest('d')}`,
    });
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(out.commit);

    const again = captureIO(clone);
    expect(
      await main([...args, '--tag', sha, '--digest', digest('d'), '--push', '--json'], again),
    ).toBe(0);
    expect(JSON.parse(again.stdout[0] as string)).toMatchObject({
      status: 'unchanged',
      changed: false,
    });

    const human = captureIO(clone);
    expect(
      await main(
        ['revert', '--commit', out.commit as string, '--reason', 'probe failed', '--push'],
        human,
      ),
    ).toBe(0);
    expect(human.stdout[0]).toMatch(/^reverted [0-9a-f]{40} with [0-9a-f]{40} \(pushed to main\)$/);
    const twice = captureIO(clone);
    expect(
      await main(
        ['revert', '--commit', out.commit as string, '--reason', 'again', '--push', '--json'],
        twice,
      ),
    ).toBe(0);
    expect(JSON.parse(twice.stdout[0] as string)).toMatchObject({
      status: 'already-reverted',
      revertedSourceCommit: sha,
    });
    const reverts = (await commitMessages(fx.remote)).filter((m) =>
      m.includes('Gitops-Action: revert'),
    );
    expect(reverts).toHaveLength(1);
  });

  it('render --json lists the rendered container image', async () => {
    const clone = await fx.clone();
    const io = captureIO(clone);
    expect(await main(['render', '--overlay', 'overlays/minikube', '--json'], io)).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const out = JSON.parse(io.stdout[0] as string) as { images: string[]; resources: string[] };
    expect(out.resources).toEqual(['Deployment/score-api']);
    expect(out.images).toHaveLength(1);
    expect(out.images[0]).toMatch(/^127\.0\.0\.1:5000\/score-api:/);
  });

  it('bad input: exit 1 with one clear line naming the flag, nothing written', async () => {
    const clone = await fx.clone();
    const head = await git(fx.remote, ['rev-parse', 'main']);
    const cases: [string[], RegExp][] = [
      [
        ['--tag', 'v1', '--digest', digest('e')],
        /--source-commit \(required when --tag is not a full commit SHA\)/,
      ],
      [['--tag', fx.head, '--digest', 'sha256:nope'], /--digest: 'sha256:nope' is not a digest/],
      [['--tag', 'bad tag!', '--digest', digest('e')], /--tag: 'bad tag!' is not a valid tag/],
    ];
    for (const [extra, why] of cases) {
      const io = captureIO(clone);
      const code = await main(
        [
          'bump',
          '--overlay',
          'overlays/minikube',
          '--image',
          'score-api',
          '--new-name',
          'r.io/score-api',
          ...extra,
          '--push',
        ],
        io,
      );
      expect(code).toBe(1);
      expect(io.stderr).toHaveLength(1);
      expect(io.stderr[0]).toMatch(why);
      expect(io.stdout).toEqual([]);
    }
    const io = captureIO(fx.root);
    expect(
      await main(
        [
          'bump',
          '--overlay',
          'x',
          '--image',
          'a',
          '--new-name',
          'b',
          '--tag',
          fx.head,
          '--digest',
          digest('e'),
        ],
        io,
      ),
    ).toBe(1);
    expect(io.stderr[0]).toMatch(/--repo: .* is not inside a git repository/);
    expect(await git(fx.remote, ['rev-parse', 'main'])).toBe(head);
  });
});

describe('gitops CLI as a child process', () => {
  it('bump --help prints usage', async () => {
    const res = await runBin(['bump', '--help'], fx.root);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: gitops bump /);
  });

  it('bump --json against a remote URL prints exactly one JSON object', async () => {
    const sha = fx.commits[4] as string;
    const res = await runBin(
      [
        'bump',
        '--repo',
        `file://${fx.remote}`,
        '--overlay',
        'overlays/minikube',
        '--image',
        'score-api',
        '--new-name',
        `127.0.0.1:5000/score-api:${sha}@${digest('f')}`,
        '--push',
        '--json',
      ],
      fx.root,
    );
    expect(res.stderr).not.toMatch(/gitops bump:/);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      status: 'committed',
      pushed: true,
      tag: sha,
      digest: digest('f'),
    });
    expect(await git(fx.remote, ['log', '-1', '--format=%s', 'main'])).toBe(
      `deploy(minikube): score-api ${sha.slice(0, 7)} (sha256:ffffffff…)`,
    );
  });
});
