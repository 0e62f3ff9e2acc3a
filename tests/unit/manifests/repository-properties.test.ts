// Guards the delivery properties of the real manifests and workflows (read from the repository),
// so a change that weakens one of them fails here with the property's name.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const load = (rel: string): Any => parse(readFileSync(join(root, rel), 'utf8'));

const deployment = load('deploy/deployment.yaml');
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c: Any) => c.name === 'score-api');

describe('deploy/ base: Deployment', () => {
  it('rolls out with surge only (no capacity lost) and a progress deadline', () => {
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(deployment.spec.minReadySeconds).toBeGreaterThan(0);
    expect(deployment.spec.progressDeadlineSeconds).toBeGreaterThanOrEqual(60);
    expect(deployment.spec.progressDeadlineSeconds).toBeLessThanOrEqual(180);
    expect(deployment.spec.revisionHistoryLimit).toBeGreaterThan(0);
    // The HPA owns the replica count; a replicas field would make selfHeal fight it.
    expect(deployment.spec.replicas).toBeUndefined();
  });

  it('has startup, readiness (/readyz) and liveness (/healthz) probes that catch a bad release well before the deadline', () => {
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    const startupBudget =
      container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
    const readinessWindow =
      container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold;
    // A pod that never starts is killed, and one that starts is judged ready or not, in at most
    // half the progress deadline: the verifier sees failure well before Kubernetes gives up.
    expect(startupBudget + readinessWindow + deployment.spec.minReadySeconds).toBeLessThanOrEqual(
      deployment.spec.progressDeadlineSeconds / 2,
    );
  });

  it('gives the app longer than its drain delay to shut down', () => {
    const drainMs = Number(container.env.find((e: Any) => e.name === 'DRAIN_DELAY_MS').value);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs + 5000);
    expect(container.lifecycle?.preStop).toBeUndefined();
  });

  it('sets requests and limits', () => {
    for (const kind of ['requests', 'limits']) {
      expect(container.resources[kind].cpu).toBeDefined();
      expect(container.resources[kind].memory).toBeDefined();
    }
  });

  it('runs as uid 65532, non-root, read-only, without privileges, under RuntimeDefault seccomp', () => {
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('spreads pods, labels them, and mounts no service account token', () => {
    expect(pod.topologySpreadConstraints.map((t: Any) => t.topologyKey)).toEqual(
      expect.arrayContaining(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']),
    );
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'score-api',
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(load('deploy/serviceaccount.yaml').automountServiceAccountToken).toBe(false);
    expect(container.image).toBe('score-api');
  });

  it('ships a Service, a PodDisruptionBudget and an autoscaling/v2 HPA', () => {
    expect(load('deploy/service.yaml').kind).toBe('Service');
    expect(load('deploy/pdb.yaml')).toMatchObject({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
    });
    expect(load('deploy/hpa.yaml')).toMatchObject({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
    });
  });
});

describe('overlays', () => {
  const SHA = /^[0-9a-f]{40}$/;
  const DIGEST = /^sha256:[0-9a-f]{64}$/;

  it.each([
    ['minikube', 'localhost:5000/score-api'],
    ['gke', 'europe-west1-docker.pkg.dev/score-api-prod/containers/score-api'],
  ])('%s pins score-api by tag and digest', (env, newName) => {
    const k = load(`overlays/${env}/kustomization.yaml`);
    const image = k.images.find((i: Any) => i.name === 'score-api');
    expect(image.newName).toBe(newName);
    expect(image.newTag).toMatch(SHA);
    expect(image.digest).toMatch(DIGEST);
  });

  it('minikube runs one or two replicas behind a NodePort', () => {
    expect(load('overlays/minikube/hpa-range.yaml').spec).toMatchObject({
      minReplicas: 1,
      maxReplicas: 2,
    });
    expect(load('overlays/minikube/service-nodeport.yaml').spec.type).toBe('NodePort');
  });

  it('gke runs at least three replicas behind an Ingress health-checked on /readyz', () => {
    const hpa = load('overlays/gke/hpa-range.yaml').spec;
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
    expect(load('overlays/gke/backendconfig.yaml').spec.healthCheck.requestPath).toBe('/readyz');
    expect(
      load('overlays/gke/service-neg.yaml').metadata.annotations['cloud.google.com/backend-config'],
    ).toContain('score-api');
  });
});

describe('argocd/', () => {
  const project = load('argocd/project.yaml');

  it('bootstraps the namespace, the project, one Application per environment and the verify identity', () => {
    expect(load('argocd/kustomization.yaml').resources).toEqual([
      'namespace.yaml',
      'project.yaml',
      'application-minikube.yaml',
      'application-gke.yaml',
      'verify-access',
    ]);
  });

  it('creates the namespace under Pod Security restricted, and the project may touch no namespace', () => {
    const ns = load('argocd/namespace.yaml');
    for (const mode of ['enforce', 'audit', 'warn'])
      expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const kinds = project.spec.namespaceResourceWhitelist.map((e: Any) => `${e.group}/${e.kind}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'networking.k8s.io/NetworkPolicy',
        'networking.gke.io/ManagedCertificate',
        'networking.gke.io/FrontendConfig',
      ]),
    );
    expect(kinds.filter((k: string) => k.startsWith('rbac.'))).toEqual([]);
  });

  it('allows only this repository and the two destinations', () => {
    expect(project.spec.sourceRepos).toEqual(['https://github.com/OWNER/score-api-gitops.git']);
    expect(project.spec.destinations).toHaveLength(2);
  });

  it.each(['minikube', 'gke'])(
    '%s syncs automatically with prune, selfHeal and backoff retry into the bootstrapped namespace',
    (env) => {
      const app = load(`argocd/application-${env}.yaml`);
      expect(app.spec.project).toBe(project.metadata.name);
      expect(app.spec.source).toMatchObject({
        repoURL: project.spec.sourceRepos[0],
        path: `overlays/${env}`,
        targetRevision: 'main',
      });
      expect(project.spec.destinations).toContainEqual(app.spec.destination);
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      // The project may not create namespaces (argocd/namespace.yaml says why).
      expect(app.spec.syncPolicy.syncOptions).not.toContain('CreateNamespace=true');
      expect(app.spec.destination.namespace).toBe(load('argocd/namespace.yaml').metadata.name);
      expect(app.spec.syncPolicy.retry.limit).toBeGreaterThan(0);
      expect(app.spec.syncPolicy.retry.backoff).toMatchObject({
        duration: expect.any(String),
        factor: expect.any(Number),
      });
    },
  );
});

describe('argocd/clusters', () => {
  it.each(['minikube', 'gke'])(
    'registers the in-cluster API server as the %s destination',
    (env) => {
      const secret = load(`argocd/clusters/in-cluster-${env}.yaml`);
      expect(secret.metadata.labels['argocd.argoproj.io/secret-type']).toBe('cluster');
      expect(secret.stringData).toMatchObject({
        name: env,
        server: 'https://kubernetes.default.svc',
      });
      expect(load('argocd/project.yaml').spec.destinations).toContainEqual({
        name: env,
        namespace: 'score-api',
      });
    },
  );
});

describe('workflows', () => {
  const dir = join(root, '.github', 'workflows');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const workflows = Object.fromEntries(files.map((f) => [f, load(`.github/workflows/${f}`)]));
  const texts = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const stepsOf = (wf: Any): Any[] => Object.values(wf.jobs).flatMap((j: Any) => j.steps ?? []);

  it('has the four pipelines', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy.yml', 'e2e.yml', 'promote.yml']);
  });

  it.each(files)('%s grants nothing at the top and declares permissions on every job', (f) => {
    const top = workflows[f].permissions;
    expect(top === undefined).toBe(false);
    for (const level of Object.values(top ?? {})) expect(['read', 'none']).toContain(level);
    for (const [name, job] of Object.entries<Any>(workflows[f].jobs)) {
      expect([name, typeof job.permissions]).toEqual([name, 'object']);
    }
  });

  it.each(files)(
    '%s pins every third-party action by full commit SHA with a version comment',
    (f) => {
      const uses = [...texts[f]!.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(0);
      for (const [, ref, rest] of uses) {
        if (ref!.startsWith('./')) continue;
        expect(ref).toMatch(/^[\w.-]+\/[\w.-]+(\/[^@]+)?@[0-9a-f]{40}$/);
        expect(rest).toMatch(/#\s*v\d+\.\d+\.\d+/);
      }
    },
  );

  it('uses the project actions in CI, checks the bundles and builds without pushing', () => {
    const ci = workflows['ci.yml'];
    expect(Object.keys(ci.on)).toEqual(
      expect.arrayContaining(['pull_request', 'merge_group', 'push', 'workflow_call']),
    );
    const uses = stepsOf(ci).map((s) => s.uses);
    expect(uses).toEqual(
      expect.arrayContaining(['./actions/lint', './actions/test', './actions/build-push']),
    );
    // check-dist rebuilds and byte-compares every dist/ file, new (never committed) chunks included.
    expect(texts['ci.yml']).toContain('run: npm run check-dist');
    expect(stepsOf(ci).find((s) => s.uses === './actions/build-push').with.push).toBe('false');
    // A deploy's CI checks the commit it deploys (a workflow_dispatch may name an older one).
    for (const step of stepsOf(ci).filter((s) => String(s.uses).startsWith('actions/checkout@')))
      expect(step.with.ref).toBe('${{ inputs.ref }}');
  });

  it('deploy: the loop guard, the fast path, and one release at a time from bump to verify', () => {
    const deploy = workflows['deploy.yml'];
    expect(deploy.on.push.branches).toEqual(['main']);
    // Every change that reaches minikube is verified: overlays/minikube is not ignored.
    expect(deploy.on.push['paths-ignore']).toEqual(['overlays/gke/**', 'docs/**', '**/*.md']);
    expect(deploy.on.workflow_dispatch.inputs).toMatchObject({
      sha: { required: false },
      force: { type: 'boolean', default: false },
    });
    const jobs = deploy.jobs;
    expect(jobs.changes.if).toContain(
      "!contains(github.event.head_commit.message, 'Gitops-Action:')",
    );
    for (const name of ['ci', 'manifests', 'build', 'deploy'])
      expect([name, [jobs[name].needs].flat()]).toEqual([
        name,
        expect.arrayContaining(['changes']),
      ]);
    expect(jobs.ci.if).toContain("kind == 'source'");
    expect(jobs.build.if).toContain("kind == 'source'");
    expect(jobs.manifests.if).toContain("kind == 'overlays'");
    // The fast path runs the manifest checks alone.
    const lint = jobs.manifests.steps.find((s: Any) => s.uses === './actions/lint');
    expect(lint.with).toMatchObject({ eslint: 'false', typecheck: 'false', manifests: 'true' });
    // The deploy group covers bump and verify (one job), not CI or the build.
    expect(deploy.concurrency).toBeUndefined();
    expect(jobs.deploy.concurrency).toEqual({
      group: 'deploy-minikube',
      'cancel-in-progress': false,
    });
    for (const name of ['changes', 'ci', 'manifests', 'build'])
      expect(jobs[name].concurrency).toBeUndefined();
    expect(jobs.deploy['runs-on']).toEqual(['self-hosted', 'minikube']);
    const step = (uses: string): Any => jobs.deploy.steps.find((s: Any) => s.uses === uses);
    expect(step('./actions/bump-overlay').with).toMatchObject({
      overlay: 'overlays/minikube',
      digest: '${{ needs.build.outputs.digest }}',
      force: '${{ needs.changes.outputs.force }}',
    });
    expect(step('./actions/verify-rollout').with).toMatchObject({
      app: 'score-api-minikube',
      rollback: "${{ needs.changes.outputs.kind == 'source' }}",
    });
    // Verify (300 s) and the recovery after a revert (300 s) fit in the job's timeout.
    expect(jobs.deploy['timeout-minutes']).toBeGreaterThanOrEqual(15);
  });

  it.each([
    ['deploy.yml', 'deploy'],
    ['promote.yml', 'promote'],
    ['promote.yml', 'verify-gke'],
  ])(
    '%s %s pushes with a per-run GitHub App token when configured, else GITHUB_TOKEN',
    (f, job) => {
      const steps = workflows[f].jobs[job].steps;
      const app = steps.findIndex((s: Any) =>
        String(s.uses).startsWith('actions/create-github-app-token@'),
      );
      expect(app).toBe(0);
      expect(steps[app].if).toBe("${{ vars.GITOPS_APP_CLIENT_ID != '' }}");
      expect(steps[app].with['private-key']).toBe('${{ secrets.GITOPS_APP_PRIVATE_KEY }}');
      const checkout = steps.find((s: Any) => String(s.uses).startsWith('actions/checkout@'));
      expect(checkout.with.token).toBe('${{ steps.app-token.outputs.token || github.token }}');
    },
  );

  it('promote opens the PR after a healthy deploy and verifies GKE with Workload Identity Federation', () => {
    const promote = workflows['promote.yml'];
    expect(promote.on.workflow_run).toMatchObject({ workflows: ['deploy'], types: ['completed'] });
    expect(promote.on).toHaveProperty('workflow_dispatch');
    expect(promote.on.push.paths).toEqual(['overlays/gke/**']);
    expect(promote.jobs.promote.if).toContain("conclusion == 'success'");
    expect(promote.jobs.promote.if).toContain("github.ref == 'refs/heads/main'");
    expect(
      promote.jobs.promote.steps.find((s: Any) => s.uses === './actions/promote').with,
    ).toMatchObject({
      from: 'overlays/minikube',
      to: 'overlays/gke',
      // The kustomization entry's name, not a registry path.
      image: 'score-api',
    });
    // The registry login is a per-run auth file under RUNNER_TEMP, never `skopeo login`.
    expect(texts['promote.yml']).toContain('--authfile "$auth"');
    expect(texts['promote.yml']).not.toMatch(/skopeo login/);
    const auth = stepsOf(promote).filter((s) =>
      String(s.uses).startsWith('google-github-actions/auth@'),
    );
    expect(auth.length).toBeGreaterThan(0);
    for (const a of auth) {
      expect(Object.keys(a.with)).toEqual(
        expect.arrayContaining(['workload_identity_provider', 'service_account']),
      );
      expect(a.with).not.toHaveProperty('credentials_json');
    }
    const gke = promote.jobs['verify-gke'];
    expect(gke.permissions['id-token']).toBe('write');
    // Google Cloud access is scoped to the gke environment (branch policy: main).
    expect(promote.jobs.promote.environment).toBe('gke');
    expect(gke.environment).toBe('gke');
    // verify (600 s) plus the recovery after a revert (600 s) fit in the job's timeout.
    expect(gke['timeout-minutes']).toBeGreaterThanOrEqual(25);
    const verify = gke.steps.find((s: Any) => s.uses === './actions/verify-rollout');
    expect(verify.with.timeout).toBe('600');
    expect(verify.with.rollback).toContain(
      "!startsWith(github.event.head_commit.message, 'Revert ')",
    );
    // The automatic revert was verified by the run that pushed it.
    expect(gke.if).toContain(
      "!contains(github.event.head_commit.message, 'Gitops-Action: revert')",
    );
    expect(texts['promote.yml']).toContain('This reverts commit');
  });

  it('records each verify on GitHub around it, and a failed record never stops verify', () => {
    for (const [file, job] of [
      ['deploy.yml', 'deploy'],
      ['promote.yml', 'verify-gke'],
    ] as const) {
      const steps: Any[] = workflows[file].jobs[job].steps;
      const at = (pred: (s: Any) => boolean) => steps.findIndex(pred);
      const start = at((s) => s.uses === './actions/record-deploy' && s.with.phase === 'start');
      const verify = at((s) => s.uses === './actions/verify-rollout');
      const finish = at((s) => s.uses === './actions/record-deploy' && s.with.phase === 'finish');
      expect([start >= 0, start < verify, verify < finish]).toEqual([true, true, true]);
      expect(steps[start]['continue-on-error']).toBe(true);
      expect(steps[finish].if).toBe("${{ always() && steps.record.outcome == 'success' }}");
      expect(steps[finish].with.result).toBe('${{ steps.verify.outputs.result }}');
      expect(steps[verify].id).toBe('verify');
      expect(steps[start].id).toBe('record');
    }
  });

  it('grants each job exactly the scopes it needs; id-token only where Google credentials are used', () => {
    const read = { contents: 'read' };
    // record-deploy: the Deployment and commit statuses, and after a rollback the PR or issue.
    const record = {
      deployments: 'write',
      statuses: 'write',
      'pull-requests': 'write',
      issues: 'write',
    };
    const expected: Record<string, Record<string, unknown>> = {
      'ci.yml/lint': read,
      'ci.yml/test': read,
      'ci.yml/check-dist': read,
      'ci.yml/image': read,
      'deploy.yml/changes': read,
      'deploy.yml/ci': read,
      'deploy.yml/manifests': read,
      'deploy.yml/build': read,
      'deploy.yml/deploy': { contents: 'write', ...record },
      'promote.yml/promote': {
        contents: 'write',
        'pull-requests': 'write',
        statuses: 'read',
        'id-token': 'write',
      },
      'promote.yml/verify-gke': { contents: 'write', 'id-token': 'write', ...record },
      'e2e.yml/e2e': read,
    };
    const actual: Record<string, unknown> = {};
    for (const [f, wf] of Object.entries<Any>(workflows)) {
      for (const [name, job] of Object.entries<Any>(wf.jobs)) {
        actual[`${f}/${name}`] = job.permissions;
        const google = (job.steps ?? []).some((s: Any) =>
          String(s.uses).startsWith('google-github-actions/'),
        );
        expect([`${f}/${name}`, job.permissions['id-token'] === 'write']).toEqual([
          `${f}/${name}`,
          google,
        ]);
      }
    }
    expect(actual).toEqual(expected);
  });

  it('has a concurrency group per environment', () => {
    expect(workflows['deploy.yml'].jobs.deploy.concurrency.group).toBe('deploy-minikube');
    expect(workflows['promote.yml'].jobs.promote.concurrency.group).toBe('promote-gke');
    expect(workflows['promote.yml'].jobs['verify-gke'].concurrency.group).toBe('verify-gke');
    expect(workflows['e2e.yml'].concurrency.group).toBe('e2e');
  });

  it('e2e runs nightly and on demand, and asserts the automatic rollback', () => {
    const e2e = workflows['e2e.yml'];
    expect(e2e.on).toHaveProperty('workflow_dispatch');
    expect(e2e.on.schedule[0].cron).toBeDefined();
    expect(e2e.env.ARGOCD_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(texts['e2e.yml']).toContain('test "$RESULT" = rolled-back');
    expect(texts['e2e.yml']).toContain('CORRUPT_MODEL=true');
  });
});
