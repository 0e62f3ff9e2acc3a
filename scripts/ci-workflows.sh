#!/usr/bin/env bash
# CI step for the workflow tests (docs/workflow-tests.md): the project's own .github/workflows run by
# nektos/act on this machine against the local e2e cluster, the local registry and the fake GitHub.
#   1. builds act (tests/e2e/cluster/build.sh act; ~15 s with a warm Go cache, a few minutes cold);
#   2. runs the loop-guard test (act's dry run of every pipeline and person commit shape) and the flows:
#      WORKFLOW_FLOWS (default "1 2": a push deployed end to end, a bad push rolled back) or "all"
#      (npm run test:workflows: also the promotion, the hand-made revert and the forced re-deploy).
# The cluster binaries must be built already (scripts/ci-e2e.sh builds them first). Prints each flow's
# jobs, outcomes and timings, and the wall time of the whole step.
# Exit status: 0 when the selected flows passed; non-zero when a prerequisite is missing, act does not
# build, or a flow failed or did not run (a flow that cannot run fails here, it never passes).
#
# env: WORKFLOW_FLOWS   "1 2" (default), "all", or any of 1 2 3 4 5 (each flow needs the ones before
#                       it in the order 1, 3, 2, 4, 5; 2 needs only 1)
#      ACT_BUILD_BUDGET_MIN  minutes the act build may take (default 15)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

flows="${WORKFLOW_FLOWS:-1 2}"
budget_min="${ACT_BUILD_BUDGET_MIN:-15}"
cache="${E2E_CLUSTER_CACHE:-.cache}"
logs="$cache/logs"
mkdir -p "$logs"
t0=$(date +%s)
say() { printf 'ci-workflows [+%ss] %s\n' "$(($(date +%s) - t0))" "$*"; }

if [[ "$flows" != all && ! "$flows" =~ ^[1-5]([[:space:]]+[1-5])*$ ]]; then
  echo "ci-workflows: WORKFLOW_FLOWS must be 'all' or flow numbers 1-5 separated by spaces, got '$flows'" >&2
  exit 2
fi
missing=()
# shellcheck source=scripts/go-toolchain.sh
source scripts/go-toolchain.sh
for tool in go git kubectl skopeo podman curl flock openssl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if ((${#missing[@]})); then
  echo "ci-workflows: missing ${missing[*]} (scripts/setup.sh installs podman and skopeo; Go builds act)" >&2
  exit 1
fi

say "building act (budget ${budget_min} min)"
if ! timeout --kill-after=30s "${budget_min}m" bash tests/e2e/cluster/build.sh act >"$logs/ci-workflows-build.log" 2>&1; then
  tail -n 30 "$logs/ci-workflows-build.log" >&2
  echo "ci-workflows: building act failed; log: $logs/ci-workflows-build.log" >&2
  exit 1
fi
grep ' act ' "$logs/build-times.log" 2>/dev/null | tail -n 1

args=()
if [[ "$flows" != all ]]; then
  # Jest selects the flows by their test names ("1. ...", "2. ..."); the loop guards always run.
  args+=(-t "^(the workflows' loop guards|the workflows, run by act ($(tr -s '[:space:]' '|' <<<"$flows" | sed 's/|$//'))\.)")
fi
mkdir -p .cache
results=".cache/workflow-results.json"
rm -f "$results"
say "npm run test:workflows ${args[*]:-}"
# One real node per machine: the flows start the cluster (its node) under the machine's lock.
CI=true E2E_CLUSTER_ARGOCD=1 KEEP_TEST_IMAGES=1 \
  flock /tmp/real-node.lock npm run --silent test:workflows -- --json --outputFile="$results" "${args[@]}"
rc=$?
# shellcheck disable=SC2016 # the single-quoted text is JavaScript
if ! node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const ran = r.numPassedTests + r.numFailedTests;
  console.log(`workflow flows: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  for (const f of r.testResults) for (const a of f.assertionResults)
    if (a.status === "failed") console.log(`FAILED: ${a.fullName}`);
  process.exit(ran > 0 && r.numFailedTests === 0 ? 0 : 1);
' "$results"; then
  ((rc == 0)) && rc=1
fi
say "workflow flows finished (exit $rc) in $(($(date +%s) - t0))s"
exit "$rc"
