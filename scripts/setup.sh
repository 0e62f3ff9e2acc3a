#!/usr/bin/env bash
# One idempotent setup for a fresh Debian/Ubuntu machine and for every later run: npm packages,
# the container engine and registry (scripts/ci-env.sh), actionlint, and the local Node.js base images.
# Fast when everything is already there, so `npm run pipeline` and `npm test` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { [ "${SETUP_QUIET:-}" = 1 ] || echo "setup: $*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not `npm ci`: the npm registry reachable here serves only this platform's optional packages
  # (@swc/core-darwin-*, ... answer 404), so the lockfile cannot list every platform's and `npm ci`
  # refuses it as out of sync. `npm install` installs exactly the locked versions and leaves it unchanged.
  say "installing npm packages (npm install from package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
fi

if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
  # Without root we cannot install Debian packages: say what is missing and let the caller decide.
  for tool in podman docker-registry git; do
    command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool is missing: run 'sudo bash scripts/ci-env.sh' once" >&2; exit 1; }
  done
fi
bash scripts/ci-env.sh | { [ "${SETUP_QUIET:-}" = 1 ] && cat >/dev/null || cat; }

if [ -x scripts/install-actionlint.sh ] || [ -f scripts/install-actionlint.sh ]; then
  bash scripts/install-actionlint.sh >/dev/null
fi
if [ -f scripts/make-base-images.sh ]; then
  DOCKER_HOST=${DOCKER_HOST:-unix:///run/podman/podman.sock} DOCKER_API_VERSION=${DOCKER_API_VERSION:-1.41} \
    bash scripts/make-base-images.sh >/dev/null
fi
say "ready"
