#!/usr/bin/env bash
# Fails when a committed action bundle (actions/<name>/dist/) is not what `npm run bundle` builds from
# the current sources: the check-dist habit of the official TypeScript action template, so a workflow
# never runs a stale dist/index.cjs. Rebuilds into a temp dir; the checked-in files are not touched.
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
for entry in actions/*/src/index.ts; do
  name=$(basename "$(dirname "$(dirname "$entry")")")
  fresh_dir="$tmp/$name/dist"
  committed_dir="actions/$name/dist"
  # Every freshly built file must exist and match byte for byte.
  while IFS= read -r -d '' fresh; do
    rel=${fresh#"$fresh_dir/"}
    committed="$committed_dir/$rel"
    if [ ! -f "$committed" ]; then
      problems+=("missing   $committed")
    elif ! cmp -s "$fresh" "$committed"; then
      problems+=("differs   $committed")
    elif $against_head && ! git show "HEAD:$committed" 2>/dev/null | cmp -s "$fresh" -; then
      problems+=("uncommitted $committed (HEAD has another version or none)")
    fi
  done < <(find "$fresh_dir" -type f -print0 | sort -z)
  # A file in dist/ that the build no longer produces is stale too.
  if [ -d "$committed_dir" ]; then
    while IFS= read -r -d '' committed; do
      rel=${committed#"$committed_dir/"}
      [ -f "$fresh_dir/$rel" ] || problems+=("extra     $committed")
    done < <(find "$committed_dir" -type f -print0 | sort -z)
  fi
done

if [ ${#problems[@]} -gt 0 ]; then
  echo "check-dist: the committed action bundles are not what the sources build:" >&2
  printf '  %s\n' "${problems[@]}" >&2
  echo "check-dist: run 'npm run bundle' and commit actions/*/dist/." >&2
  # On a runner, also an annotation on the run's page.
  [ "${GITHUB_ACTIONS:-}" = true ] &&
    echo "::error title=check-dist::${#problems[@]} committed action bundle file(s) are stale: run 'npm run bundle' and commit actions/*/dist/"
  exit 1
fi
count=$(find "$tmp" -type f | wc -l)
echo "check-dist: $count bundle(s) match their sources"
