import { isGitUrl, GitError } from '../../../gitops/adapters/git.js';
import { maskCredentials } from '../../../gitops/rules/redact.js';

describe('maskCredentials', () => {
  it('hides the userinfo of URLs wherever they appear', () => {
    expect(
      maskCredentials('clone https://x-access-token:ghs_secret@github.com/o/r.git failed'),
    ).toBe('clone https://***@github.com/o/r.git failed');
    expect(maskCredentials('https://github.com/o/r.git')).toBe('https://github.com/o/r.git');
  });
  it('a GitError never carries the token from its command line or stderr', () => {
    const err = new GitError(
      ['push', 'https://bot:tok3n@example.com/r.git'],
      128,
      "fatal: unable to access 'https://bot:tok3n@example.com/r.git/': 403",
      '',
      '/tmp',
    );
    expect(err.message).not.toContain('tok3n');
    expect(err.message).toContain('403');
  });
});

describe('isGitUrl', () => {
  it.each([
    ['https://github.com/o/r.git', true],
    ['file:///tmp/remote.git', true],
    ['git@github.com:o/r.git', true],
    ['ssh://git@host/r', true],
    ['/tmp/remote.git', false],
    ['../gitops', false],
    ['C:/repo', false],
  ])('%s -> %s', (value, expected) => {
    expect(isGitUrl(value)).toBe(expected);
  });
});
