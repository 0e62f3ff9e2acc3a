# shellcheck shell=bash
# Sourced by the shell scripts that call the docker CLI: finds the container engine the way
# gitops/adapters/container-engine.ts does for the TypeScript code (keep the two in step). DOCKER_HOST or
# DOCKER_CONTEXT as the user set them; else Docker's own socket; else podman's Docker API socket, which
# scripts/ci-env.sh starts.
PODMAN_SOCK=/run/podman/podman.sock
if [ -z "${DOCKER_HOST:-}" ] && [ -z "${DOCKER_CONTEXT:-}" ] && [ ! -e /var/run/docker.sock ] &&
  [ -S "$PODMAN_SOCK" ]; then
  export DOCKER_HOST="unix://$PODMAN_SOCK"
  # podman 4 serves Docker API 1.41; a newer docker CLI would otherwise ask for a version podman refuses.
  export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
fi
