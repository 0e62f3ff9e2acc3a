/**
 * Which revision verify judges when Argo CD tracks another one than the bump commit. Commits land on the
 * branch while a release rolls out (a PR merge, the other environment's bump, a promotion), so Argo CD may
 * go straight to a descendant of the bump. That descendant still releases the bump when it pins the same
 * images in the Application's overlay; if it pins others, a newer bump replaced this one: the release is
 * superseded, and judging (or reverting) it is the newer release's verification's job.
 */

/** How the revision Argo CD tracks relates to the bump commit in the branch's history. */
export type Relation = 'same' | 'descendant' | 'ancestor' | 'unrelated' | 'unknown';

/** One `images:` entry of a kustomization: what the overlay pins for an image name. */
export interface Pin {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export type LineageVerdict =
  /** Judge the release at `revision` (the bump itself, or a descendant that pins the same images). */
  | { state: 'follows'; revision: string; message: string }
  | { state: 'superseded'; revision: string; message: string }
  | { state: 'waiting'; message: string };

const short = (rev: string): string => rev.slice(0, 12);

function describePin(p: Pin | undefined): string {
  if (!p) return '(not pinned)';
  return p.digest ?? `${p.newName ?? p.name}:${p.newTag ?? '(no tag)'}`;
}

/** The entries whose pin differs between `a` and `b`, by image name (digest when pinned, else name and tag). */
export function changedPins(a: readonly Pin[], b: readonly Pin[]): string[] {
  const key = (p: Pin | undefined): string =>
    p ? (p.digest ?? `${p.newName ?? p.name}:${p.newTag ?? ''}`) : '';
  const names = new Set([...a, ...b].map((p) => p.name));
  const changed: string[] = [];
  for (const name of [...names].sort()) {
    const x = a.find((p) => p.name === name);
    const y = b.find((p) => p.name === name);
    if (key(x) !== key(y)) changed.push(`${name}: ${describePin(x)} -> ${describePin(y)}`);
  }
  return changed;
}

/** The digests a list of pins names (for the Deployment's pod template check). */
export function pinnedDigests(pins: readonly Pin[]): string[] {
  return pins.map((p) => p.digest).filter((d): d is string => typeof d === 'string');
}

/**
 * Judges the revision Argo CD tracks (`live`) against the bump commit. `bumpPins`/`livePins` are the
 * overlay's images at each revision; they are needed only for a descendant.
 */
export function judgeLiveRevision(input: {
  bump: string;
  live: string | undefined;
  relation: Relation;
  bumpPins?: readonly Pin[];
  livePins?: readonly Pin[];
}): LineageVerdict {
  const { bump, live, relation } = input;
  if (!live) return { state: 'waiting', message: 'Argo CD tracks no revision yet' };
  if (relation === 'same' || live === bump) {
    return { state: 'follows', revision: bump, message: `Argo CD tracks ${short(bump)}` };
  }
  if (relation === 'ancestor') {
    return {
      state: 'waiting',
      message: `Argo CD still tracks ${short(live)}, an ancestor of ${short(bump)}`,
    };
  }
  if (relation === 'unrelated') {
    return {
      state: 'waiting',
      message: `Argo CD tracks ${short(live)}, which is neither ${short(bump)} nor a descendant of it`,
    };
  }
  if (relation === 'unknown' || !input.bumpPins || !input.livePins) {
    return {
      state: 'waiting',
      message: `Argo CD tracks ${short(live)}, not ${short(bump)}; without the GitOps repository (--repo) its lineage cannot be checked`,
    };
  }
  const changed = changedPins(input.bumpPins, input.livePins);
  if (changed.length === 0) {
    return {
      state: 'follows',
      revision: live,
      message: `Argo CD tracks ${short(live)}, a descendant of ${short(bump)} that pins the same images`,
    };
  }
  return {
    state: 'superseded',
    revision: live,
    message: `${short(live)}, a descendant of ${short(bump)}, pins other images (${changed.join('; ')}): a newer release replaced this one`,
  };
}
