#!/usr/bin/env bash
# Builds the binaries of the local e2e cluster from their Go modules (through the Go module
# proxy) into .cache/bin/<name>-<version>/. A binary that already exists is not rebuilt, so a
# warm run costs nothing; the Go module and build caches (~/go/pkg/mod, ~/.cache/go-build) make
# a rebuild after a version bump incremental.
#
# usage: tests/e2e/cluster/build.sh [all|k8s|kwok|kustomize|argocd|act]...   (default: all; act is
#        built only when named: the workflow tests need it, the cluster does not)
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
read -r -a nice_cmd <<<"${NICE:-nice -n 19}"

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

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
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    if [[ -x "$out/$cmd" && -z "${FORCE:-}" ]]; then log "$cmd $K8S_VERSION present"; continue; fi
    (cd "$here/k8s" && timed "$cmd" "$K8S_VERSION" "${nice_cmd[@]}" go build -ldflags "$(k8s_ldflags)" \
      -o "$out/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd") && mv "$out/$cmd.tmp" "$out/$cmd"
  done
}

build_kwok() {
  local out="$cache/bin/kwok-$KWOK_VERSION"
  if [[ -x "$out/kwok" && -z "${FORCE:-}" ]]; then log "kwok $KWOK_VERSION present"; return; fi
  mkdir -p "$out"
  GOBIN="$out" timed kwok "$KWOK_VERSION" "${nice_cmd[@]}" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_kustomize() {
  local out="$cache/bin/kustomize-$KUSTOMIZE_VERSION"
  if [[ -x "$out/kustomize" && -z "${FORCE:-}" ]]; then log "kustomize $KUSTOMIZE_VERSION present"; return; fi
  mkdir -p "$out"
  GOBIN="$out" timed kustomize "$KUSTOMIZE_VERSION" "${nice_cmd[@]}" go install -ldflags "-s -w" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
}

build_argocd() {
  local out="$cache/bin/argocd-$ARGOCD_VERSION"
  if [[ -x "$out/argocd" && -z "${FORCE:-}" ]]; then log "argocd $ARGOCD_VERSION present"; return; fi
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
  case "$t" in
    all) build_k8s && build_kwok && build_kustomize && build_argocd ;;
    k8s) build_k8s ;;
    kwok) build_kwok ;;
    kustomize) build_kustomize ;;
    argocd) build_argocd ;;
    act) build_act ;;
    *) echo "build.sh: unknown target '$t' (expected all, k8s, kwok, kustomize, argocd or act)" >&2; exit 2 ;;
  esac
done
