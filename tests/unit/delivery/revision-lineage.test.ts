import {
  changedPins,
  judgeLiveRevision,
  pinnedDigests,
} from '../../../gitops/rules/revision-lineage.js';
import type { Pin } from '../../../gitops/rules/revision-lineage.js';

const BUMP = 'b'.repeat(40);
const LIVE = 'd'.repeat(40);
const pin = (digit: string, name = 'score-api'): Pin => ({
  name,
  newName: 'localhost:5000/score-api',
  newTag: digit.repeat(40),
  digest: `sha256:${digit.repeat(64)}`,
});

describe('judgeLiveRevision (which revision verify judges)', () => {
  it('follows the bump itself', () => {
    expect(judgeLiveRevision({ bump: BUMP, live: BUMP, relation: 'same' })).toMatchObject({
      state: 'follows',
      revision: BUMP,
    });
  });

  it('follows a descendant that pins the same images (a merge, the other environment, a promotion)', () => {
    const v = judgeLiveRevision({
      bump: BUMP,
      live: LIVE,
      relation: 'descendant',
      bumpPins: [pin('1')],
      livePins: [pin('1')],
    });
    expect(v).toMatchObject({ state: 'follows', revision: LIVE });
    expect(v.message).toContain('a descendant of bbbbbbbbbbbb that pins the same images');
  });

  it('calls a descendant that pins another digest superseded, naming both', () => {
    const v = judgeLiveRevision({
      bump: BUMP,
      live: LIVE,
      relation: 'descendant',
      bumpPins: [pin('1')],
      livePins: [pin('2')],
    });
    expect(v).toMatchObject({ state: 'superseded', revision: LIVE });
    expect(v.message).toContain(`score-api: sha256:${'1'.repeat(64)} -> sha256:${'2'.repeat(64)}`);
    // An image added beside it is another release too.
    expect(
      judgeLiveRevision({
        bump: BUMP,
        live: LIVE,
        relation: 'descendant',
        bumpPins: [pin('1')],
        livePins: [pin('1'), pin('3', 'sidecar')],
      }).state,
    ).toBe('superseded');
  });

  it.each([
    ['ancestor', 'an ancestor of'],
    ['unrelated', 'neither'],
    ['unknown', 'without the GitOps repository'],
  ] as const)('waits while Argo CD tracks an %s revision', (relation, says) => {
    const v = judgeLiveRevision({ bump: BUMP, live: LIVE, relation });
    expect(v.state).toBe('waiting');
    expect(v.message).toContain(says);
  });

  it('compares tag-only pins by name and tag, and lists digests', () => {
    const tagOnly = (tag: string): Pin => ({
      name: 'score-api',
      newName: 'r/score-api',
      newTag: tag,
    });
    expect(changedPins([tagOnly('a')], [tagOnly('a')])).toEqual([]);
    expect(changedPins([tagOnly('a')], [tagOnly('b')])).toEqual([
      'score-api: r/score-api:a -> r/score-api:b',
    ]);
    expect(pinnedDigests([pin('1'), tagOnly('a')])).toEqual([`sha256:${'1'.repeat(64)}`]);
  });
});
