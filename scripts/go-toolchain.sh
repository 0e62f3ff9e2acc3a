# shellcheck shell=bash
# Sourced by the scripts that build from Go modules: puts Go's usual install folders on PATH when
# `go` is not on it already (a login shell has /usr/local/go/bin; a clean environment may not).
# Sets GO_MISSING=1 when no Go toolchain is found; the caller says what to do.
GO_MISSING=0
if ! command -v go >/dev/null 2>&1; then
  for candidate in /usr/local/go/bin/go /usr/lib/go/bin/go; do
    if [[ -x "$candidate" ]]; then PATH="$(dirname "$candidate"):$PATH"; break; fi
  done
fi
command -v go >/dev/null 2>&1 || GO_MISSING=1
