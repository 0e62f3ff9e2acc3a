/**
 * The records half of the fake GitHub API (tests/fakes/fake-github-api.ts): issues and their comments, labels,
 * commit statuses, Deployments and Deployment statuses, and a commit's author as GitHub links it to a login.
 * Paths, status codes, JSON shapes, newest-first ordering and Link-header pagination are GitHub's, so Octokit
 * (`paginate` included) talks to it unchanged. Issues and pull requests share one number sequence, as on GitHub.
 */
import { execFileSync } from 'node:child_process';

/** An issue (a pull request is one too on GitHub: they share numbers). */
export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  user: string;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: string;
}

export interface FakeLabel {
  name: string;
  color: string;
  description: string | null;
}

export interface FakeCommitStatus {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: string;
}

export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  creator: string;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  createdAt: string;
}

export interface FakeDeploymentStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  creator: string;
  createdAt: string;
}

/** What the records routes keep, readable by tests. */
export interface FakeGithubRecords {
  issues: FakeIssue[];
  comments: FakeComment[];
  labels: FakeLabel[];
  statuses: FakeCommitStatus[];
  deployments: FakeDeployment[];
  deploymentStatuses: FakeDeploymentStatus[];
  /** GitHub account logins by commit author email (GitHub links a commit to the account owning its email). */
  logins: Record<string, string>;
  /**
   * What GitHub Actions does for a job that names `environment:`: a Deployment of the job's commit, created
   * by github-actions[bot], queued and then in_progress with the run as log URL.
   */
  actionsDeployment(d: {
    sha: string;
    environment: string;
    ref?: string;
    logUrl: string;
  }): FakeDeployment;
}

/** One REST request as the router sees it. */
export interface RecordsRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  /** The login the token belongs to. */
  actor: string;
}

/** What the fake around the records supplies. */
export interface RecordsContext {
  url: string;
  owner: string;
  repo: string;
  /** The bare repository behind the fake, if any: refs and commits are resolved there. */
  gitRemote?: string;
  /** The next number of an issue or pull request (shared sequence). */
  nextNumber(): number;
  /** The pull request numbers (issue routes answer for them too). */
  pullNumbers(): number[];
}

/** A response the fake sends: status, JSON body, extra headers. */
export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const NOT_FOUND: FakeResponse = {
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
};

function validation(resource: string, field: string, code: string, message?: string): FakeResponse {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, field, code, ...(message ? { message } : {}) }],
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

// GitHub's 422 for a text field over its limit (a body of 65 536, a status description of 140 characters).
function tooLong(
  resource: string,
  field: string,
  value: unknown,
  max: number,
): FakeResponse | undefined {
  if (typeof value !== 'string' || value.length <= max) return undefined;
  return validation(
    resource,
    field,
    'custom',
    `${field} is too long (maximum is ${max} characters)`,
  );
}

/**
 * One page of `items` as GitHub pages a list: `per_page` (default 30, at most 100) and `page` (from 1), with a
 * Link header naming the next and last pages, which Octokit's paginate follows.
 */
export function paginate<T>(
  items: T[],
  query: Record<string, string>,
  pageUrl: string,
): FakeResponse {
  const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
  const page = Math.max(1, Number(query.page ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string): string => {
    const u = new URL(pageUrl);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links = page < last ? [link(page + 1, 'next'), link(last, 'last')] : [];
  return {
    status: 200,
    body: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length ? { link: links.join(', ') } : {},
  };
}

/** The commit `rev` resolves to in the bare repository, or undefined. */
export function resolveCommit(bare: string, rev: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], {
      cwd: bare,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // rev-parse --verify exits 1 for anything that is not a commit here: GitHub's 404/422.
    return undefined;
  }
}

const COMMIT_STATES = ['error', 'failure', 'pending', 'success'];
const DEPLOYMENT_STATES = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
];

/** Creates the records state and its router. */
export function createRecords(ctx: RecordsContext): {
  records: FakeGithubRecords;
  route(req: RecordsRequest): FakeResponse | undefined;
} {
  let ids = 1000;
  const now = (): string => new Date().toISOString();
  const records: FakeGithubRecords = {
    issues: [],
    comments: [],
    labels: [],
    statuses: [],
    deployments: [],
    deploymentStatuses: [],
    logins: {},
    actionsDeployment: (d) => {
      const dep = addDeployment({
        sha: d.sha,
        ref: d.ref ?? d.sha,
        task: 'deploy',
        environment: d.environment,
        description: null,
        payload: {},
        creator: 'github-actions[bot]',
        productionEnvironment: false,
        transientEnvironment: false,
      });
      for (const state of ['queued', 'in_progress']) {
        addDeploymentStatus(dep, {
          state,
          description: '',
          environmentUrl: '',
          logUrl: d.logUrl,
          creator: 'github-actions[bot]',
        });
      }
      return dep;
    },
  };
  const repoUrl = (): string => `${ctx.url}/repos/${ctx.owner}/${ctx.repo}`;
  const htmlUrl = (): string => `https://github.com/${ctx.owner}/${ctx.repo}`;
  const user = (login: string) => ({
    login,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
  });

  function addDeployment(d: Omit<FakeDeployment, 'id' | 'createdAt'>): FakeDeployment {
    const dep: FakeDeployment = { ...d, id: (ids += 1), createdAt: now() };
    records.deployments.push(dep);
    return dep;
  }

  function addDeploymentStatus(
    dep: FakeDeployment,
    s: Pick<
      FakeDeploymentStatus,
      'state' | 'description' | 'environmentUrl' | 'logUrl' | 'creator'
    >,
  ): FakeDeploymentStatus {
    const status: FakeDeploymentStatus = {
      ...s,
      id: (ids += 1),
      deploymentId: dep.id,
      environment: dep.environment,
      createdAt: now(),
    };
    records.deploymentStatuses.push(status);
    return status;
  }

  const statusesOf = (dep: FakeDeployment): FakeDeploymentStatus[] =>
    records.deploymentStatuses.filter((s) => s.deploymentId === dep.id).reverse();

  const issueJson = (i: FakeIssue) => ({
    url: `${repoUrl()}/issues/${i.number}`,
    html_url: `${htmlUrl()}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: user(i.user),
    labels: i.labels.map((name) => {
      const l = records.labels.find((x) => x.name === name);
      return { name, color: l?.color ?? 'ededed', description: l?.description ?? null };
    }),
  });
  const labelJson = (l: FakeLabel) => ({
    url: `${repoUrl()}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    description: l.description,
    default: false,
  });
  const statusJson = (s: FakeCommitStatus) => ({
    url: `${repoUrl()}/statuses/${s.sha}`,
    id: s.id,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: user(s.creator),
  });
  const deploymentJson = (d: FakeDeployment) => ({
    url: `${repoUrl()}/deployments/${d.id}`,
    id: d.id,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: user(d.creator),
    created_at: d.createdAt,
    updated_at: d.createdAt,
    statuses_url: `${repoUrl()}/deployments/${d.id}/statuses`,
    repository_url: repoUrl(),
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
  });
  const deploymentStatusJson = (s: FakeDeploymentStatus) => ({
    url: `${repoUrl()}/deployments/${s.deploymentId}/statuses/${s.id}`,
    id: s.id,
    state: s.state,
    creator: user(s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.logUrl,
    log_url: s.logUrl,
    environment_url: s.environmentUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: `${repoUrl()}/deployments/${s.deploymentId}`,
    repository_url: repoUrl(),
  });

  function commitSha(ref: string): string | undefined {
    if (!ctx.gitRemote) return /^[0-9a-f]{40}$/.test(ref) ? ref : undefined;
    return resolveCommit(ctx.gitRemote, ref);
  }

  function route(req: RecordsRequest): FakeResponse | undefined {
    const prefix = `/repos/${ctx.owner}/${ctx.repo}`;
    if (!req.path.startsWith(`${prefix}/`)) return undefined;
    const path = req.path.slice(prefix.length);
    const b = req.body;
    const pageUrl = `${ctx.url}${req.path}`;
    let m: RegExpMatchArray | null;

    // Issues (the issue routes answer for pull requests too: GitHub's pull requests are issues).
    if (path === '/issues' && req.method === 'GET') {
      const wanted = (req.query.labels ?? '').split(',').filter(Boolean);
      const state = req.query.state ?? 'open';
      const list = records.issues
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => wanted.every((l) => i.labels.includes(l)))
        .filter((i) => !req.query.creator || i.user === req.query.creator)
        .sort((x, y) => y.number - x.number);
      return paginate(list.map(issueJson), req.query, pageUrl);
    }
    if (path === '/issues' && req.method === 'POST') {
      if (typeof b.title !== 'string' || b.title === '')
        return validation('Issue', 'title', 'missing_field');
      const long = tooLong('Issue', 'body', b.body, 65536);
      if (long) return long;
      const labels = Array.isArray(b.labels) ? b.labels.map(String) : [];
      // GitHub creates a label it does not know yet (grey, no description) when an issue names it.
      for (const name of labels) {
        if (!records.labels.some((l) => l.name === name))
          records.labels.push({ name, color: 'ededed', description: null });
      }
      const issue: FakeIssue = {
        number: ctx.nextNumber(),
        title: b.title,
        body: typeof b.body === 'string' ? b.body : '',
        labels,
        state: 'open',
        user: req.actor,
      };
      records.issues.push(issue);
      return { status: 201, body: issueJson(issue) };
    }
    if ((m = path.match(/^\/issues\/(\d+)\/comments$/))) {
      const number = Number(m[1]);
      const known =
        records.issues.some((i) => i.number === number) || ctx.pullNumbers().includes(number);
      if (!known) return NOT_FOUND;
      const commentJson = (c: FakeComment) => ({
        id: c.id,
        url: `${repoUrl()}/issues/comments/${c.id}`,
        html_url: `${htmlUrl()}/issues/${c.issue}#issuecomment-${c.id}`,
        body: c.body,
        user: user(c.user),
      });
      if (req.method === 'GET') {
        return paginate(
          records.comments.filter((c) => c.issue === number).map(commentJson),
          req.query,
          pageUrl,
        );
      }
      if (req.method === 'POST') {
        if (typeof b.body !== 'string' || b.body === '')
          return validation('IssueComment', 'body', 'missing_field');
        const comment = { id: (ids += 1), issue: number, body: b.body, user: req.actor };
        records.comments.push(comment);
        return { status: 201, body: commentJson(comment) };
      }
    }

    // Labels.
    if ((m = path.match(/^\/labels\/([^/]+)$/)) && req.method === 'GET') {
      const label = records.labels.find((l) => l.name === decodeURIComponent(m![1]!));
      return label ? { status: 200, body: labelJson(label) } : NOT_FOUND;
    }
    if (path === '/labels' && req.method === 'POST') {
      if (typeof b.name !== 'string' || b.name === '')
        return validation('Label', 'name', 'missing_field');
      if (records.labels.some((l) => l.name.toLowerCase() === String(b.name).toLowerCase()))
        return validation('Label', 'name', 'already_exists');
      const color = typeof b.color === 'string' ? b.color.replace(/^#/, '') : 'ededed';
      if (!/^[0-9a-fA-F]{6}$/.test(color)) return validation('Label', 'color', 'invalid');
      const label: FakeLabel = {
        name: b.name,
        color,
        description: typeof b.description === 'string' ? b.description : null,
      };
      records.labels.push(label);
      return { status: 201, body: labelJson(label) };
    }

    // A commit, with the account GitHub links its author to (null when the email belongs to none).
    if ((m = path.match(/^\/commits\/([^/]+)$/)) && req.method === 'GET') {
      if (!ctx.gitRemote) return { status: 501, body: { message: 'fake GitHub: needs gitRemote' } };
      const sha = resolveCommit(ctx.gitRemote, decodeURIComponent(m[1]!));
      if (!sha) return { status: 422, body: { message: `No commit found for SHA: ${m[1]}` } };
      const [name, email, date, message] = execFileSync(
        'git',
        ['log', '-1', '--format=%an%x00%ae%x00%aI%x00%B', sha],
        { cwd: ctx.gitRemote, encoding: 'utf8' },
      ).split('\0');
      const login = records.logins[email ?? ''];
      return {
        status: 200,
        body: {
          sha,
          url: `${repoUrl()}/commits/${sha}`,
          html_url: `${htmlUrl()}/commit/${sha}`,
          commit: { author: { name, email, date }, message: (message ?? '').replace(/\n$/, '') },
          author: login ? user(login) : null,
        },
      };
    }

    // Commit statuses.
    if ((m = path.match(/^\/statuses\/([^/]+)$/)) && req.method === 'POST') {
      const sha = commitSha(m[1]!);
      if (!sha) return { status: 422, body: { message: `No commit found for SHA: ${m[1]}` } };
      if (!COMMIT_STATES.includes(String(b.state))) return validation('Status', 'state', 'invalid');
      const long = tooLong('Status', 'description', b.description, 140);
      if (long) return long;
      const status: FakeCommitStatus = {
        id: (ids += 1),
        sha,
        state: String(b.state),
        context: typeof b.context === 'string' && b.context ? b.context : 'default',
        description: typeof b.description === 'string' ? b.description : null,
        targetUrl: typeof b.target_url === 'string' ? b.target_url : null,
        creator: req.actor,
        createdAt: now(),
      };
      records.statuses.push(status);
      return { status: 201, body: statusJson(status) };
    }
    if ((m = path.match(/^\/commits\/([^/]+)\/(statuses|status)$/)) && req.method === 'GET') {
      const sha = commitSha(decodeURIComponent(m[1]!));
      if (!sha) return { status: 422, body: { message: `No commit found for SHA: ${m[1]}` } };
      const all = records.statuses.filter((s) => s.sha === sha).reverse();
      if (m[2] === 'statuses') return paginate(all.map(statusJson), req.query, pageUrl);
      const latest = all.filter((s, i) => all.findIndex((x) => x.context === s.context) === i);
      const state = latest.some((s) => s.state === 'failure' || s.state === 'error')
        ? 'failure'
        : latest.some((s) => s.state === 'pending') || latest.length === 0
          ? 'pending'
          : 'success';
      return {
        status: 200,
        body: { state, sha, total_count: latest.length, statuses: latest.map(statusJson) },
      };
    }

    // Deployments.
    if (path === '/deployments' && req.method === 'POST') {
      if (typeof b.ref !== 'string' || b.ref === '')
        return validation('Deployment', 'ref', 'missing_field');
      const sha = commitSha(b.ref);
      if (!sha) return { status: 422, body: { message: `No ref found for: ${b.ref}` } };
      // Without required_contexts GitHub requires every context of the ref to be successful.
      if (!Array.isArray(b.required_contexts)) {
        const all = records.statuses.filter((s) => s.sha === sha).reverse();
        const failing = all
          .filter((s, i) => all.findIndex((x) => x.context === s.context) === i)
          .filter((s) => s.state !== 'success')
          .map((s) => s.context);
        if (failing.length > 0) {
          return {
            status: 409,
            body: {
              message: `Conflict: Commit status checks failed for ${b.ref}.`,
              errors: [
                {
                  contexts: failing.map((context) => ({ context, state: 'failure' })),
                  resource: 'Deployment',
                  field: 'required_contexts',
                  code: 'invalid',
                },
              ],
            },
          };
        }
      }
      const environment = typeof b.environment === 'string' ? b.environment : 'production';
      const dep = addDeployment({
        sha,
        ref: b.ref,
        task: typeof b.task === 'string' ? b.task : 'deploy',
        environment,
        description: typeof b.description === 'string' ? b.description : null,
        payload: b.payload ?? {},
        creator: req.actor,
        productionEnvironment:
          typeof b.production_environment === 'boolean'
            ? b.production_environment
            : environment === 'production',
        transientEnvironment: b.transient_environment === true,
      });
      return { status: 201, body: deploymentJson(dep) };
    }
    if (path === '/deployments' && req.method === 'GET') {
      const q = req.query;
      const list = records.deployments
        .filter((d) => !q.sha || d.sha === q.sha)
        .filter((d) => !q.ref || d.ref === q.ref)
        .filter((d) => !q.task || d.task === q.task)
        .filter((d) => !q.environment || d.environment === q.environment)
        .reverse();
      return paginate(list.map(deploymentJson), q, pageUrl);
    }
    if ((m = path.match(/^\/deployments\/(\d+)(\/statuses)?$/))) {
      const dep = records.deployments.find((d) => d.id === Number(m![1]));
      if (!dep) return NOT_FOUND;
      if (!m[2] && req.method === 'GET') return { status: 200, body: deploymentJson(dep) };
      if (m[2] && req.method === 'GET')
        return paginate(statusesOf(dep).map(deploymentStatusJson), req.query, pageUrl);
      if (m[2] && req.method === 'POST') {
        if (!DEPLOYMENT_STATES.includes(String(b.state)))
          return validation('DeploymentStatus', 'state', 'invalid');
        const long = tooLong('DeploymentStatus', 'description', b.description, 140);
        if (long) return long;
        const status = addDeploymentStatus(dep, {
          state: String(b.state),
          description: typeof b.description === 'string' ? b.description : '',
          environmentUrl: typeof b.environment_url === 'string' ? b.environment_url : '',
          logUrl:
            typeof b.log_url === 'string'
              ? b.log_url
              : typeof b.target_url === 'string'
                ? b.target_url
                : '',
          creator: req.actor,
        });
        // auto_inactive (default true): the environment's earlier non-transient, non-production
        // Deployments whose latest state is success become inactive.
        if (status.state === 'success' && b.auto_inactive !== false) {
          for (const other of records.deployments) {
            if (
              other.id === dep.id ||
              other.environment !== dep.environment ||
              other.transientEnvironment ||
              other.productionEnvironment ||
              other.id > dep.id
            )
              continue;
            const [latest] = statusesOf(other);
            if (latest?.state === 'success') {
              addDeploymentStatus(other, {
                state: 'inactive',
                description: latest.description,
                environmentUrl: latest.environmentUrl,
                logUrl: latest.logUrl,
                creator: req.actor,
              });
            }
          }
        }
        return { status: 201, body: deploymentStatusJson(status) };
      }
    }
    return undefined;
  }

  return { records, route };
}
