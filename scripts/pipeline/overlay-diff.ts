/** The unified diff of an overlay's rendered manifests before and after the bump. */
import { unifiedDiff } from '../../gitops/rules/manifest-diff.js';

/** `--- a/<overlay> (rendered)` / `+++ b/<overlay> (rendered)` unified diff; '' when nothing changed. */
export async function overlayDiff(before: string, after: string, overlay: string): Promise<string> {
  return unifiedDiff(before, after, `a/${overlay} (rendered)`, `b/${overlay} (rendered)`);
}
