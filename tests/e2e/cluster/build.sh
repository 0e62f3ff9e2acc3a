#!/usr/bin/env bash
# Builds the binaries of the local e2e cluster from their Go modules (through the Go module
# proxy) into .cache/bin/<name>-<version>/. A binary that already exists is not rebuilt, so a
# warm run costs nothing; the Go module and build caches (~/go/pkg/mod, ~/.cache/go-build) make
# a rebuild after a version bump incremental.
#
# usage: tests/e2e/cluster/build.sh [TARGET]...   (default: all)
#   all        = the targets in ALL_TARGETS below (what the cluster needs)
#   k8s        kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy
#   pause      the node's sandbox program (pause/main.go, static)
#   kustomize  the kustomize Argo CD's repo server runs
#   argocd     argocd-repo-server + argocd-application-controller (one binary)
#   act        nektos/act (not in all: the workflow tests need it, the cluster does not)
# A target is a function build_<name>; adding one is adding a function (and, if the cluster needs
# it, its name to ALL_TARGETS).
# env:   GOFLAGS (default "-p=2 -buildvcs=false"), NICE (default "nice -n 19"), FORCE=1 rebuilds.
# Every build appends "<time> <component> <version> wall=… cpu=… rc=…" to .cache/logs/build-times.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
source "$here/versions.env"
cache="${E2E_CLUSTER_CACHE:-$root/.cache}"
logs="$cache/logs"
mkdir -p "$cache/bin" "$logs"
export GOFLAGS="${GOFLAGS:--p=2 -buildvcs=false}"
# shellcheck source=scripts/go-toolchain.sh
source "$root/scripts/go-toolchain.sh"
if ((GO_MISSING)); then
  echo "build.sh: no Go toolchain (go on PATH, /usr/local/go/bin or /usr/lib/go/bin); install Go 1.22 or newer" >&2
  exit 3
fi
read -r -a nice_cmd <<<"${NICE:-nice -n 19}"

ALL_TARGETS=(k8s pause kustomize argocd)
K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# present <path> <what>: true (and says so) when the binary exists and FORCE is not set.
present() {
  if [[ -x "$1" && -z "${FORCE:-}" ]]; then
    log "$2 present"
    return 0
  fi
  return 1
}

# timed <component> <version> <command...>: runs the build, records its wall and CPU (user+sys) time.
# CPU seconds matter on this shared machine: wall time depends on the load of other jobs, while
# CPU seconds / 2 is about the wall time on an idle 2-core CI runner.
timed() {
  local component="$1" version="$2" start rc=0 cpu="?" tf
  shift 2
  start=$(date +%s)
  log "building $component $version: $*"
  if [[ -x /usr/bin/time ]]; then
    tf="$(mktemp)"
    /usr/bin/time -f '%U %S' -o "$tf" "$@" || rc=$?
    cpu="$(awk 'END { if (NF >= 2) printf "%d", $(NF-1) + $NF }' "$tf")"
    rm -f "$tf"
  else
    "$@" || rc=$?
  fi
  local secs=$(($(date +%s) - start))
  printf '%s %s %s wall=%ss cpu=%ss rc=%s load1=%s\n' "$(date -u +%FT%TZ)" "$component" "$version" "$secs" "$cpu" "$rc" \
    "$(cut -d' ' -f1 /proc/loadavg)" >>"$logs/build-times.log"
  log "$component $version: rc=$rc in ${secs}s (cpu ${cpu}s)"
  return "$rc"
}

k8s_ldflags() {
  local v="${K8S_VERSION#v}"
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  # Without these the API server reports v0.0.0-master, which clients (kubectl, Argo CD) reject or warn about.
  echo "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

build_k8s() {
  local out="$cache/bin/kubernetes-$K8S_VERSION" cmd
  mkdir -p "$out"
  for cmd in "${K8S_COMMANDS[@]}"; do
    present "$out/$cmd" "$cmd $K8S_VERSION" && continue
    (cd "$here/k8s" && timed "$cmd" "$K8S_VERSION" "${nice_cmd[@]}" go build -ldflags "$(k8s_ldflags)" \
      -o "$out/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd") && mv "$out/$cmd.tmp" "$out/$cmd"
  done
}

# Static (no cgo): the image is FROM scratch, with no C library to link against.
build_pause() {
  local out="$cache/bin/pause-$PAUSE_VERSION"
  present "$out/pause" "pause $PAUSE_VERSION" && return
  mkdir -p "$out"
  (cd "$here/pause" && CGO_ENABLED=0 timed pause "$PAUSE_VERSION" "${nice_cmd[@]}" go build -ldflags "-s -w" \
    -o "$out/pause.tmp" .) && mv "$out/pause.tmp" "$out/pause"
}

build_kustomize() {
  local out="$cache/bin/kustomize-$KUSTOMIZE_VERSION"
  present "$out/kustomize" "kustomize $KUSTOMIZE_VERSION" && return
  mkdir -p "$out"
  GOBIN="$out" timed kustomize "$KUSTOMIZE_VERSION" "${nice_cmd[@]}" go install -ldflags "-s -w" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
}

build_argocd() {
  local out="$cache/bin/argocd-$ARGOCD_VERSION"
  present "$out/argocd" "argocd $ARGOCD_VERSION" && return
  mkdir -p "$out"
  (cd "$here/argocd-build" && timed argocd "$ARGOCD_VERSION" "${nice_cmd[@]}" go build \
    -ldflags "-s -w -X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD_VERSION#v}" \
    -o "$out/argocd.tmp" github.com/argoproj/argo-cd/v3/cmd) && mv "$out/argocd.tmp" "$out/argocd"
  # The binary picks its personality from argv[0].
  ln -sf argocd "$out/argocd-application-controller"
  ln -sf argocd "$out/argocd-repo-server"
}

# nektos/act runs the project's .github/workflows on this machine (tests/workflows). Built like the
# cluster binaries, from its module through the proxy, into .cache/bin/act-<version>/act.
build_act() {
  local out="$cache/bin/act-$ACT_VERSION"
  if [[ -x "$out/act" && -z "${FORCE:-}" ]]; then log "act $ACT_VERSION present"; return; fi
  mkdir -p "$out"
  GOBIN="$out" timed act "$ACT_VERSION" "${nice_cmd[@]}" go install -ldflags "-s -w" "github.com/nektos/act@$ACT_VERSION"
}

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(all)
for t in "${targets[@]}"; do
  if [[ "$t" == all ]]; then
    for a in "${ALL_TARGETS[@]}"; do "build_$a"; done
  elif declare -F "build_$t" >/dev/null; then
    "build_$t"
  else
    known="$(declare -F | awk '$3 ~ /^build_/ { sub(/^build_/, "", $3); printf "%s ", $3 }')"
    echo "build.sh: unknown target '$t' (expected all or one of: ${known% })" >&2
    exit 2
  fi
done
