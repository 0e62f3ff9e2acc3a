// The embedded registry: when nothing answers at the address, the pipeline starts the real registry
// (`docker-registry serve`) detached, so later runs find it; when something answers, it is used as is.
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
import { needs, toolMissing } from '../../helpers/real-parts.js';
import { cleanupTemp, tempDir } from '../../helpers/git-fixture.js';

const pids: number[] = [];
afterAll(() => {
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  cleanupTemp();
});

const withRegistryBinary = needs({ 'docker-registry': toolMissing('docker-registry') });

withRegistryBinary.test(
  'starts docker-registry when nothing answers, reuses what answers',
  async () => {
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
  },
  60_000,
);

test('refuses a non-loopback address', async () => {
  await expect(startRegistry({ addr: '0.0.0.0:5999', dir: tempDir() })).rejects.toThrow(
    /only loopback/,
  );
});

withRegistryBinary.test(
  'refuses a taken port, and a registry already there',
  async () => {
    // A port held by something that is not a registry: docker-registry cannot bind and exits.
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as AddressInfo).port;
    try {
      await expect(
        startRegistry({ addr: `127.0.0.1:${port}`, dir: tempDir(), startTimeoutMs: 5000 }),
      ).rejects.toThrow(
        new RegExp(
          `docker-registry on 127\\.0\\.0\\.1:${port} did not start \\(exited with \\d+\\)`,
        ),
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
  },
  60_000,
);
