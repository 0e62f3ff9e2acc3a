#!/usr/bin/env bash
# Installs and starts the real parts the tests and the local pipeline use on a Debian machine with no
# Docker engine: podman serving the Docker API, the CNCF registry on 127.0.0.1:5000, kubectl (Kustomize).
# Idempotent: safe to run again; it only installs what is missing and starts what is not running.
# Why each setting: ../shared/environment.md (crun and overlay do not work here; podman needs the
# loopback registry listed as insecure).
set -euo pipefail

REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
PODMAN_SOCK=${PODMAN_SOCK:-/run/podman/podman.sock}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

need=()
for pair in podman:podman runc:runc docker-registry:docker-registry buildah:buildah skopeo:skopeo git:git; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "ci-env: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

$SUDO mkdir -p /etc/containers/registries.conf.d /run/podman
printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n' | $SUDO tee /etc/containers/containers.conf >/dev/null
printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' | $SUDO tee /etc/containers/storage.conf >/dev/null
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY_ADDR" | $SUDO tee /etc/containers/registries.conf.d/50-local.conf >/dev/null

if ! curl -fsS --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1; then
  echo "ci-env: starting podman API service on $PODMAN_SOCK"
  nohup $SUDO podman system service --time=0 "unix://$PODMAN_SOCK" >/tmp/podman-service.log 2>&1 &
  for _ in $(seq 1 50); do
    curl -fsS --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi

if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  echo "ci-env: starting registry on $REGISTRY_ADDR"
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry-ci\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n' "$REGISTRY_ADDR" | $SUDO tee /etc/docker-registry-ci.yml >/dev/null
  nohup docker-registry serve /etc/docker-registry-ci.yml >/tmp/registry.log 2>&1 &
  for _ in $(seq 1 50); do
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break
    sleep 0.2
  done
fi

curl -fsS --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null || { echo "ci-env: podman API did not start (see /tmp/podman-service.log)" >&2; exit 1; }
curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null || { echo "ci-env: registry did not start (see /tmp/registry.log)" >&2; exit 1; }
echo "ci-env: ready; export DOCKER_HOST=unix://$PODMAN_SOCK DOCKER_API_VERSION=1.41 REGISTRY=$REGISTRY_ADDR"
