#!/usr/bin/env bash
# actions/checkout stand-in (see action.yml). Mirrors the real action's choices:
# - no `ref`: the event's SHA (github.sha), the local branch named after github.ref when it is a branch;
# - `ref` a branch: its tip, checked out as a local branch; a SHA: detached;
# - fetch-depth 1 (default) is shallow; 0 fetches everything;
# - persist-credentials: `http.<server>/.extraheader = AUTHORIZATION: basic base64(x-access-token:TOKEN)`.
set -euo pipefail
server="${GITHUB_SERVER_URL:?GITHUB_SERVER_URL is not set}"
repo="${INPUT_REPOSITORY:?repository is empty}"
url="${server%/}/${repo}.git"
dest="${GITHUB_WORKSPACE:?}/${INPUT_PATH}"
depth="${INPUT_FETCH_DEPTH:-1}"
[[ "$depth" =~ ^[0-9]+$ ]] || { echo "::error::checkout stand-in: fetch-depth must be a number, got '$depth'"; exit 1; }
header="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$INPUT_TOKEN" | base64 -w0)"
echo "::add-mask::$(printf 'x-access-token:%s' "$INPUT_TOKEN" | base64 -w0)"

mkdir -p "$dest"
cd "$dest"
# The workspace is fresh per job in act's host mode; a re-used one is emptied like the real action does.
find . -mindepth 1 -maxdepth 1 -exec rm -rf {} +
git init --quiet --initial-branch=stand-in-empty .
git remote add origin "$url"
git config --local gc.auto 0
depth_args=()
((depth > 0)) && depth_args=(--depth "$depth")
fetch() { git -c "http.${server%/}/.extraheader=$header" fetch --quiet --no-tags --prune "${depth_args[@]}" origin "$@"; }

ref="${INPUT_REF}"
if [[ -z "$ref" ]]; then
  ref="$EVENT_REF"
  sha="$EVENT_SHA"
elif [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
  sha="$ref"
  ref=""
else
  sha=""
fi
branch=""
case "$ref" in
  refs/heads/*) branch="${ref#refs/heads/}" ;;
  refs/*) ;;
  ?*) branch="$ref" ;;
esac

if [[ -n "$branch" ]]; then
  fetch "+refs/heads/$branch:refs/remotes/origin/$branch"
  if [[ -n "$sha" ]]; then
    # Like actions/checkout: the event's SHA on a local branch of the event's ref.
    git cat-file -e "$sha^{commit}" 2>/dev/null || fetch "$sha"
    git checkout --quiet -B "$branch" "$sha"
    git branch --quiet --set-upstream-to "origin/$branch" "$branch"
  else
    git checkout --quiet -B "$branch" "refs/remotes/origin/$branch"
  fi
else
  [[ -n "$sha" ]] || { echo "::error::checkout stand-in: cannot resolve ref '$INPUT_REF'"; exit 1; }
  fetch "$sha"
  git checkout --quiet --detach "$sha"
fi
git branch --quiet -D stand-in-empty 2>/dev/null || true

if [[ "${INPUT_PERSIST_CREDENTIALS}" == "true" ]]; then
  git config --local "http.${server%/}/.extraheader" "$header"
fi
echo "checkout stand-in: $url at $(git rev-parse HEAD) ($(git rev-parse --abbrev-ref HEAD)), depth ${depth}, persist-credentials ${INPUT_PERSIST_CREDENTIALS}"
