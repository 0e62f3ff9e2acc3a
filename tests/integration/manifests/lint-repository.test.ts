// The lint library on the real repository and on broken copies of it, with the real Kustomize
// (kubectl kustomize) and the real actionlint (built from its Go module by
// scripts/install-actionlint.sh). Skips, with the reason printed, only when a tool cannot be had
// (CI=true: fails instead; tests/helpers/real-parts.ts).
import { execFile } from 'node:child_process';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintRepositoryReport, listRenderTargets } from '../../../gitops/lint/index.js';
import type { Finding } from '../../../gitops/lint/index.js';
import { parseManifestStream } from '../../../gitops/lint/manifest-objects.js';
import { renderOverlay } from '../../../gitops/adapters/kustomize.js';
import { checkWorkflows, runActionlint } from '../../../gitops/lint/workflows.js';
import { kustomizeMissing, needs } from '../../helpers/real-parts.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const itKube = needs({ kustomize: await kustomizeMissing() }).test;

// Idempotent: a no-op when .cache/bin/actionlint is already the pinned version (setup installs it).
const actionlint = await new Promise<{ path?: string; missing?: string }>((resolve) => {
  execFile(
    'bash',
    [join(root, 'scripts', 'install-actionlint.sh')],
    { cwd: root, timeout: 280_000 },
    (err, stdout, stderr) => {
      if (err)
        resolve({
          missing: `scripts/install-actionlint.sh failed: ${(stderr || err.message).trim().slice(-500)}`,
        });
      else resolve({ path: stdout.trim().split('\n').at(-1) });
    },
  );
});
const itActionlint = needs({ actionlint: actionlint.missing }).test;

/** The 1-based line of the first line matching `re` at or after the line matching `after`. */
function lineOf(text: string, re: RegExp, after?: RegExp): number {
  const lines = text.split('\n');
  const start = after ? lines.findIndex((l) => after.test(l)) : 0;
  const idx = lines.findIndex((l, i) => i >= start && re.test(l));
  if (start < 0 || idx < 0) throw new Error(`no line matches ${String(re)}`);
  return idx + 1;
}

async function copyRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lint-copy-'));
  for (const d of ['deploy', 'overlays', 'argocd', '.github'])
    await cp(join(root, d), join(dir, d), { recursive: true });
  return dir;
}

async function edit(file: string, fn: (text: string) => string): Promise<string> {
  const next = fn(await readFile(file, 'utf8'));
  await writeFile(file, next);
  return next;
}

const errorsOf = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule);

describe('manifests of this repository', () => {
  itKube('renders every overlay and argocd/', async () => {
    const targets = await listRenderTargets(root);
    expect(targets).toEqual(['overlays/gke', 'overlays/minikube', 'argocd']);
    for (const t of targets) {
      const objects = parseManifestStream(await renderOverlay(join(root, t)), t);
      const kinds = objects.map((o) => o.kind);
      if (t === 'argocd')
        expect(kinds.sort()).toEqual([
          'AppProject',
          'Application',
          'Application',
          'Namespace',
          'Role',
          'Role',
          'RoleBinding',
          'RoleBinding',
          'ServiceAccount',
          'ValidatingAdmissionPolicy',
          'ValidatingAdmissionPolicyBinding',
        ]);
      else
        expect(kinds).toEqual(
          expect.arrayContaining([
            'Deployment',
            'Service',
            'PodDisruptionBudget',
            'HorizontalPodAutoscaler',
            'ServiceAccount',
            'NetworkPolicy',
          ]),
        );
    }
  });

  itKube('validates against the Kubernetes and Argo CD schemas and passes the policy', async () => {
    const report = await lintRepositoryReport(root, { actionlint: false });
    // Every finding (schema, policy, workflow policy) would be a regression; warnings too.
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([
      'overlays/gke: cloud.google.com/v1 BackendConfig/score-api not schema-validated (no schema for this CRD)',
      'overlays/gke: networking.gke.io/v1 ManagedCertificate/score-api not schema-validated (no schema for this CRD)',
      'overlays/gke: networking.gke.io/v1beta1 FrontendConfig/score-api not schema-validated (no schema for this CRD)',
      'actionlint: disabled by the caller',
    ]);
  });

  itKube('renders the images pinned by tag and digest', async () => {
    for (const env of ['minikube', 'gke']) {
      const objects = parseManifestStream(await renderOverlay(join(root, 'overlays', env)), env);
      const dep = objects.find((o) => o.kind === 'Deployment') as {
        spec: { template: { spec: { containers: { image: string }[] } } };
      };
      expect(dep.spec.template.spec.containers[0]?.image).toMatch(
        /^[^@]+\/score-api:[0-9a-f]{40}@sha256:[0-9a-f]{64}$/,
      );
    }
  });
});

describe('broken copies are reported at the source file and line', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyRepo();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  itKube(
    'a container without a readiness probe -> deploy/deployment.yaml at the container',
    async () => {
      const text = await edit(join(dir, 'deploy', 'deployment.yaml'), (t) =>
        t.replace(/^ {10}readinessProbe:\n(?: {12}.*\n)+/m, ''),
      );
      expect(text).not.toMatch(/^ {10}readinessProbe:/m);
      const { findings } = await lintRepositoryReport(dir, { actionlint: false });
      const probe = errorsOf(findings, 'probes/readiness');
      expect(probe).toHaveLength(1);
      expect(probe[0]).toMatchObject({
        file: 'deploy/deployment.yaml',
        line: lineOf(text, /^\s+- name: score-api$/, /^\s+containers:$/),
        severity: 'error',
      });
      expect(probe[0]?.message).toContain('overlays/gke, overlays/minikube');
      expect(findings.filter((f) => f.severity === 'error')).toHaveLength(1);
    },
  );

  itKube('an overlay pinning :latest -> the images entry of that overlay', async () => {
    const text = await edit(join(dir, 'overlays', 'minikube', 'kustomization.yaml'), (t) =>
      t.replace(/newTag: .*/, 'newTag: latest').replace(/^ {4}digest: .*\n/m, ''),
    );
    const { findings } = await lintRepositoryReport(dir, { actionlint: false });
    const where = {
      file: 'overlays/minikube/kustomization.yaml',
      line: lineOf(text, /^\s+- name: score-api$/, /^images:/),
    };
    expect(errorsOf(findings, 'image/latest')).toEqual([expect.objectContaining(where)]);
    expect(errorsOf(findings, 'image/digest')).toEqual([expect.objectContaining(where)]);
  });

  itKube('an overlay without a digest -> image/digest in that overlay only', async () => {
    const text = await edit(join(dir, 'overlays', 'gke', 'kustomization.yaml'), (t) =>
      t.replace(/^ {4}digest: .*\n/m, ''),
    );
    const { findings } = await lintRepositoryReport(dir, { actionlint: false });
    expect(findings.filter((f) => f.severity === 'error')).toEqual([
      expect.objectContaining({
        rule: 'image/digest',
        file: 'overlays/gke/kustomization.yaml',
        line: lineOf(text, /^\s+- name: score-api$/, /^images:/),
      }),
    ]);
  });

  itKube(
    'a schema error -> the field in deploy/, and a broken kustomization -> render/failed',
    async () => {
      const text = await edit(join(dir, 'deploy', 'deployment.yaml'), (t) =>
        t.replace('minReadySeconds: 10', 'minReadySeconds: ten'),
      );
      await edit(join(dir, 'argocd', 'kustomization.yaml'), (t) =>
        t.replace('- project.yaml', '- missing.yaml'),
      );
      const { findings } = await lintRepositoryReport(dir, { actionlint: false });
      expect(errorsOf(findings, 'schema/invalid')).toEqual([
        expect.objectContaining({
          file: 'deploy/deployment.yaml',
          line: lineOf(text, /minReadySeconds: ten/),
        }),
      ]);
      expect(errorsOf(findings, 'render/failed')).toEqual([
        expect.objectContaining({ file: 'argocd/kustomization.yaml', line: 1 }),
      ]);
    },
  );
});

describe('broken copies of the security objects are reported at the source file and line', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyRepo();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const errors = async () =>
    (await lintRepositoryReport(dir, { actionlint: false })).findings.filter(
      (f) => f.severity === 'error',
    );

  itKube(
    'a cluster-wide Namespace whitelist -> project/cluster-namespace in argocd/project.yaml',
    async () => {
      const text = await edit(join(dir, 'argocd', 'project.yaml'), (t) =>
        t.replace(
          'clusterResourceWhitelist: []',
          "clusterResourceWhitelist:\n    - group: ''\n      kind: Namespace",
        ),
      );
      expect(await errors()).toEqual([
        expect.objectContaining({
          rule: 'project/cluster-namespace',
          file: 'argocd/project.yaml',
          line: lineOf(text, /^ {4}- group: ''$/, /^ {2}clusterResourceWhitelist:$/),
        }),
      ]);
    },
  );

  itKube('CreateNamespace=true -> project/not-permitted at the Application', async () => {
    const text = await edit(join(dir, 'argocd', 'application-gke.yaml'), (t) =>
      t.replace('      - PruneLast=true', '      - PruneLast=true\n      - CreateNamespace=true'),
    );
    const [f, ...rest] = await errors();
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: 'project/not-permitted',
      file: 'argocd/application-gke.yaml',
      line: lineOf(text, /^ {4}syncOptions:$/),
    });
    expect(f?.message).toContain('does not permit Namespace');
  });

  itKube(
    'no NetworkPolicy -> network-policy/missing at the pod template, for both overlays',
    async () => {
      await edit(join(dir, 'deploy', 'kustomization.yaml'), (t) =>
        t.replace('  - networkpolicy.yaml\n', ''),
      );
      const text = await readFile(join(dir, 'deploy', 'deployment.yaml'), 'utf8');
      const [f, ...rest] = await errors();
      expect(rest).toEqual([]);
      expect(f).toMatchObject({
        rule: 'network-policy/missing',
        file: 'deploy/deployment.yaml',
        line: lineOf(text, /^ {2}template:$/),
      });
      expect(f?.message).toContain('(rendered by overlays/gke, overlays/minikube)');
    },
  );

  itKube(
    'a NetworkPolicy the project does not permit -> project/not-permitted at the policy',
    async () => {
      await edit(join(dir, 'argocd', 'project.yaml'), (t) =>
        t.replace('    - group: networking.k8s.io\n      kind: NetworkPolicy\n', ''),
      );
      const [f, ...rest] = await errors();
      expect(rest).toEqual([]);
      expect(f).toMatchObject({ rule: 'project/not-permitted', file: 'deploy/networkpolicy.yaml' });
      expect(f?.message).toContain(
        'NetworkPolicy/score-api is not permitted by AppProject/score-api',
      );
      expect(f?.message).toContain('(rendered by overlays/gke, overlays/minikube)');
    },
  );

  itKube('a namespace without Pod Security restricted -> namespace/pod-security', async () => {
    const text = await edit(join(dir, 'argocd', 'namespace.yaml'), (t) =>
      t.replace(
        'pod-security.kubernetes.io/enforce: restricted',
        'pod-security.kubernetes.io/enforce: baseline',
      ),
    );
    expect(await errors()).toEqual([
      expect.objectContaining({
        rule: 'namespace/pod-security',
        file: 'argocd/namespace.yaml',
        line: lineOf(text, /^ {2}labels:$/),
        message: expect.stringContaining('enforce: restricted'),
      }),
    ]);
  });

  itKube('a container keeping its capabilities -> security/capabilities in deploy/', async () => {
    const text = await edit(join(dir, 'deploy', 'deployment.yaml'), (t) =>
      t.replace(/^ {12}capabilities:\n {14}drop:\n {16}- ALL\n/m, ''),
    );
    expect(await errors()).toEqual([
      expect.objectContaining({
        rule: 'security/capabilities',
        file: 'deploy/deployment.yaml',
        line: lineOf(text, /^\s+- name: score-api$/, /^\s+containers:$/),
      }),
    ]);
  });

  itKube(
    'a GKE Ingress without TLS or redirect -> ingress rules in overlays/gke/ingress.yaml',
    async () => {
      const text = await edit(join(dir, 'overlays', 'gke', 'ingress.yaml'), (t) =>
        t.replace(/^ {4}networking\.gke\.io\/managed-certificates: .*\n/m, ''),
      );
      const annotations = lineOf(text, /^ {2}annotations:$/);
      expect(await errors()).toEqual([
        expect.objectContaining({
          rule: 'ingress/https',
          file: 'overlays/gke/ingress.yaml',
          line: annotations,
        }),
      ]);
      await edit(join(dir, 'overlays', 'gke', 'frontendconfig.yaml'), (t) =>
        t.replace('enabled: true', 'enabled: false'),
      );
      await edit(join(dir, 'overlays', 'gke', 'ingress.yaml'), (t) =>
        t.replace(
          '    networking.gke.io/v1beta1.FrontendConfig',
          '    networking.gke.io/managed-certificates: score-api\n    networking.gke.io/v1beta1.FrontendConfig',
        ),
      );
      expect((await errors()).map((f) => [f.rule, f.file])).toEqual([
        ['ingress/http-redirect', 'overlays/gke/ingress.yaml'],
      ]);
    },
  );

  it('a GKE job without its environment, an unused id-token grant, a PR job on the runner -> workflow rules', async () => {
    const promote = await edit(join(dir, '.github', 'workflows', 'promote.yml'), (t) =>
      t.replace(/^ {4}environment: gke\n/m, ''),
    );
    const ci = await edit(join(dir, '.github', 'workflows', 'ci.yml'), (t) =>
      t
        .replace(/(\n {2}lint:\n(?:.*\n)*? {4}permissions:\n)/, '$1      id-token: write\n')
        .replace(
          /(\n {2}test:\n(?:.*\n)*? {4})runs-on: ubuntu-latest/,
          '$1runs-on: [self-hosted, minikube]',
        ),
    );
    const findings = (await checkWorkflows(dir)).map((f) => [f.rule, f.file, f.line]);
    expect(findings).toEqual([
      ['workflow/id-token', '.github/workflows/ci.yml', lineOf(ci, /^ {2}lint:$/)],
      ['workflow/self-hosted-pull-request', '.github/workflows/ci.yml', lineOf(ci, /^ {2}test:$/)],
      [
        'workflow/gke-environment',
        '.github/workflows/promote.yml',
        lineOf(promote, /^ {2}promote:$/),
      ],
    ]);
  });
});

describe('workflows', () => {
  it('pass the workflow policy (pins, permissions, concurrency)', async () => {
    expect(await checkWorkflows(root)).toEqual([]);
  });

  itActionlint('pass actionlint', async () => {
    const res = await runActionlint(root, { binary: actionlint.path });
    expect(res.skipped).toBeUndefined();
    // A local action whose bundle is not built yet is reported by actionlint; that is the
    // bundle step's job (check-dist), so it is tolerated only while the bundle is really absent.
    const missingBundle = /^file "dist\/index\.cjs" does not exist in "(.+?)"/;
    const rest = res.findings.filter((f) => {
      const m = missingBundle.exec(f.message);
      if (f.rule === 'actionlint/action' && m && !existsSync(join(m[1]!, 'dist', 'index.cjs'))) {
        console.log(
          `NOTE ${f.file}:${f.line}: ${m[1]}/dist/index.cjs is not built yet (npm run bundle)`,
        );
        return false;
      }
      return true;
    });
    expect(rest).toEqual([]);
  });

  itActionlint('report actionlint problems with file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'actionlint-'));
    try {
      await mkdir(join(dir, '.github', 'workflows'), { recursive: true });
      await writeFile(
        join(dir, '.github', 'workflows', 'bad.yml'),
        [
          'on: push',
          'permissions: {}',
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-latest',
          '    permissions: {}',
          '    steps:',
          '      - run: echo ${{ github.nope }}',
          '',
        ].join('\n'),
      );
      const res = await runActionlint(dir, { binary: actionlint.path });
      expect(res.findings).toEqual([
        expect.objectContaining({
          file: '.github/workflows/bad.yml',
          line: 8,
          rule: 'actionlint/expression',
          severity: 'error',
        }),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
