// The webhook payloads GitHub sends a workflow run (the `github.event` context), built from the
// repository's real commits: push, workflow_run, workflow_dispatch and pull_request.
import { execFileSync } from 'node:child_process';

/** The repository part every payload carries. */
export interface RepoInfo {
  owner: string;
  name: string;
  /** GITHUB_SERVER_URL, for the html/clone URLs. */
  serverUrl: string;
}

const ZERO = '0'.repeat(40);

function git(bare: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: bare, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
}

function repository(repo: RepoInfo): Record<string, unknown> {
  return {
    id: 1296269,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: true,
    owner: { login: repo.owner, type: 'Organization' },
    html_url: `${repo.serverUrl}/${repo.owner}/${repo.name}`,
    clone_url: `${repo.serverUrl}/${repo.owner}/${repo.name}.git`,
    default_branch: 'main',
  };
}

/** A commit as a push payload lists it: id, message, author, and the files it added/removed/modified. */
function commitJson(bare: string, sha: string, repo: RepoInfo): Record<string, unknown> {
  const [message, name, email, date] = git(
    bare,
    'log',
    '-1',
    '--format=%B%x00%an%x00%ae%x00%aI',
    sha,
  ).split('\0');
  const files = { added: [] as string[], removed: [] as string[], modified: [] as string[] };
  // -m --first-parent: a merge commit lists what it changed against main, as GitHub does.
  const diff = git(
    bare,
    'diff-tree',
    '--no-commit-id',
    '-r',
    '-m',
    '--first-parent',
    '--name-status',
    '--root',
    sha,
  );
  for (const line of diff.split('\n').filter(Boolean)) {
    const [status, ...paths] = line.split('\t');
    const path = paths.at(-1) ?? '';
    if (status?.startsWith('A')) files.added.push(path);
    else if (status?.startsWith('D')) files.removed.push(path);
    else files.modified.push(path);
  }
  return {
    id: sha,
    tree_id: git(bare, 'rev-parse', `${sha}^{tree}`),
    distinct: true,
    message: (message ?? '').replace(/\n+$/, ''),
    timestamp: date,
    url: `${repo.serverUrl}/${repo.owner}/${repo.name}/commit/${sha}`,
    author: { name, email },
    committer: { name, email },
    ...files,
  };
}

/**
 * The commits a push of `before..after` to `ref` brought: for a new branch (before = zeros), those of
 * `after` that no other branch holds, oldest first.
 */
function pushedCommits(bare: string, ref: string, before: string, after: string): string[] {
  const others =
    before === ZERO
      ? git(bare, 'for-each-ref', '--format=%(refname)', 'refs/heads')
          .split('\n')
          .filter((r) => r && r !== ref)
      : [];
  const range = before === ZERO ? [after, '--not', ...others] : [`${before}..${after}`];
  return git(bare, 'rev-list', '--reverse', ...range)
    .split('\n')
    .filter(Boolean);
}

/**
 * The files a push changed, as GitHub's path filters see them: the two-dot diff before..after; for a
 * new branch, against the parent of the deepest commit the push brought (docs.github.com, "Git diff
 * comparisons").
 */
export function changedFiles(bare: string, before: string, after: string, ref = ''): string[] {
  let base = before;
  if (before === ZERO) {
    const oldest = pushedCommits(bare, ref, before, after)[0];
    if (!oldest) return [];
    const parent = git(bare, 'rev-list', '--parents', '-n', '1', oldest).split(' ')[1];
    if (!parent)
      return git(bare, 'ls-tree', '-r', '--name-only', after).split('\n').filter(Boolean);
    base = parent;
  }
  return git(bare, 'diff', '--name-only', base, after).split('\n').filter(Boolean);
}

/** The `push` event for `before..after` on `ref`, pushed by `pusher`. */
export function pushEvent(
  bare: string,
  repo: RepoInfo,
  ref: string,
  before: string,
  after: string,
  pusher = { name: 'e2e-developer', email: 'dev@example.invalid' },
): Record<string, unknown> {
  const shas = pushedCommits(bare, ref, before, after).slice(-2048);
  const commits = shas.map((sha) => commitJson(bare, sha, repo));
  return {
    ref,
    before,
    after,
    created: before === ZERO,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${repo.serverUrl}/${repo.owner}/${repo.name}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits,
    head_commit: commitJson(bare, after, repo),
    pusher,
    repository: repository(repo),
    sender: { login: pusher.name, type: pusher.name.endsWith('[bot]') ? 'Bot' : 'User' },
  };
}

/** The `workflow_run` event GitHub sends when the run of `workflowName` for a push completed. */
export function workflowRunEvent(
  bare: string,
  repo: RepoInfo,
  run: {
    workflowName: string;
    workflowPath: string;
    event: string;
    headBranch: string;
    headSha: string;
    conclusion: 'success' | 'failure' | 'cancelled' | 'skipped';
    runNumber: number;
  },
): Record<string, unknown> {
  const head = commitJson(bare, run.headSha, repo);
  return {
    action: 'completed',
    workflow_run: {
      id: 30433642 + run.runNumber,
      name: run.workflowName,
      path: run.workflowPath,
      head_branch: run.headBranch,
      head_sha: run.headSha,
      event: run.event,
      status: 'completed',
      conclusion: run.conclusion,
      run_number: run.runNumber,
      run_attempt: 1,
      head_commit: {
        id: run.headSha,
        tree_id: head.tree_id,
        message: head.message,
        timestamp: head.timestamp,
        author: head.author,
        committer: head.committer,
      },
      repository: repository(repo),
      head_repository: repository(repo),
    },
    workflow: { name: run.workflowName, path: run.workflowPath, state: 'active' },
    repository: repository(repo),
    sender: { login: 'e2e-developer', type: 'User' },
  };
}

/** The `workflow_dispatch` event: "Run workflow" on `ref` with `inputs`. */
export function workflowDispatchEvent(
  repo: RepoInfo,
  ref: string,
  inputs: Record<string, string | boolean>,
  workflowPath: string,
): Record<string, unknown> {
  // GitHub's webhook carries every input as a string ("true" for a checked boolean).
  return {
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])),
    ref,
    workflow: workflowPath,
    repository: repository(repo),
    sender: { login: 'e2e-operator', type: 'User' },
  };
}

/** The `pull_request` event for a pull request of the fake GitHub (`action`: opened, closed, ...). */
export function pullRequestEvent(
  bare: string,
  repo: RepoInfo,
  action: string,
  pr: { number: number; title: string; body: string; head: string; base: string; merged?: boolean },
  sender: string,
): Record<string, unknown> {
  const headSha = git(bare, 'rev-parse', `refs/heads/${pr.head}`);
  const baseSha = git(bare, 'rev-parse', `refs/heads/${pr.base}`);
  return {
    action,
    number: pr.number,
    pull_request: {
      number: pr.number,
      state: action === 'closed' ? 'closed' : 'open',
      title: pr.title,
      body: pr.body,
      merged: pr.merged ?? false,
      head: { ref: pr.head, sha: headSha, repo: repository(repo) },
      base: { ref: pr.base, sha: baseSha, repo: repository(repo) },
      html_url: `${repo.serverUrl}/${repo.owner}/${repo.name}/pull/${pr.number}`,
    },
    repository: repository(repo),
    sender: { login: sender, type: sender.endsWith('[bot]') ? 'Bot' : 'User' },
  };
}
