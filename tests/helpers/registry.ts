// Launches real CNCF distribution registries (`docker-registry serve`) on free loopback ports, optionally
// with htpasswd basic auth, and pushes small test images into them over the real distribution API.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A registry process this test started; stop() kills it and removes its storage. */
export interface RegistryInstance {
  /** host:port, e.g. 127.0.0.1:41234 */
  addr: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something answers the distribution API at `url` (/v2/ with 200 or 401). */
export async function registryReachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 || res.status === 401;
  } catch {
    // A probe: not reachable (refused, timeout) is exactly the answer asked for.
    return false;
  }
}

function htpasswdLine(username: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('htpasswd', ['-Bbn', username, password], (err, stdout) => {
      if (err) reject(new Error(`htpasswd failed (apt-get install apache2-utils): ${err.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** Starts `docker-registry serve` on a free loopback port; with `htpasswd`, basic auth is required. */
export async function startRegistry(
  opts: { htpasswd?: { username: string; password: string } } = {},
): Promise<RegistryInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'gitops-registry-'));
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.htpasswd) {
    await writeFile(
      join(dir, 'htpasswd'),
      `${await htpasswdLine(opts.htpasswd.username, opts.htpasswd.password)}\n`,
    );
    auth = `auth:\n  htpasswd:\n    realm: gitops-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${addr}\n  secret: test-only-secret\n${auth}`;
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://${addr}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i += 1) {
    if (await registryReachable(url)) return { addr, url, process: child, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`registry on ${addr} did not start: ${stderr}`);
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** What pushTestImage pushed. */
export interface PushedImage {
  digest: string;
  manifest: string;
  mediaType: string;
}

/**
 * Pushes a tiny single-layer OCI image (config + one layer blob + manifest) to `url` as `repository:tag`
 * over the distribution API (blob upload + manifest PUT). `seed` makes the content (and digest) distinct.
 */
export async function pushTestImage(
  url: string,
  repository: string,
  tag: string,
  opts: { authorization?: string; seed?: string } = {},
): Promise<PushedImage> {
  const headers: Record<string, string> = opts.authorization
    ? { authorization: opts.authorization }
    : {};
  const layer = Buffer.from(`layer ${opts.seed ?? tag}\n`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  for (const blob of [layer, config]) {
    const start = await fetch(`${url}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers,
    });
    if (start.status !== 202)
      throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get('location') ?? '', url);
    location.searchParams.set('digest', sha256(blob));
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: blob,
    });
    if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  }
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(layer),
        size: layer.length,
      },
    ],
  });
  const res = await fetch(`${url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': mediaType },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`manifest put: ${res.status} ${await res.text()}`);
  return { digest: sha256(manifest), manifest, mediaType };
}

/** `skopeo inspect`'s view of an image's digest (an independent client). */
export function skopeoDigest(ref: string, creds?: string): Promise<string> {
  const args = ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`];
  if (creds) args.splice(1, 0, '--creds', creds);
  return new Promise((resolve, reject) => {
    execFile(
      'skopeo',
      args,
      { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`skopeo inspect ${ref}: ${stderr.toString()}`));
        // --raw prints the manifest bytes exactly as served: their sha256 is the digest skopeo would report.
        else resolve(sha256(stdout));
      },
    );
  });
}
