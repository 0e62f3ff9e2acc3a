/** Commit messages of gitops bumps and reverts, and parsing of their `Key: value` trailers. */

/** Trailer keys the library writes and reads back to find its own commits. */
export const TRAILER = {
  action: 'Gitops-Action',
  sourceCommit: 'Source-Commit',
  digest: 'Image-Digest',
  /** The full image reference deployed (name:tag@digest). */
  image: 'Image',
  /** The kustomization `images[].name` the deployment pinned (e.g. score-api). */
  imageName: 'Image-Name',
  environment: 'Environment',
  overlay: 'Overlay',
  reverts: 'Reverts',
  rolledBackSource: 'Rolled-Back-Source',
  /** On a revert: the Gitops-Action of the change it undid (bump or promote). */
  revertedAction: 'Reverted-Action',
  /** On a revert of a promotion PR's merge commit: the promotion commit (the merge's second parent). */
  revertedPromotion: 'Reverted-Promotion',
  /** On a revert: the Image-Digest of the change it undid, so a guard can refuse that digest again. */
  rolledBackDigest: 'Rolled-Back-Digest',
} as const;

/** Trailers as key -> value; when a key repeats, the last value wins. */
export type Trailers = Record<string, string>;

/** What a bump commit message says. */
export interface BumpMessageInfo {
  environment: string;
  /** The kustomization image name (e.g. score-api). */
  image: string;
  /** Full image reference deployed, e.g. 127.0.0.1:5000/score-api:<tag>@sha256:... */
  ref: string;
  tag: string;
  digest: string;
  sourceCommit: string;
  overlay: string;
}

/** What a revert commit message says. */
export interface RevertMessageInfo {
  environment: string;
  image?: string;
  revertedCommit: string;
  revertedSubject: string;
  sourceCommit: string;
  reason: string;
  overlay?: string;
  /** The Gitops-Action of the reverted change ('bump' or 'promote'). */
  revertedAction?: string;
  /** For a merge commit: its first parent, the mainline the revert restores (`git revert -m 1`). */
  mainlineParent?: string;
  /** For a merge commit: the promotion commit it merged. */
  revertedPromotion?: string;
  /** The Image-Digest the reverted change had deployed. */
  digest?: string;
}

// A trailer value must stay on one line, or git would read the rest as a new paragraph.
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** `abcdef1` for a commit SHA, the tag unchanged otherwise. */
export function shortTag(tag: string): string {
  return /^[0-9a-f]{40}$/.test(tag) ? tag.slice(0, 7) : tag;
}

/** `sha256:abcd1234…` for display. */
export function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(':');
  return hex ? `${algo}:${hex.slice(0, 8)}…` : digest;
}

/** Formats trailers as `Key: value` lines in the given order. */
export function formatTrailers(trailers: Trailers): string {
  return Object.entries(trailers)
    .map(([k, v]) => `${k}: ${oneLine(v)}`)
    .join('\n');
}

/** The bump commit message: subject naming environment, image, tag and digest; body; trailers. */
export function formatBumpMessage(info: BumpMessageInfo): string {
  const subject = `deploy(${info.environment}): ${info.image} ${shortTag(info.tag)} (${shortDigest(info.digest)})`;
  const body = `Set image ${info.image} to ${info.ref} in ${info.overlay}.`;
  const trailers = formatTrailers({
    [TRAILER.sourceCommit]: info.sourceCommit,
    [TRAILER.digest]: info.digest,
    [TRAILER.image]: info.ref,
    [TRAILER.imageName]: info.image,
    [TRAILER.environment]: info.environment,
    [TRAILER.overlay]: info.overlay,
    [TRAILER.action]: 'bump',
  });
  return `${subject}\n\n${body}\n\n${trailers}\n`;
}

/** The revert commit message: subject with environment and source, body with the reason, trailers. */
export function formatRevertMessage(info: RevertMessageInfo): string {
  const reason = info.reason.trim();
  const firstLine = oneLine(reason.split('\n')[0] ?? '');
  const short = firstLine.length > 60 ? `${firstLine.slice(0, 59)}…` : firstLine;
  const what = info.image
    ? `${info.image} ${shortTag(info.sourceCommit)}`
    : shortTag(info.sourceCommit);
  const subject = `rollback(${info.environment}): ${what}: ${short}`;
  // git's own wording (with its merge variant), so `git log --grep`, GitHub and scripts that look for
  // "This reverts commit <sha>" recognise our reverts as well.
  const reverts = info.mainlineParent
    ? `This reverts commit ${info.revertedCommit}, reversing\nchanges made to ${info.mainlineParent}.`
    : `This reverts commit ${info.revertedCommit}.`;
  const body = [`Revert "${info.revertedSubject}"`, '', reverts, '', `Reason: ${reason}`].join(
    '\n',
  );
  const t: Trailers = {
    [TRAILER.reverts]: info.revertedCommit,
    [TRAILER.rolledBackSource]: info.sourceCommit,
    [TRAILER.environment]: info.environment,
  };
  if (info.overlay) t[TRAILER.overlay] = info.overlay;
  if (info.revertedAction) t[TRAILER.revertedAction] = info.revertedAction;
  if (info.revertedPromotion) t[TRAILER.revertedPromotion] = info.revertedPromotion;
  if (info.digest) t[TRAILER.rolledBackDigest] = info.digest;
  t[TRAILER.action] = 'revert';
  return `${subject}\n\n${body}\n\n${formatTrailers(t)}\n`;
}

/**
 * Parses the trailers of a commit message: the `Key: value` lines of its last paragraph (as
 * `git interpret-trailers --parse` would for our messages). A subject-only message has none.
 */
export function parseTrailers(message: string): Trailers {
  const paragraphs = splitParagraphs(message);
  if (paragraphs.length < 2) return {};
  return trailerParagraph(paragraphs[paragraphs.length - 1] ?? '') ?? {};
}

/**
 * Trailers of the trailing paragraphs that hold only trailers, merged (a later key wins). A squash merge
 * on GitHub copies our trailers from the commit or the PR description but may append its own
 * `Co-authored-by:` paragraph after them, which would hide ours from parseTrailers.
 */
export function parseTrailingTrailers(message: string): Trailers {
  const paragraphs = splitParagraphs(message);
  const blocks: Trailers[] = [];
  // The first paragraph is the subject, never trailers.
  for (let i = paragraphs.length - 1; i >= 1; i -= 1) {
    const block = trailerParagraph(paragraphs[i] ?? '');
    if (!block) break;
    blocks.unshift(block);
  }
  return Object.assign({}, ...blocks) as Trailers;
}

function splitParagraphs(message: string): string[] {
  return message
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n\s*\n/);
}

// The trailers of one paragraph, or undefined when a line of it is not a trailer.
function trailerParagraph(paragraph: string): Trailers | undefined {
  const lines = paragraph.split('\n').filter((l) => !l.startsWith('#'));
  const out: Trailers = {};
  let found = false;
  for (const line of lines) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    // git requires the whole paragraph to be trailers (continuation lines aside); so do we.
    if (!m) {
      if (/^\s/.test(line)) continue;
      return undefined;
    }
    out[m[1] as string] = (m[2] as string).trim();
    found = true;
  }
  return found ? out : undefined;
}

/** The Gitops-Action of a commit message ('bump', 'revert', ...) or undefined for other commits. */
export function gitopsAction(message: string): string | undefined {
  return parseTrailers(message)[TRAILER.action];
}
