#!/usr/bin/env bash
# Fails when a committed bundle (actions/<name>/dist/, dist/cli/) is not what `npm run bundle` builds from
# the current sources: the check-dist habit of the official TypeScript action template, so a workflow or
# the installed CLI never runs stale code. Rebuilds into a temp dir; the checked-in files are not touched.
# In CI the working tree is the commit; locally, --against-head also compares with the files in HEAD.
# Usage: bash scripts/check-dist.sh [--against-head]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
against_head=false
[ "${1:-}" = "--against-head" ] && against_head=true

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

node scripts/bundle.mjs --quiet --outdir-root "$tmp"

problems=()
# Every freshly built file must exist and match byte for byte.
while IFS= read -r -d '' fresh; do
  rel=${fresh#"$tmp/"}
  if [ ! -f "$rel" ]; then
    problems+=("missing   $rel")
  elif ! cmp -s "$fresh" "$rel"; then
    problems+=("differs   $rel")
  elif $against_head && ! git show "HEAD:$rel" 2>/dev/null | cmp -s "$fresh" -; then
    problems+=("uncommitted $rel (HEAD has another version or none)")
  fi
done < <(find "$tmp" -type f -print0 | sort -z)
# A file in a dist folder that the build no longer produces is stale too.
while IFS= read -r -d '' committed; do
  rel=${committed#./}
  [ -f "$tmp/$rel" ] || problems+=("extra     $rel")
done < <(find ./actions/*/dist ./dist/cli -type f -print0 2>/dev/null | sort -z)

if [ ${#problems[@]} -gt 0 ]; then
  echo "check-dist: the committed bundles are not what the sources build:" >&2
  printf '  %s\n' "${problems[@]}" >&2
  echo "check-dist: run 'npm run bundle' and commit actions/*/dist/ and dist/cli/." >&2
  # On a runner, also an annotation on the run's page.
  [ "${GITHUB_ACTIONS:-}" = true ] &&
    echo "::error title=check-dist::${#problems[@]} committed bundle file(s) are stale: run 'npm run bundle' and commit actions/*/dist/ and dist/cli/"
  exit 1
fi
count=$(find "$tmp" -type f | wc -l)
echo "check-dist: $count bundle file(s) match their sources"
