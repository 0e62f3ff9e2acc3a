import { InputError } from '../../../gitops/errors.js';
import {
  formatImageRef,
  isDigest,
  isValidTag,
  parseImageRef,
} from '../../../gitops/rules/image-ref.js';
import type { ImageRef } from '../../../gitops/rules/image-ref.js';
import { isCommitSha } from '../../../gitops/rules/names.js';

const D = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageRef: valid references', () => {
  const table: [string, ImageRef][] = [
    ['score-api', { repository: 'score-api' }],
    ['score-api:1.0', { repository: 'score-api', tag: '1.0' }],
    ['library/nginx:latest', { repository: 'library/nginx', tag: 'latest' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/app:v1', { registry: 'localhost:5000', repository: 'app', tag: 'v1' }],
    ['127.0.0.1:5000/score-api', { registry: '127.0.0.1:5000', repository: 'score-api' }],
    ['10.0.0.1/team/app:x', { registry: '10.0.0.1', repository: 'team/app', tag: 'x' }],
    [
      'ghcr.io/org/team/sub/app:sha-1',
      { registry: 'ghcr.io', repository: 'org/team/sub/app', tag: 'sha-1' },
    ],
    [
      'europe-docker.pkg.dev/proj/repo/score-api:abc',
      { registry: 'europe-docker.pkg.dev', repository: 'proj/repo/score-api', tag: 'abc' },
    ],
    [
      `reg.example.com:443/a/b@${D}`,
      { registry: 'reg.example.com:443', repository: 'a/b', digest: D },
    ],
    [`app:v1@${D}`, { repository: 'app', tag: 'v1', digest: D }],
    ['[::1]:5000/app:v2', { registry: '[::1]:5000', repository: 'app', tag: 'v2' }],
    ['a__b/c-d.e_f--g:T_ag.1-x', { repository: 'a__b/c-d.e_f--g', tag: 'T_ag.1-x' }],
    ['app:' + 'x'.repeat(128), { repository: 'app', tag: 'x'.repeat(128) }],
    // "team" has no '.' or ':' and is not localhost: it is part of the path (Docker Hub), not a registry.
    ['team/app', { repository: 'team/app' }],
  ];
  it.each(table)('%s', (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
    expect(formatImageRef(parseImageRef(ref))).toBe(ref);
  });
});

describe('parseImageRef: invalid references', () => {
  const table: [string, RegExp][] = [
    ['', /empty/],
    ['Score-API', /lowercase/],
    ['ghcr.io/Org/app', /lowercase/],
    ['app:' + 'x'.repeat(129), /at most 128/],
    ['app:-bad', /tag/],
    ['app:.bad', /tag/],
    ['app:b@d', /digest/],
    ['app@sha256:abc', /digest/],
    [`app@sha256:${'A'.repeat(64)}`, /lowercase hex/],
    [`app@md5:${'a'.repeat(32)}`, /sha256/],
    ['app name', /whitespace/],
    ['/app', /repository/],
    ['app/', /repository/],
    ['a//b', /repository/],
    ['reg.io/', /empty/],
    ['-reg.io/app', /host|repository/],
    ['app__-x', /repository/],
    ['a'.repeat(256), /at most 255/],
  ];
  it.each(table)('%j is rejected', (ref, why) => {
    let caught: unknown;
    try {
      parseImageRef(ref, '--image');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).input).toBe('--image');
    expect((caught as Error).message).toMatch(why);
    expect((caught as Error).message).toContain('--image');
  });
});

describe('isDigest / isCommitSha', () => {
  it('accepts only sha256 digests with 64 lowercase hex', () => {
    expect(isDigest(D)).toBe(true);
    expect(isDigest(D.toUpperCase())).toBe(false);
    expect(isDigest(D.slice(0, -1))).toBe(false);
    expect(isDigest(`sha512:${'a'.repeat(64)}`)).toBe(false);
  });
  it('accepts only 40 lowercase hex commit SHAs', () => {
    expect(isCommitSha('a'.repeat(40))).toBe(true);
    expect(isCommitSha('a'.repeat(39))).toBe(false);
    expect(isCommitSha('A'.repeat(40))).toBe(false);
    expect(isCommitSha('g'.repeat(40))).toBe(false);
  });
});

// The OCI distribution spec's tag grammar: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
describe('isValidTag / tags in references', () => {
  it.each(['1234567', '0123', '1e10000', '_x', 'A.b-c_D', 'v1.2.3', 'x'.repeat(128)])(
    '%s is a valid tag',
    (tag) => {
      expect(isValidTag(tag)).toBe(true);
      expect(parseImageRef(`app:${tag}`).tag).toBe(tag);
    },
  );

  it.each([
    ['', /tag/],
    ['.x', /must not start with '\.' or '-'/],
    ['-x', /must not start with '\.' or '-'/],
    ['x'.repeat(129), /at most 128/],
    ['v1+build', /\[A-Za-z0-9_.-\]/],
    ['v1~2', /\[A-Za-z0-9_.-\]/],
    ['caf\u00e9', /\[A-Za-z0-9_.-\]/],
    ['v1\n', /whitespace/],
  ])('%j is rejected with a message naming the rule', (tag, why) => {
    expect(isValidTag(tag)).toBe(false);
    let caught: unknown;
    try {
      parseImageRef(`app:${tag}`, '--image');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(why);
  });
});
