// The bundled bump-overlay action against a real bare git remote, run the way the runner runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appCommit, createWorkingClone } from '../../helpers/git-fixture.js';
import type { WorkingClone } from '../../helpers/git-fixture.js';
import { errors, runAction } from './run-action.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

let fx: WorkingClone;
let SOURCE: string;
beforeEach(() => {
  fx = createWorkingClone();
  SOURCE = appCommit(fx, '2');
});
afterEach(() => fx.cleanup());

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    overlay: 'overlays/minikube',
    image: 'score-api',
    'new-name': '127.0.0.1:5000/score-api',
    digest: DIGEST,
    'repository-path': fx.clone,
    ...extra,
  };
}

test('commits the pin with trailers, pushes it, and a second run is a no-op', async () => {
  const before = fx.git(fx.remote, 'rev-parse', 'main');
  const first = await runAction('bump-overlay', inputs(), {
    workspace: fx.clone,
    env: { GITHUB_SHA: SOURCE },
  });
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.outputs).toMatchObject({
    status: 'committed',
    changed: 'true',
    pushed: 'true',
    'previous-tag': fx.deployedTag,
    'previous-digest': `sha256:${'1'.repeat(64)}`,
  });
  const head = fx.git(fx.remote, 'rev-parse', 'main');
  expect(head).not.toBe(before);
  expect(first.outputs.commit).toBe(head);
  const kustomization = fx.git(fx.remote, 'show', 'main:overlays/minikube/kustomization.yaml');
  expect(kustomization).toContain(`newTag: ${SOURCE}`);
  expect(kustomization).toContain(`digest: ${DIGEST}`);
  expect(kustomization).toContain('# The release pin'); // comments survive the edit
  expect(fx.git(fx.remote, 'log', '-1', '--format=%B', 'main')).toContain(
    `Source-Commit: ${SOURCE}`,
  );
  expect(first.summary).toContain('## Overlay bump');
  expect(first.summary).toContain('committed');

  const second = await runAction('bump-overlay', inputs(), {
    workspace: fx.clone,
    env: { GITHUB_SHA: SOURCE },
  });
  expect(second.code).toBe(0);
  expect(second.outputs).toMatchObject({ status: 'unchanged', changed: 'false' });
  expect(fx.git(fx.remote, 'rev-parse', 'main')).toBe(head);
  expect(fx.git(fx.remote, 'rev-list', '--count', 'main')).toBe('4');
});

test.each([
  ['digest', { digest: 'sha256:abc' }],
  ['source-commit', { 'source-commit': 'abc1234' }],
  ['new-name', { 'new-name': 'Not A Name' }],
  ['overlay', { overlay: 'overlays/nowhere' }],
  ['push', { push: 'yes' }],
])('bad %s: exit code 1, an error naming it, and no commit anywhere', async (name, extra) => {
  const remoteBefore = fx.git(fx.remote, 'rev-parse', 'main');
  const localBefore = fx.git(fx.clone, 'rev-parse', 'HEAD');
  const run = await runAction('bump-overlay', inputs(extra), {
    workspace: fx.clone,
    env: { GITHUB_SHA: SOURCE },
  });
  expect(run.code).toBe(1);
  const [error] = errors(run);
  expect(error?.message.startsWith(`${name}: `)).toBe(true);
  expect(run.outputs).toEqual({});
  expect(fx.git(fx.remote, 'rev-parse', 'main')).toBe(remoteBefore);
  expect(fx.git(fx.clone, 'rev-parse', 'HEAD')).toBe(localBefore);
  expect(fx.git(fx.clone, 'status', '--porcelain')).toBe('');
});

test('a missing GITHUB_SHA with no tag input names the tag input', async () => {
  const run = await runAction('bump-overlay', inputs(), { workspace: fx.clone });
  expect(run.code).toBe(1);
  expect(errors(run)[0]?.message).toBe(
    'tag: is required: expected an image tag (and GITHUB_SHA is not set)',
  );
  expect(readFileSync(join(fx.clone, 'overlays/minikube/kustomization.yaml'), 'utf8')).toContain(
    fx.deployedTag,
  );
});

test('the token input is masked before anything is logged', async () => {
  const token = 'ghs_secretTOKENvalue123';
  const run = await runAction('bump-overlay', inputs({ token: ` ${token}\n`, digest: 'bad' }), {
    workspace: fx.clone,
  });
  expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${token}`);
  expect(run.commands.filter((c) => c.command === 'add-mask')).toHaveLength(1);
  expect(run.code).toBe(1);
});
