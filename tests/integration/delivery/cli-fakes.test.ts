import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bumpOverlay } from '../../../gitops/flows/bump.js';
import { verifyCommand } from '../../../gitops/cli/verify.js';
import { promoteCommand } from '../../../gitops/cli/promote.js';
import type { CliCommand, CliIO } from '../../../gitops/cli/command.js';
import { startFakeKubeApiServer } from '../../fakes/fake-kube-apiserver.js';
import { installFakeArgoCd } from '../../fakes/fake-argocd.js';
import { startFakeGithubApi } from '../../fakes/fake-github-api.js';
import { commitMessages, createGitFixture } from '../../helpers/git-fixture.js';

function capture(env: NodeJS.ProcessEnv = {}): CliIO & { stdout: string[]; stderr: string[] } {
  const io = {
    stdout: [] as string[],
    stderr: [] as string[],
    cwd: process.cwd(),
    env,
    out: (l: string) => io.stdout.push(l),
    err: (l: string) => io.stderr.push(l),
  };
  return io;
}

async function run(cmd: CliCommand, args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: cmd.options, strict: true });
  return cmd.run(values as Parameters<CliCommand['run']>[0], io);
}

describe('gitops verify / promote CLI against the fakes', () => {
  it('verify --json prints exactly one verdict object with timings (fake API server + fake Argo CD)', async () => {
    const repo = await createGitFixture({ appCommits: 2 });
    const fake = await startFakeKubeApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'cli-verify-'));
    try {
      const [, c1] = repo.commits as [string, string];
      installFakeArgoCd(fake, {
        remote: repo.remote,
        overlay: 'overlays/minikube',
        app: 'score-api-minikube',
        appNamespace: 'argocd',
        namespace: 'score-api',
        deployment: 'score-api',
        imageName: 'score-api',
        isBad: () => false,
      });
      const bump = await bumpOverlay({
        repo: repo.remote,
        overlay: 'overlays/minikube',
        image: {
          name: 'score-api',
          newName: '127.0.0.1:5000/score-api',
          newTag: c1,
          digest: `sha256:${'d'.repeat(64)}`,
        },
        sourceCommit: c1,
        push: true,
      });
      const io = capture();
      const code = await run(
        verifyCommand,
        [
          '--app',
          'score-api-minikube',
          '--revision',
          bump.commit,
          '--deployment',
          'score-api',
          '--namespace',
          'score-api',
          '--kubeconfig',
          fake.writeKubeconfig(dir),
          '--poll',
          '0.02',
          '--settle',
          '0.05',
          '--timeout',
          '20',
          '--json',
        ],
        io,
      );
      expect(code).toBe(0);
      expect(io.stdout).toHaveLength(1);
      const out = JSON.parse(io.stdout[0] ?? '') as {
        result: string;
        revision: string;
        timings: { toReadyMs: number };
        timeline: unknown[];
      };
      expect(out.result).toBe('healthy');
      expect(out.revision).toBe(bump.commit);
      expect(out.timings.toReadyMs).toBeGreaterThan(0);
      expect(out.timeline.length).toBeGreaterThan(2);
    } finally {
      await fake.close();
      await repo.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verify rejects a short revision and --rollback without --repo before contacting anything', async () => {
    const io = capture();
    await expect(
      run(
        verifyCommand,
        [
          '--app',
          'a',
          '--revision',
          'abc1234',
          '--deployment',
          'd',
          '--namespace',
          'n',
          '--kubeconfig',
          '/nonexistent',
        ],
        io,
      ),
    ).rejects.toThrow(/--revision: 'abc1234' is not a full commit SHA/);
    await expect(
      run(
        verifyCommand,
        [
          '--app',
          'a',
          '--revision',
          'a'.repeat(40),
          '--deployment',
          'd',
          '--namespace',
          'n',
          '--rollback',
        ],
        io,
      ),
    ).rejects.toThrow(/--repo/);
    await expect(
      run(
        verifyCommand,
        [
          '--app',
          'a',
          '--revision',
          'a'.repeat(40),
          '--deployment',
          'd',
          '--namespace',
          'n',
          '--timeout',
          'soon',
        ],
        io,
      ),
    ).rejects.toThrow(/--timeout/);
  });

  it('verify exits 4 for a release a newer bump superseded and 3 for a paused Deployment, reverting neither', async () => {
    const repo = await createGitFixture({ appCommits: 3 });
    const fake = await startFakeKubeApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'cli-verify-'));
    try {
      const [, c1, c2] = repo.commits as [string, string, string];
      const bump = (source: string, d: string) =>
        bumpOverlay({
          repo: repo.remote,
          overlay: 'overlays/minikube',
          image: {
            name: 'score-api',
            newName: '127.0.0.1:5000/score-api',
            newTag: source,
            digest: d,
          },
          sourceCommit: source,
          push: true,
        });
      const opts = {
        remote: repo.remote,
        overlay: 'overlays/minikube',
        app: 'score-api-minikube',
        appNamespace: 'argocd',
        namespace: 'score-api',
        deployment: 'score-api',
        imageName: 'score-api',
        isBad: () => false,
      };
      installFakeArgoCd(fake, opts);
      const first = await bump(c1, `sha256:${'1'.repeat(64)}`);
      const newer = await bump(c2, `sha256:${'2'.repeat(64)}`);
      const args = (revision: string, extra: string[]) => [
        '--app',
        'score-api-minikube',
        '--revision',
        revision,
        '--deployment',
        'score-api',
        '--namespace',
        'score-api',
        '--kubeconfig',
        fake.writeKubeconfig(dir),
        '--poll',
        '0.02',
        '--settle',
        '0.05',
        '--timeout',
        '20',
        ...extra,
      ];
      const io = capture();
      expect(await run(verifyCommand, args(first.commit, ['--repo', repo.remote]), io)).toBe(4);
      expect(io.stdout[0]).toBe(
        `superseded: score-api-minikube at ${first.commit.slice(0, 12)} was replaced by ${newer.commit.slice(0, 12)}; nothing was reverted`,
      );

      installFakeArgoCd(fake, { ...opts, paused: true });
      const paused = capture();
      const code = await run(
        verifyCommand,
        args(newer.commit, ['--rollback', '--repo', repo.remote, '--json']),
        paused,
      );
      expect(code).toBe(3);
      expect(JSON.parse(paused.stdout[0] ?? '')).toMatchObject({ result: 'suspended' });
      const messages = await commitMessages(repo.remote);
      expect(messages.filter((m) => m.includes('Gitops-Action: revert'))).toHaveLength(0);
    } finally {
      await fake.close();
      await repo.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verify refuses contradictory or malformed smoke flags before contacting anything', async () => {
    const io = capture();
    const base = [
      '--app',
      'a',
      '--revision',
      'a'.repeat(40),
      '--deployment',
      'd',
      '--namespace',
      'n',
    ];
    await expect(run(verifyCommand, [...base, '--no-smoke', '--service', 's'], io)).rejects.toThrow(
      /--no-smoke: contradicts --service/,
    );
    await expect(run(verifyCommand, [...base, '--service-port', 'HTTP!'], io)).rejects.toThrow(
      /--service-port: expected a Service port name or number/,
    );
    await expect(run(verifyCommand, [...base, '--smoke-input', 'x'], io)).rejects.toThrow(
      /--smoke-input: expected a JSON object/,
    );
  });

  it('promote --json --push --open-pr prints one object with the PR and never the token', async () => {
    const repo = await createGitFixture({ appCommits: 2 });
    const gh = await startFakeGithubApi({ gitRemote: repo.remote });
    try {
      const [, c1] = repo.commits as [string, string];
      const seed = await repo.clone('seed-gke');
      await repo.commitAndPush(
        seed,
        {
          'overlays/gke/kustomization.yaml':
            'resources:\n  - ../../deploy\nimages:\n  - name: score-api\n    newName: europe-west1-docker.pkg.dev/p/c/score-api\n',
        },
        'gke overlay',
      );
      await bumpOverlay({
        repo: repo.remote,
        overlay: 'overlays/minikube',
        image: {
          name: 'score-api',
          newName: '127.0.0.1:5000/score-api',
          newTag: c1,
          digest: `sha256:${'e'.repeat(64)}`,
        },
        sourceCommit: c1,
        push: true,
      });
      const io = capture({ GITHUB_TOKEN: gh.token, GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}` });
      const code = await run(
        promoteCommand,
        [
          '--repo',
          repo.remote,
          '--from',
          'overlays/minikube',
          '--to',
          'overlays/gke',
          '--push',
          '--open-pr',
          '--github-api-url',
          gh.url,
          '--json',
        ],
        io,
      );
      expect(code).toBe(0);
      expect(io.stdout).toHaveLength(1);
      const out = JSON.parse(io.stdout[0] ?? '') as {
        changed: boolean;
        digest: string;
        sourceCommit: string;
        pullRequest: { number: number; created: boolean };
      };
      expect(out).toMatchObject({
        changed: true,
        digest: `sha256:${'e'.repeat(64)}`,
        sourceCommit: c1,
        pullRequest: { number: 1, created: true },
      });
      expect([...io.stdout, ...io.stderr].join('\n')).not.toContain(gh.token);

      const missing = capture({});
      await expect(
        run(
          promoteCommand,
          [
            '--repo',
            repo.remote,
            '--from',
            'overlays/minikube',
            '--to',
            'overlays/gke',
            '--push',
            '--open-pr',
            '--github-repo',
            'acme/x',
          ],
          missing,
        ),
      ).rejects.toThrow(/GITHUB_TOKEN/);
    } finally {
      await gh.close();
      await repo.cleanup();
    }
  });
});
