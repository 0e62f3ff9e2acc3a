#!/usr/bin/env bash
# shellcheck disable=SC2086 # $SUDO is empty or "sudo -n": split into words on purpose
# The machine-wide parts the tests, the benches, the pipeline and the e2e step use, on Debian/Ubuntu:
# Debian packages (podman serving the Docker API, the CNCF registry, buildah, skopeo, apache2-utils,
# etcd, redis, ...), podman's configuration, podman's Docker API service and the registry on
# 127.0.0.1:5000. Installs only what is missing and starts only what is not running, one line each.
# What it cannot fix itself (no root, no apt-get, a port taken, a tool no Debian package provides) is
# checked first: every problem is printed with what to do, and it stops before changing anything.
# Why each podman setting: /work/shared/environment.md (crun and overlay do not work on these
# machines; podman refuses plain HTTP to a registry not listed as insecure).
# Usage: bash scripts/ci-env.sh [--dry-run]   (--dry-run: print what it would do, change nothing)
# Env:   SETUP_QUIET=1 hides the lines that say all is in place (never what is installed or started).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/container-engine.sh
. scripts/container-engine.sh

REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
REGISTRY_CONFIG=/etc/docker-registry-ci.yml
dry_run=false
[ "${1:-}" = --dry-run ] && dry_run=true
say() { [ "${SETUP_QUIET:-}" = 1 ] || echo "setup: $*"; }
tell() { echo "setup: $*"; }

# command:Debian package, for everything the tests, benches, pipeline and e2e step run.
TOOLS=(
  podman:podman runc:runc buildah:buildah skopeo:skopeo docker-registry:docker-registry
  git:git curl:curl ss:iproute2 openssl:openssl htpasswd:apache2-utils ab:apache2-utils
  etcd:etcd-server redis-server:redis-server redis-cli:redis-tools python3:python3
)
packages=()
for pair in "${TOOLS[@]}"; do
  if ! command -v "${pair%%:*}" >/dev/null 2>&1 && [[ " ${packages[*]} " != *" ${pair#*:} "* ]]; then
    packages+=("${pair#*:}")
  fi
done

# The files podman reads: written only when their content differs, so that a machine already set up
# needs no root and a podman command running meanwhile never reads a half-written file.
CONTAINERS_CONF='[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"'
STORAGE_CONF='[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"'
REGISTRIES_CONF="[[registry]]
location = \"$REGISTRY_ADDR\"
insecure = true"
REGISTRY_YML="version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/registry-ci
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR"
CONFIGS=(
  "/etc/containers/containers.conf" "$CONTAINERS_CONF"
  "/etc/containers/storage.conf" "$STORAGE_CONF"
  "/etc/containers/registries.conf.d/50-local.conf" "$REGISTRIES_CONF"
  "$REGISTRY_CONFIG" "$REGISTRY_YML"
)
stale_configs=()
for ((i = 0; i < ${#CONFIGS[@]}; i += 2)); do
  [ "$(cat "${CONFIGS[i]}" 2>/dev/null)" = "${CONFIGS[i + 1]}" ] || stale_configs+=("${CONFIGS[i]}")
done

# With bash's /dev/tcp, not curl: curl may be one of the packages still to install.
port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
registry_answers() {
  local status
  # shellcheck disable=SC2016 # expanded by the inner bash
  status=$(
    timeout 3 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}" && printf "GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && head -n 1 <&3' _ "$1" 2>/dev/null
  ) || return 1
  [[ "$status" =~ ^HTTP/[0-9.]+\ (200|401) ]]
}
# Before curl is installed this says no: podman's service is then started after the install.
engine_answers() {
  [ -S "$PODMAN_SOCK" ] && curl -fsS --max-time 5 --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1
}
holder_of() { ss -Hltnp "sport = :${1##*:}" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 | sed 's/users:(("\([^"]*\)",pid=\([0-9]*\)/\1 (pid \2)/'; }

start_engine=false
engine_answers || start_engine=true
start_registry=false
registry_answers "$REGISTRY_ADDR" || start_registry=true

# --- what cannot be fixed here: all of it printed, then stop --------------------------------------
problems=()
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
fi
needs_root=()
((${#packages[@]} == 0)) || needs_root+=("install ${packages[*]}")
((${#stale_configs[@]} == 0)) || needs_root+=("write ${stale_configs[*]}")
$start_engine && needs_root+=("start podman's Docker API on $PODMAN_SOCK")
if [ "$SUDO" = none ] && [ -S "$PODMAN_SOCK" ] && [ ! -w "$PODMAN_SOCK" ]; then
  problems+=("podman's Docker API socket $PODMAN_SOCK is root's, and this user ($(id -un)) cannot use it.
    Do: run the commands as root (as CI does), or give this user access to the socket, then run again.")
elif [ "$SUDO" = none ] && ((${#needs_root[@]})); then
  problems+=("not root and no passwordless sudo, but setup must $(printf '%s; ' "${needs_root[@]}" | sed 's/; $//').
    Do: run 'sudo bash scripts/setup.sh' once (later runs need no root), then run the command again.")
fi
if ((${#packages[@]})) && ! command -v apt-get >/dev/null 2>&1; then
  problems+=("missing: ${packages[*]} (Debian package names), and this machine has no apt-get.
    Do: install them with this system's package manager (the setup is made for Debian 12 / Ubuntu), then run again.")
fi
if ! command -v docker >/dev/null 2>&1; then
  problems+=("the docker CLI is missing (the tests and the pipeline drive podman through it). Setup does not install it: Debian's docker.io would bring a Docker daemon along.
    Do: install Docker's docker-ce-cli (https://docs.docker.com/engine/install/debian/), then run again.")
fi
if ! command -v kubectl >/dev/null 2>&1 && ! command -v kustomize >/dev/null 2>&1; then
  problems+=("neither kubectl nor kustomize is installed (the lint, the pipeline and the tests render the overlays with Kustomize).
    Do: install kubectl (https://kubernetes.io/docs/tasks/tools/; it includes Kustomize) or kustomize v5, then run again.")
fi
# shellcheck source=scripts/go-toolchain.sh
. scripts/go-toolchain.sh
if ((GO_MISSING)); then
  problems+=("Go is missing (actionlint and the e2e cluster are built from their Go modules; Debian's golang-go 1.19 is too old).
    Do: install Go 1.22 or newer (https://go.dev/doc/install), then run again.")
fi
if $start_registry && port_open "$REGISTRY_ADDR"; then
  holder=$(holder_of "$REGISTRY_ADDR")
  problems+=("$REGISTRY_ADDR is taken by ${holder:-another process}, which does not answer as an image registry (GET /v2/); the tests and the pipeline need the registry there.
    Do: stop that process (see: ss -ltnp 'sport = :${REGISTRY_ADDR##*:}'), then run again.")
fi
if ((${#problems[@]})); then
  for p in "${problems[@]}"; do echo "setup: cannot continue: $p" >&2; done
  exit 1
fi
[ "$SUDO" = none ] && SUDO=""

# --- install, configure, start ---------------------------------------------------------------------
if $dry_run; then
  ((${#packages[@]} == 0)) || tell "would install (apt-get): ${packages[*]}"
  ((${#stale_configs[@]} == 0)) || tell "would write ${stale_configs[*]}"
  $start_engine && tell "would start podman's Docker API on unix://$PODMAN_SOCK"
  $start_registry && tell "would start the image registry on $REGISTRY_ADDR"
  exit 0
fi

if ((${#packages[@]})); then
  tell "installing Debian packages: ${packages[*]} (apt-get; a minute or two)"
  apt="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=300"
  $apt update >/dev/null
  $apt install -y "${packages[@]}" >/dev/null
fi

for ((i = 0; i < ${#CONFIGS[@]}; i += 2)); do
  file=${CONFIGS[i]}
  [[ " ${stale_configs[*]} " == *" $file "* ]] || continue
  tell "writing $file"
  $SUDO mkdir -p "$(dirname "$file")"
  printf '%s\n' "${CONFIGS[i + 1]}" | $SUDO tee "$file.tmp.$$" >/dev/null
  $SUDO mv -f "$file.tmp.$$" "$file"
done

# setsid: the services outlive this script and the process group of whatever started it.
if engine_answers; then
  say "podman's Docker API answers on unix://$PODMAN_SOCK"
else
  tell "starting podman's Docker API on unix://$PODMAN_SOCK (log /tmp/podman-service.log)"
  $SUDO mkdir -p "$(dirname "$PODMAN_SOCK")"
  setsid $SUDO podman system service --time=0 "unix://$PODMAN_SOCK" </dev/null >/tmp/podman-service.log 2>&1 &
  for _ in $(seq 1 50); do engine_answers && break; sleep 0.2; done
  engine_answers || { echo "setup: podman's Docker API did not start (see /tmp/podman-service.log)" >&2; exit 1; }
fi

if $start_registry; then
  tell "starting the image registry on $REGISTRY_ADDR (storage /var/lib/registry-ci, log /tmp/registry.log)"
  setsid $SUDO docker-registry serve "$REGISTRY_CONFIG" </dev/null >/tmp/registry.log 2>&1 &
  for _ in $(seq 1 50); do registry_answers "$REGISTRY_ADDR" && break; sleep 0.2; done
  registry_answers "$REGISTRY_ADDR" || { echo "setup: the registry did not start on $REGISTRY_ADDR (see /tmp/registry.log)" >&2; exit 1; }
else
  say "the image registry answers on $REGISTRY_ADDR"
fi
