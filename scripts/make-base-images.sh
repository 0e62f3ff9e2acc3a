#!/usr/bin/env bash
# Makes the local Node.js base images the service Dockerfile builds on, because no image can be
# pulled from the internet on the CI/dev machines (see /work/shared/environment.md):
#   localhost/node-base:20   runtime: FROM scratch + this machine's /usr/bin/node and the libraries it links
#   localhost/node-build:20  build:   node-base + npm + /bin/sh (dash) + CA certificates (for `npm ci`)
# Idempotent and quick: an image is skipped when it exists and was made from the same node version
# (label org.score-api.node-version); FORCE=1 rebuilds. Needs a Docker API (DOCKER_HOST, e.g. podman).
# Usage: bash scripts/make-base-images.sh   (prints the --build-arg flags to pass to `docker build`)
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-localhost/node-base:20}
BUILD_IMAGE=${BUILD_IMAGE:-localhost/node-build:20}
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_VERSION=$("$NODE_BIN" -v)
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
SH_BIN=$(readlink -f /bin/sh)
# Bump when the build image's recipe changes so existing machines rebuild it.
BUILD_IMAGE_REV=2

command -v docker >/dev/null || { echo "make-base-images: the docker CLI is not installed" >&2; exit 1; }
docker version >/dev/null 2>&1 || {
  echo "make-base-images: no container engine answers (run 'bash scripts/ci-env.sh' and export DOCKER_HOST=unix:///run/podman/podman.sock DOCKER_API_VERSION=1.41)" >&2
  exit 1
}

# Why the label check: a machine whose node was upgraded must not keep serving an image of the old one.
up_to_date() {
  [ "${FORCE:-0}" != 1 ] &&
    [ "$(docker image inspect --format '{{ index .Config.Labels "org.score-api.node-version" }}' "$1" 2>/dev/null)" = "$NODE_VERSION" ]
}

# Copies a binary and every library the dynamic loader resolves for it into the same paths under $2.
copy_with_libs() {
  local bin=$1 root=$2 lib
  install -D -m 0755 "$bin" "$root$bin"
  for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root/usr$(realpath -s --relative-to=/ "$lib" | sed 's#^usr/##; s#^#/#')"
  done
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if up_to_date "$BASE_IMAGE"; then
  echo "make-base-images: $BASE_IMAGE is up to date (node $NODE_VERSION)"
else
  start=$(date +%s)
  root=$work/base/root
  mkdir -p "$root/usr/bin" "$root/usr/lib64" "$root/etc" "$root/tmp"
  # Debian 12 is merged-/usr: /lib and /lib64 are links into /usr, so the loader finds libraries there.
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  ln -s usr/bin "$root/bin"
  copy_with_libs "$NODE_BIN" "$root"
  install -m 0755 "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$root/usr/lib64/ld-linux-x86-64.so.2"
  [ "$NODE_BIN" = /usr/bin/node ] || ln -sf "$NODE_BIN" "$root/usr/bin/node"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  cat >"$work/base/Dockerfile" <<EOF
FROM scratch
COPY root/ /
ENV PATH=/usr/bin:/bin NODE_ENV=production
LABEL org.score-api.node-version="$NODE_VERSION" org.opencontainers.image.description="node $NODE_VERSION from the build machine, FROM scratch"
USER 65532:65532
ENTRYPOINT []
CMD ["node"]
EOF
  docker build -q -t "$BASE_IMAGE" "$work/base" >/dev/null
  echo "make-base-images: built $BASE_IMAGE in $(($(date +%s) - start))s"
fi

if up_to_date "$BUILD_IMAGE" && [ "$(docker image inspect --format '{{ index .Config.Labels "org.score-api.build-image-rev" }}' "$BUILD_IMAGE" 2>/dev/null)" = "$BUILD_IMAGE_REV" ]; then
  echo "make-base-images: $BUILD_IMAGE is up to date (node $NODE_VERSION)"
else
  start=$(date +%s)
  root=$work/build/root
  mkdir -p "$root/usr/lib/node_modules" "$root/etc/ssl/certs" "$root/root"
  copy_with_libs "$SH_BIN" "$root"
  ln -sf "$(basename "$SH_BIN")" "$root/usr/bin/sh"
  cp -a "$NPM_DIR" "$root/usr/lib/node_modules/npm"
  # npm's own launcher starts with `#!/usr/bin/env node`; the image has no env(1), so a sh wrapper.
  printf '#!/bin/sh\nexec node /usr/lib/node_modules/npm/bin/npm-cli.js "$@"\n' >"$root/usr/bin/npm"
  printf '#!/bin/sh\nexec node /usr/lib/node_modules/npm/bin/npx-cli.js "$@"\n' >"$root/usr/bin/npx"
  chmod 0755 "$root/usr/bin/npm" "$root/usr/bin/npx"
  # The machine's CA bundle: registry traffic here may pass a TLS-inspecting proxy whose CA only the
  # system bundle trusts (node's built-in list does not), so npm and node in the image use it too.
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  cat >"$work/build/Dockerfile" <<EOF
FROM $BASE_IMAGE
COPY root/ /
ENV HOME=/root NODE_ENV=development npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm_config_cafile=/etc/ssl/certs/ca-certificates.crt
LABEL org.score-api.node-version="$NODE_VERSION" org.score-api.build-image-rev="$BUILD_IMAGE_REV" org.opencontainers.image.description="node $NODE_VERSION + npm + sh for build stages"
USER 0:0
CMD ["/bin/sh"]
EOF
  docker build -q -t "$BUILD_IMAGE" "$work/build" >/dev/null
  echo "make-base-images: built $BUILD_IMAGE in $(($(date +%s) - start))s"
fi

echo "make-base-images: build the service with"
echo "  docker build --network host --build-arg BASE_IMAGE=$BASE_IMAGE --build-arg BUILD_IMAGE=$BUILD_IMAGE -f service/Dockerfile ."
