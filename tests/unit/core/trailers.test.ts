import {
  TRAILER,
  formatBumpMessage,
  formatRevertMessage,
  gitopsAction,
  parseTrailers,
  shortDigest,
} from '../../../gitops/rules/trailers.js';

const SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const DIGEST = `sha256:abcd1234${'0'.repeat(56)}`;

describe('bump messages', () => {
  const message = formatBumpMessage({
    environment: 'minikube',
    image: 'score-api',
    ref: `127.0.0.1:5000/score-api:${SHA}@${DIGEST}`,
    tag: SHA,
    digest: DIGEST,
    sourceCommit: SHA,
    overlay: 'overlays/minikube',
  });

  it('has a subject naming environment, image, short tag and short digest', () => {
    expect(message.split('\n')[0]).toBe('deploy(minikube): score-api 1a2b3c4 (sha256:abcd1234…)');
  });

  it('round-trips its trailers', () => {
    expect(parseTrailers(message)).toEqual({
      [TRAILER.sourceCommit]: SHA,
      [TRAILER.digest]: DIGEST,
      [TRAILER.image]: `127.0.0.1:5000/score-api:${SHA}@${DIGEST}`,
      [TRAILER.imageName]: 'score-api',
      [TRAILER.environment]: 'minikube',
      [TRAILER.overlay]: 'overlays/minikube',
      [TRAILER.action]: 'bump',
    });
    expect(gitopsAction(message)).toBe('bump');
  });
});

describe('revert messages', () => {
  it('gives the reason and trailers, keeping a multi-line reason out of the trailers', () => {
    const message = formatRevertMessage({
      environment: 'minikube',
      image: 'score-api',
      revertedCommit: 'f'.repeat(40),
      revertedSubject: 'deploy(minikube): score-api 1a2b3c4 (sha256:abcd1234…)',
      sourceCommit: SHA,
      reason: 'readiness probe failed\nReverts: evil-injection',
    });
    expect(message.split('\n')[0]).toBe(
      'rollback(minikube): score-api 1a2b3c4: readiness probe failed',
    );
    expect(message).toContain(`This reverts commit ${'f'.repeat(40)}.`);
    expect(parseTrailers(message)).toEqual({
      [TRAILER.reverts]: 'f'.repeat(40),
      [TRAILER.rolledBackSource]: SHA,
      [TRAILER.environment]: 'minikube',
      [TRAILER.action]: 'revert',
    });
  });
});

describe('parseTrailers', () => {
  it('finds none in a subject-only message or when the last paragraph is prose', () => {
    expect(parseTrailers('fix: something')).toEqual({});
    expect(parseTrailers('fix: x\n\nThis changes: a lot of things\nand more')).toEqual({});
  });
  it('reads the last paragraph, last value wins, CRLF tolerated', () => {
    expect(parseTrailers('s\r\n\r\nbody\r\n\r\nA: 1\r\nB: two words\r\nA: 3\r\n')).toEqual({
      A: '3',
      B: 'two words',
    });
  });
  it('a commit by someone else has no gitops action', () => {
    expect(gitopsAction('edit overlay by hand\n\nSigned-off-by: A <a@b.c>')).toBeUndefined();
  });
  it('shortens digests for display', () => {
    expect(shortDigest(DIGEST)).toBe('sha256:abcd1234…');
  });
});
