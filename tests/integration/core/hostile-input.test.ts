// Hostile input to the gitops CLI, against real git remotes (bare repositories): what issue 17 found
// (symlinks out of the repository, pushes reported but not made, non-UTF-8 and oversized files, a
// kustomization that is a directory, a bad environment from the overlay's folder) and the refusals that
// already worked (shell and option injection in every argument, ext:: and --upload-pack URLs, `..` path
// escapes), so they stay refused. Each case checks the exit code, the one error line naming the input,
// and that nothing was written: the remote's branch, the files outside the repository, a marker file.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../../gitops/cli/index.js';
import { MAX_REPO_FILE_BYTES, PathEscapeError } from '../../../gitops/adapters/repo-files.js';
import { lintRepository } from '../../../gitops/lint/index.js';
import { captureIO, runBin } from '../../helpers/cli-io.js';
import { FIXTURE_IDENTITY, createGitFixture, git, showFile } from '../../helpers/git-fixture.js';
import type { GitFixture } from '../../helpers/git-fixture.js';

jest.setTimeout(120_000);

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

let fx: GitFixture;
let outside: string;
beforeAll(async () => {
  fx = await createGitFixture({ appCommits: 4 });
  outside = join(fx.root, 'outside');
  await mkdir(outside);
});
afterAll(() => fx.cleanup());

/** Commits `files` (text, or a symlink target) on main of the remote through a fresh clone. */
async function pushLayout(files: Record<string, string | { symlink: string }>): Promise<string> {
  const clone = await fx.clone();
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(clone, path, '..'), { recursive: true });
    if (typeof content === 'string') await writeFile(join(clone, path), content);
    else await symlink(content.symlink, join(clone, path));
  }
  await git(clone, ['add', '-A']);
  await git(clone, [...FIXTURE_IDENTITY, 'commit', '--quiet', '-m', 'layout']);
  await git(clone, ['push', '--quiet', 'origin', 'HEAD:main']);
  return clone;
}

function bumpArgs(overlay: string, extra: string[] = []): string[] {
  const sha = fx.commits[2] as string;
  return [
    'bump',
    '--overlay',
    overlay,
    '--image',
    'score-api',
    '--new-name',
    '127.0.0.1:5000/score-api',
    '--tag',
    sha,
    '--digest',
    digest('c'),
    ...extra,
  ];
}

/** Runs the CLI in-process; expects exit 1 and a last (error) line matching `why`; returns that line. */
async function refused(args: string[], cwd: string, why: RegExp): Promise<string> {
  const io = captureIO(cwd);
  const code = await main(args, io);
  const line = io.stderr[io.stderr.length - 1] ?? '';
  expect({ code, line }).toEqual({ code: 1, line: expect.stringMatching(why) });
  expect(line).toMatch(/^gitops \w+: /);
  expect(io.stdout).toEqual([]);
  return line;
}

const remoteMain = (): Promise<string> => git(fx.remote, ['rev-parse', 'main']);

describe('files outside the repository (issue 17 items 2 and 3)', () => {
  it('a kustomization.yaml symlinked to a file outside is never read, edited or pushed', async () => {
    const secret = join(outside, 'secret.yaml');
    const text = 'images:\n  - name: score-api\n    newTag: v1\n# password: hunter2\n';
    await writeFile(secret, text);
    const clone = await pushLayout({ 'overlays/leak/kustomization.yaml': { symlink: secret } });
    const before = await remoteMain();
    for (const repo of [clone, fx.remote]) {
      const line = await refused(
        bumpArgs('overlays/leak', ['--repo', repo, '--push']),
        fx.root,
        /overlays\/leak\/kustomization\.yaml resolves to .*secret\.yaml, outside the working tree/,
      );
      expect(line).not.toContain('hunter2');
    }
    expect(readFileSync(secret, 'utf8')).toBe(text);
    expect(await remoteMain()).toBe(before);
  });

  it('an overlay directory symlinked outside: bump and promote --to write nothing there', async () => {
    const target = join(outside, 'overlay');
    await mkdir(target);
    const text = 'resources: []\nimages:\n  - name: score-api\n    newTag: v1\n';
    await writeFile(join(target, 'kustomization.yaml'), text);
    const clone = await pushLayout({ 'overlays/away': { symlink: target } });
    const before = await remoteMain();
    await refused(
      bumpArgs('overlays/away', ['--repo', clone, '--push']),
      fx.root,
      /--overlay|overlays\/away resolves to .*outside the working tree/,
    );
    await refused(
      ['promote', '--repo', clone, '--from', 'overlays/minikube', '--to', 'overlays/away'],
      fx.root,
      /overlays\/away resolves to .*outside the working tree/,
    );
    expect(readFileSync(join(target, 'kustomization.yaml'), 'utf8')).toBe(text);
    expect(await remoteMain()).toBe(before);
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
  });

  it('lint (the lint action) refuses an overlay whose kustomization is linked outside, before rendering', async () => {
    const secret = join(outside, 'lint-secret.yaml');
    await writeFile(secret, 'resources: []\n# token: hunter2\n');
    const clone = await pushLayout({ 'overlays/linked/kustomization.yaml': { symlink: secret } });
    let rendered = 0;
    const err = await lintRepository(clone, {
      render: async () => {
        rendered += 1;
        return '';
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathEscapeError);
    expect((err as Error).message).toMatch(
      /overlays\/\w+\/kustomization\.yaml resolves to .*, outside the working tree/,
    );
    expect(rendered).toBe(0);
  });
});

describe('--push means pushed (item 4)', () => {
  it('bump: a commit made without --push is pushed by the next run with --push', async () => {
    const clone = await fx.clone();
    const local = captureIO(clone);
    expect(await main([...bumpArgs('overlays/minikube', ['--json'])], local)).toBe(0);
    const first = JSON.parse(local.stdout[0] as string) as { commit: string; pushed: boolean };
    expect(first.pushed).toBe(false);
    expect(await remoteMain()).not.toBe(first.commit);

    const again = captureIO(clone);
    expect(await main([...bumpArgs('overlays/minikube', ['--push', '--json'])], again)).toBe(0);
    expect(JSON.parse(again.stdout[0] as string)).toMatchObject({
      status: 'unchanged',
      pushed: true,
      commit: first.commit,
    });
    expect(await remoteMain()).toBe(first.commit);
  });

  it('revert: "already reverted" is what the remote says; a local revert is pushed', async () => {
    const clone = await fx.clone();
    const bump = captureIO(clone);
    const args = bumpArgs('overlays/minikube', ['--tag', fx.commits[3] as string]);
    expect(await main([...args, '--push', '--json'], bump)).toBe(0);
    const bumped = (JSON.parse(bump.stdout[0] as string) as { commit: string }).commit;
    const revert = ['revert', '--commit', bumped, '--reason', 'hostile test', '--json'];
    const local = captureIO(clone);
    expect(await main(revert, local)).toBe(0);
    const reverted = JSON.parse(local.stdout[0] as string) as { commit: string; pushed: boolean };
    expect(reverted.pushed).toBe(false);
    expect(await remoteMain()).toBe(bumped);

    const pushed = captureIO(clone);
    expect(await main([...revert, '--push'], pushed)).toBe(0);
    expect(JSON.parse(pushed.stdout[0] as string)).toMatchObject({
      status: 'reverted',
      pushed: true,
      commit: reverted.commit,
    });
    expect(await remoteMain()).toBe(reverted.commit);

    const once = captureIO(clone);
    expect(await main([...revert, '--push'], once)).toBe(0);
    expect(JSON.parse(once.stdout[0] as string)).toMatchObject({
      status: 'already-reverted',
      pushed: false,
    });
  });
});

describe('file contents (items 8, 9, 11)', () => {
  it('refuses a kustomization that is not UTF-8, and keeps every byte an edit does not touch', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('# caf'),
      Buffer.from([0xe9]),
      Buffer.from('\nresources:\n  - ../../deploy\nimages:\n  - name: score-api\n    newTag: v1\n'),
    ]);
    const clone = await pushLayout({ 'overlays/latin1/kustomization.yaml': '' });
    await writeFile(join(clone, 'overlays/latin1/kustomization.yaml'), latin1);
    await git(clone, [...FIXTURE_IDENTITY, 'commit', '--quiet', '-am', 'latin-1']);
    await git(clone, ['push', '--quiet', 'origin', 'HEAD:main']);
    const before = await remoteMain();
    await refused(
      bumpArgs('overlays/latin1', ['--repo', clone, '--push']),
      fx.root,
      /overlays\/latin1\/kustomization\.yaml is not valid UTF-8/,
    );
    expect(await remoteMain()).toBe(before);

    // Valid UTF-8 the parser might normalise: BOM, CRLF, tabs in comments, non-ASCII, no final newline.
    const odd =
      '\ufeff# überwacht\t 🚀\r\nresources:\r\n  - ../../deploy\r\nimages:\r\n  - name: score-api # ✓\r\n    newTag: "v1"   \r\nnamePrefix: x-';
    const utf8 = await pushLayout({ 'overlays/odd/kustomization.yaml': odd });
    const io = captureIO(utf8);
    expect(await main(bumpArgs('overlays/odd', ['--push']), io)).toBe(0);
    const sha = fx.commits[2] as string;
    const written = execFileSync('git', ['show', 'main:overlays/odd/kustomization.yaml'], {
      cwd: fx.remote,
      encoding: 'utf8',
    });
    expect(written).toBe(
      odd
        .replace('newTag: "v1"   ', `newName: 127.0.0.1:5000/score-api\r\n    newTag: "${sha}"   `)
        .replace('"   \r\n', `"   \r\n    digest: ${digest('c')}\r\n`),
    );
  });

  it('refuses an oversized kustomization before parsing it; --json prints the error code', async () => {
    const big = `images:\n  - name: score-api\n    newTag: v1\n#${'x'.repeat(MAX_REPO_FILE_BYTES)}\n`;
    const clone = await pushLayout({ 'overlays/big/kustomization.yaml': big });
    const before = await remoteMain();
    await refused(
      bumpArgs('overlays/big', ['--repo', clone, '--push']),
      fx.root,
      /overlays\/big\/kustomization\.yaml is \d+ bytes, more than the 1048576 bytes gitops reads/,
    );
    const io = captureIO(fx.root);
    expect(await main(bumpArgs('overlays/big', ['--repo', clone, '--json']), io)).toBe(1);
    expect(JSON.parse(io.stdout[0] as string)).toMatchObject({
      error: { code: 'FILE_TOO_LARGE', message: expect.stringContaining('overlays/big') },
    });
    expect(await remoteMain()).toBe(before);
  });

  it('a kustomization.yaml that is a directory gets a clear error, not EISDIR', async () => {
    const clone = await pushLayout({ 'overlays/dir/kustomization.yaml/keep': 'x\n' });
    const line = await refused(
      bumpArgs('overlays/dir', ['--repo', clone]),
      fx.root,
      /--overlay: 'overlays\/dir\/kustomization\.yaml' is not a file/,
    );
    expect(line).not.toMatch(/EISDIR/);
  });

  it('validates the environment taken from the overlay folder like --environment', async () => {
    const clone = await pushLayout({
      'overlays/Bad_Env/kustomization.yaml': 'images:\n  - name: score-api\n    newTag: v1\n',
    });
    await refused(
      bumpArgs('overlays/Bad_Env', ['--repo', clone]),
      fx.root,
      /--overlay: the folder name 'Bad_Env' .* is not a valid environment name/,
    );
    await refused(
      bumpArgs('overlays/Bad_Env', ['--repo', clone, '--environment', 'Bad_Env']),
      fx.root,
      /--environment: 'Bad_Env' is not a valid environment name/,
    );
    const io = captureIO(clone);
    expect(await main(bumpArgs('overlays/Bad_Env', ['--environment', 'staging']), io)).toBe(0);
  });
});

describe('refusals that must stay refusals', () => {
  const marker = (): string => join(fx.root, 'pwned');
  const sha = (): string => fx.commits[2] as string;
  // [what, argv, the flag the error names]; every argv runs through the shipped bin (node bin/gitops.js).
  const cases = (): [string, string[], string][] => [
    ['shell in --overlay', bumpArgs(`$(touch ${marker()})`), '--overlay'],
    ['shell in --tag', bumpArgs('overlays/minikube', ['--tag', `;touch ${marker()}`]), '--tag'],
    [
      'shell in --image',
      [
        'bump',
        ...bumpArgs('x').slice(1, 3),
        '--image',
        '`id`',
        '--new-name',
        'r/x',
        '--tag',
        sha(),
        '--digest',
        digest('a'),
      ],
      '--image',
    ],
    [
      'option in --branch',
      bumpArgs('overlays/minikube', ['--branch', `--upload-pack=touch ${marker()}`]),
      '--branch',
    ],
    [
      'option in --environment',
      bumpArgs('overlays/minikube', ['--environment', '--exec=id']),
      '--environment',
    ],
    [
      'option in --digest',
      bumpArgs('overlays/minikube', ['--digest', '--output=/etc/passwd']),
      '--digest',
    ],
    [
      'option in --source-commit',
      bumpArgs('overlays/minikube', ['--source-commit', '--all']),
      '--source-commit',
    ],
    [
      '--upload-pack as --repo',
      bumpArgs('overlays/minikube', ['--repo', `--upload-pack=touch ${marker()}`]),
      '--repo',
    ],
    [
      'ext:: URL as --repo',
      bumpArgs('overlays/minikube', ['--repo', `ext::sh -c touch% ${marker()}`]),
      '--repo',
    ],
    ['.. escape in --overlay', bumpArgs('../../../../etc'), '--overlay'],
    [
      'option in revert --commit',
      ['revert', '--commit', `--exec=touch ${marker()}`, '--reason', 'x'],
      '--commit',
    ],
    [
      'shell in revert --commit',
      ['revert', '--commit', `$(touch ${marker()})`, '--reason', 'x'],
      '--commit',
    ],
    [
      'ext:: URL as revert --repo',
      ['revert', '--commit', 'abcdef1', '--reason', 'x', '--repo', `ext::sh -c touch% ${marker()}`],
      '--repo',
    ],
    [
      '.. escape in promote --to',
      ['promote', '--from', 'overlays/minikube', '--to', '../outside'],
      '--to',
    ],
    [
      'option in promote --branch',
      ['promote', '--from', 'overlays/minikube', '--to', 'overlays/gke', '--branch', '--mirror'],
      '--branch',
    ],
    [
      'option in verify --revision',
      ['verify', '--app', 'a', '--revision', '--all', '--deployment', 'd', '--namespace', 'n'],
      '--revision',
    ],
    [
      'shell in verify --app',
      ['verify', '--app', '$(id)', '--revision', sha(), '--deployment', 'd', '--namespace', 'n'],
      '--app',
    ],
    [
      'option in build --tag',
      ['build', '--context', '.', '--image', 'r/x', '--tag', '--push'],
      '--tag',
    ],
  ];

  it('every case exits non-zero, names the flag and runs nothing', async () => {
    const clone = await fx.clone();
    const before = await remoteMain();
    for (const [what, argv, flag] of cases()) {
      const res = await runBin(argv, clone);
      expect({ what, code: res.code }).toEqual({ what, code: expect.any(Number) });
      expect({ what, failed: res.code !== 0 }).toEqual({ what, failed: true });
      expect({ what, stderr: res.stderr }).toEqual({
        what,
        stderr: expect.stringContaining(flag),
      });
      expect(existsSync(marker())).toBe(false);
    }
    expect(await remoteMain()).toBe(before);
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
    await rm(marker(), { force: true });
  });
});

test('fixture sanity: the remote holds the overlay the cases edit', async () => {
  expect(await showFile(fx.remote, 'main', 'overlays/minikube/kustomization.yaml')).toMatch(
    /name: score-api/,
  );
});
