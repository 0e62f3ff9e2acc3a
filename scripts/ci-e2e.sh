#!/usr/bin/env bash
# CI step for the end-to-end tests on the local cluster and its real node (docs/e2e-cluster.md), run
# by .ci/run after the unit and integration tests:
#   1. installs the Debian parts the cluster runs when they are missing: etcd-server, redis-server,
#      containerd, runc, containernetworking-plugins, iptables, nftables, nfacct, skopeo;
#   2. builds the cluster binaries (tests/e2e/cluster/build.sh all) under a hard time budget. With
#      .cache/bin already filled this costs nothing; a cold build compiles Kubernetes (control
#      plane, kubelet, kube-proxy), the pause program, kustomize and Argo CD from their Go modules;
#   3. runs the e2e tests under the machine's real-node lock, and checks that the machine is left
#      as it was (tests/e2e/cluster/node/inventory.sh before and after).
# Which flows: E2E_FLOWS=ci (the default here) runs the smoke test of the node and the flows named
# [ci] in tests/e2e/gitops-flows.test.ts: 1 deploy, 2 rolling update under load, 3 bad release (a)
# crash at start, 4 bad release (b) never ready. E2E_FLOWS=all runs every flow (as `npm run
# test:e2e` does): also 5 bad release (c) unpullable, 6 manual rollback, 7 promotion to gke.
# Exit status: 0 when the e2e tests passed, or (outside CI) when they were SKIPPED because the build
# did not finish within the budget (printed with what was measured) or E2E=0; under CI=true a skip
# fails. Non-zero when a prerequisite is missing, the build failed, an e2e test failed or was
# skipped, or the node left something behind.
#
# env: E2E_BUILD_BUDGET_MIN  minutes the build may take (default 40; see docs/e2e-cluster.md for the
#                            measured cold build this is based on)
#      E2E_FLOWS             ci (default) or all
#      E2E=0                 skip on purpose
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

budget_min="${E2E_BUILD_BUDGET_MIN:-40}"
flows="${E2E_FLOWS:-ci}"
cache="${E2E_CLUSTER_CACHE:-.cache}"
logs="$cache/logs"
build_log="$logs/ci-e2e-build.log"
mkdir -p "$logs"
t0=$(date +%s)
say() { printf 'ci-e2e [+%ss] %s\n' "$(($(date +%s) - t0))" "$*"; }
skip() {
  echo
  echo "=============================================================================="
  echo "E2E TESTS SKIPPED: $*"
  echo "=============================================================================="
  # CI never passes without the real node.
  if [[ "${CI:-}" == true ]]; then exit 1; fi
  exit 0
}

if [[ "${E2E:-}" == 0 ]]; then skip "E2E=0 is set"; fi
if ! [[ "$budget_min" =~ ^[0-9]+$ ]] || ((budget_min < 1)); then
  echo "ci-e2e: E2E_BUILD_BUDGET_MIN must be a whole number of minutes >= 1, got '$budget_min'" >&2
  exit 2
fi
case "$flows" in
  ci) filter='the real node|\[ci\]' ;;
  all) filter='' ;;
  *)
    echo "ci-e2e: E2E_FLOWS must be ci or all, got '$flows'" >&2
    exit 2
    ;;
esac

# --- prerequisites --------------------------------------------------------------------------
SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo -n"
need=()
# command:package
for pair in etcd:etcd-server redis-server:redis-server containerd:containerd runc:runc \
  iptables:iptables nft:nftables nfacct:nfacct skopeo:skopeo; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[[ -x /usr/lib/cni/bridge ]] || need+=(containernetworking-plugins)
if ((${#need[@]})); then
  say "installing ${need[*]} (apt)"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }; then
    echo "ci-e2e: could not install ${need[*]} (needs root or passwordless sudo)" >&2
    exit 1
  fi
fi
missing=()
# shellcheck source=scripts/go-toolchain.sh
source scripts/go-toolchain.sh
for tool in go git kubectl openssl curl ss etcd redis-server redis-cli containerd runc iptables nft nfacct skopeo docker flock; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "ci-e2e: missing ${missing[*]}: the local cluster needs them (Go >= 1.24 builds it; docs/e2e-cluster.md)" >&2
  exit 1
fi

# --- build under the budget -----------------------------------------------------------------
# timeout signals the whole process group, so the go compiler processes stop with build.sh.
say "building the cluster binaries (budget ${budget_min} min; log $build_log)"
: >"$build_log"
build_start=$(date +%s)
timeout --kill-after=30s "${budget_min}m" bash tests/e2e/cluster/build.sh all >"$build_log" 2>&1
rc=$?
build_s=$(($(date +%s) - build_start))
# The per-component figures build.sh recorded during this run (wall, CPU seconds, load).
measured="$(awk -v since="$(date -u -d "@$build_start" +%FT%TZ)" '$1 >= since' "$logs/build-times.log" 2>/dev/null)"
if ((rc == 124 || rc == 137)); then
  current="$(grep -o 'building [^:]*' "$build_log" | tail -n 1)"
  skip "the cluster build did not finish within E2E_BUILD_BUDGET_MIN=${budget_min} min.
Measured: stopped after ${build_s}s while ${current:-building}; $(nproc) CPUs, load average now $(cut -d' ' -f1-3 /proc/loadavg).
Components finished in this run (wall, CPU s, load at the end):
${measured:-  (none)}
See docs/e2e-cluster.md for the measured cold build.
Keep $cache/bin between CI runs (then nothing is built) or raise E2E_BUILD_BUDGET_MIN to run the e2e tests.
Build log: $build_log"
fi
if ((rc != 0)); then
  tail -n 40 "$build_log" >&2
  echo "ci-e2e: the cluster build failed (exit $rc after ${build_s}s); log: $build_log" >&2
  exit 1
fi
if [[ -n "$measured" ]]; then
  say "build finished in ${build_s}s:"
  printf '%s\n' "$measured"
else
  say "cluster binaries already built ($cache/bin); nothing to build"
fi

# --- the e2e tests -----------------------------------------------------------------------------
# One real node per machine: the lock waits for another session's node (docs/e2e-cluster.md).
# shellcheck source=tests/e2e/cluster/node/node.env
source tests/e2e/cluster/node/node.env
inventory="tests/e2e/cluster/node/inventory.sh"
bash "$inventory" >"$logs/node-inventory-before.txt"
# E2E_CLUSTER_ARGOCD=1: with the binaries built, a cluster without Argo CD is an error, not a skip.
say "npm run test:e2e (E2E_FLOWS=$flows${filter:+: tests matching /$filter/})"
results=".cache/e2e-results.json"
rm -f "$results"
E2E_CLUSTER_ARGOCD=1 flock "$REAL_NODE_LOCK" npm run --silent test:e2e -- --json --outputFile="$results" \
  ${filter:+--testNamePattern "$filter"}
rc=$?
# The tests skip themselves when the cluster cannot run; after a successful build that is a failure.
# Tests left out by the name filter are reported as skipped by jest and are not counted.
# shellcheck disable=SC2016 # the single-quoted text is JavaScript
if ! node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const selected = new RegExp(process.argv[2] || ".");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of r.testResults) for (const a of f.assertionResults) {
    if (!selected.test(a.fullName)) continue;
    if (a.status === "passed") passed++; else if (a.status === "failed") failed++; else skipped++;
    if (a.status !== "passed") console.log(`${a.status.toUpperCase()}: ${f.name.replace(process.cwd() + "/", "")} > ${a.fullName}`);
  }
  for (const f of r.testResults) if (f.status === "failed" && f.assertionResults.length === 0)
    console.log(`FAILED: ${f.name.replace(process.cwd() + "/", "")} (the file did not run): ${f.message.split("\n")[0]}`);
  console.log(`e2e tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(passed > 0 && failed === 0 && skipped === 0 && r.numFailedTestSuites === 0 ? 0 : 1);
' "$results" "$filter"; then
  echo "ci-e2e: e2e tests failed, were skipped or none ran although the binaries are built (see above)" >&2
  ((rc == 0)) && rc=1
fi
# Every test file stops the cluster it started: the node must have left nothing behind.
bash "$inventory" >"$logs/node-inventory-after.txt"
if ! diff -u "$logs/node-inventory-before.txt" "$logs/node-inventory-after.txt"; then
  echo "ci-e2e: the real node left the above on the machine (tests/e2e/cluster/node/node-down.sh)" >&2
  ((rc == 0)) && rc=1
fi
say "e2e tests finished (exit $rc)"
exit "$rc"
