// The embedded registry: when nothing answers at the address, the pipeline starts the real registry
// (`docker-registry serve`) detached, so later runs find it; when something answers, it is used as is.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  ensureRegistry,
  freePort,
  registryAnswers,
  startRegistry,
} from '../../../scripts/pipeline/registry-server.js';
import { cleanupTemp, tempDir } from '../../helpers/git-fixture.js';

const pids: number[] = [];
afterAll(() => {
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  cleanupTemp();
});

function hasRegistryBinary(): boolean {
  try {
    execFileSync('which', ['docker-registry'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // reported as the skip reason below
  }
}

test('starts docker-registry when nothing answers, reuses what answers', async () => {
  if (!hasRegistryBinary()) {
    console.log('skipped: docker-registry is not installed (run scripts/ci-env.sh)');
    return;
  }
  const addr = `127.0.0.1:${await freePort()}`;
  const dir = tempDir('pipeline-embedded-registry-');
  expect(await registryAnswers(addr)).toBe(false);

  const first = await ensureRegistry(addr, dir);
  expect(first.started).toBe(true);
  pids.push(first.pid as number);
  expect(await registryAnswers(addr)).toBe(true);
  expect(readFileSync(join(dir, 'registry.pid'), 'utf8').trim()).toBe(String(first.pid));
  expect(readFileSync(join(dir, 'config.yml'), 'utf8')).toContain(`addr: ${addr}`);

  expect(await ensureRegistry(addr, dir)).toEqual({ started: false });
}, 60_000);

test('refuses a non-loopback address, a taken port, and a registry already there', async () => {
  await expect(startRegistry({ addr: '0.0.0.0:5999', dir: tempDir() })).rejects.toThrow(
    /only loopback/,
  );
  if (!hasRegistryBinary()) return;
  // A port held by something that is not a registry: docker-registry cannot bind and exits.
  const holder = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const port = (holder.address() as AddressInfo).port;
  try {
    await expect(
      startRegistry({ addr: `127.0.0.1:${port}`, dir: tempDir(), startTimeoutMs: 5000 }),
    ).rejects.toThrow(
      new RegExp(`docker-registry on 127\\.0\\.0\\.1:${port} did not start \\(exited with \\d+\\)`),
    );
  } finally {
    await new Promise((r) => holder.close(r));
  }
  const taken = await startRegistry({ addr: `127.0.0.1:${await freePort()}`, dir: tempDir() });
  try {
    await expect(startRegistry({ addr: taken.addr, dir: tempDir() })).rejects.toThrow(
      /a registry already answers there/,
    );
  } finally {
    await taken.stop();
  }
}, 60_000);
