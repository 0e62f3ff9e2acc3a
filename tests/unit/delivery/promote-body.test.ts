import { MAX_PR_BODY } from '../../../gitops/adapters/github.js';
import { pullRequestBody } from '../../../gitops/flows/promote.js';

const info = {
  environment: 'gke',
  ref: 'europe-west1-docker.pkg.dev/p/c/score-api:abc@sha256:' + 'a'.repeat(64),
  digest: 'sha256:' + 'a'.repeat(64),
  sourceCommit: '1'.repeat(40),
  from: 'overlays/minikube',
  to: 'overlays/gke',
  baseCommit: '2'.repeat(40),
  base: 'main',
};

describe('pullRequestBody', () => {
  it('names the source commit, digest and base, and fences the diff', () => {
    const body = pullRequestBody({ ...info, diff: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n' });
    expect(body).toContain('1'.repeat(40));
    expect(body).toContain(info.digest);
    expect(body).toContain('2'.repeat(40));
    expect(body).toContain('```diff\n--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n```\n');
  });

  it('stays under GitHub’s body limit for a huge diff and says it was cut', () => {
    const diff =
      Array.from({ length: 20000 }, (_, i) => `+  line ${i} ${'x'.repeat(20)}`).join('\n') + '\n';
    const body = pullRequestBody({ ...info, diff });
    expect(body.length).toBeLessThanOrEqual(MAX_PR_BODY);
    expect(body).toContain('more lines not shown');
    expect(body).toContain('was cut to fit');
    expect(
      body
        .trimEnd()
        .split('\n')
        .filter((l) => l === '```').length,
    ).toBe(1);
  });

  it('uses a longer fence when the manifests contain backticks', () => {
    const body = pullRequestBody({
      ...info,
      diff: '+  README: |\n+    ```sh\n+    run\n+    ```\n',
    });
    expect(body).toContain('````diff\n');
    expect(body).toContain('\n````\n');
  });
});
