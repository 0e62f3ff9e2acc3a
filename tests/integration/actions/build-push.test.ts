// The bundled build-push action against the real container engine (podman behind the Docker API) and
// the real registry on loopback: the digest it outputs must be the one the registry serves.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerEngineEnv } from '../../../gitops/adapters/container-engine.js';
import { SHARED_REGISTRY as REGISTRY, imageParts, needs } from '../../helpers/real-parts.js';
import { errors, runAction } from './run-action.js';

// The action finds the engine itself, as on a runner; only what the user set is passed through.
const userEngine = {
  DOCKER_HOST: process.env.DOCKER_HOST,
  DOCKER_CONTEXT: process.env.DOCKER_CONTEXT,
  DOCKER_API_VERSION: process.env.DOCKER_API_VERSION,
};

/** The digest the registry serves for name:tag (HEAD /v2/<name>/manifests/<tag>). */
async function registryDigest(name: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${REGISTRY}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ].join(', '),
    },
  });
  return res.ok ? res.headers.get('docker-content-digest') : null;
}

const withImages = needs(await imageParts());

let ws: string;
const builtTags: string[] = [];
afterAll(async () => {
  // Keep podman's vfs storage from growing with every run (the registry keeps the pushed copy).
  if (builtTags.length > 0) {
    await new Promise<void>((done) =>
      execFile('docker', ['rmi', '--force', ...builtTags], { env: containerEngineEnv() }, () =>
        done(),
      ),
    );
  }
});
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'build-push-'));
  // A tiny image that needs no base image (nothing can be pulled here).
  writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\nARG GREETING\nCOPY hello.txt /hello.txt\n');
  writeFileSync(join(ws, 'hello.txt'), `hello ${randomBytes(8).toString('hex')}\n`);
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

withImages.test(
  'builds, pushes both SHA tags and outputs the digest the registry confirms',
  async () => {
    const sha = randomBytes(20).toString('hex');
    const name = `actions-test/build-push-${sha.slice(0, 8)}`;
    const image = `${REGISTRY}/${name}`;
    const run = await runAction(
      'build-push',
      { image, 'build-args': 'GREETING=hi', network: 'host' },
      { workspace: ws, env: { ...userEngine, GITHUB_SHA: sha }, timeoutMs: 240_000 },
    );
    builtTags.push(`${image}:${sha}`, `${image}:${sha.slice(0, 7)}`);
    expect(errors(run)).toEqual([]);
    expect(run.code).toBe(0);
    const digest = run.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs.image).toBe(`${image}:${sha}@${digest}`);
    expect(run.outputs.tags).toBe(`${image}:${sha}\n${image}:${sha.slice(0, 7)}`);
    expect(await registryDigest(name, sha)).toBe(digest);
    expect(await registryDigest(name, sha.slice(0, 7))).toBe(digest);
    expect(run.summary).toContain(digest);
  },
  300_000,
);

withImages.test('bad input: exit code 1 naming it, and nothing pushed', async () => {
  const sha = randomBytes(20).toString('hex');
  const name = `actions-test/build-push-${sha.slice(0, 8)}`;
  const run = await runAction(
    'build-push',
    {
      image: `${REGISTRY}/${name}`,
      'build-args': 'not-a-pair',
      'registry-username': 'ci',
      'registry-password': 'pw-s3cret',
    },
    { workspace: ws, env: { ...userEngine, GITHUB_SHA: sha } },
  );
  expect(run.code).toBe(1);
  expect(run.stdout.split('\n')[0]).toBe('::add-mask::pw-s3cret');
  expect(run.commands.filter((c) => c.command === 'add-mask')).toHaveLength(1);
  expect(errors(run).map((e) => e.message)).toEqual([
    "build-args: line 1: expected KEY=VALUE with KEY matching [A-Za-z_][A-Za-z0-9_]*, got 'not-a-pair'",
  ]);
  expect(await registryDigest(name, sha)).toBeNull();
});
