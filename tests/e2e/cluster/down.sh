#!/usr/bin/env bash
# Stops the local e2e cluster started by up.sh: each process by its pid file (its session is
# signalled too, so git/kustomize children of the repo server go with it), in reverse start
# order, SIGTERM then SIGKILL after 10s; the real node with node/node-down.sh, which also removes
# what the node made on the machine (mounts, links, the address on lo, iptables chains, sysctls,
# cgroups). Copies the logs to .cache/logs/cluster-last/ and removes the state dir. Safe to run
# when nothing is up, and after a crash.
#
# usage: tests/e2e/cluster/down.sh      env: E2E_CLUSTER_DIR (default /tmp/gitops-e2e-cluster), KEEP_DIR=1
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${E2E_CLUSTER_CACHE:-$root/.cache}"
dir="${E2E_CLUSTER_DIR:-/tmp/gitops-e2e-cluster}"

if [[ ! -d "$dir" ]]; then
  echo "down.sh: nothing to stop ($dir does not exist)"
  exit 0
fi

# shellcheck source=SCRIPTDIR/pids.sh
source "$here/pids.sh"

node_rc=0
for name in argocd-application-controller argocd-repo-server git-http redis; do stop "$name" down.sh group; done
# The node goes before the API server: nothing of it must outlive the cluster it belonged to.
if [[ -d "$dir/node" || -s "$dir/pids/kubelet.pid" ]]; then
  "$here/node/node-down.sh" "$dir/node" || node_rc=$?
fi
for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$name" down.sh group; done

if [[ -d "$dir/logs" ]]; then
  mkdir -p "$cache/logs"
  rm -rf "$cache/logs/cluster-last"
  cp -r "$dir/logs" "$cache/logs/cluster-last"
fi
if [[ -n "${KEEP_DIR:-}" ]]; then
  echo "down.sh: kept $dir (KEEP_DIR set)"
elif ((node_rc != 0)); then
  echo "down.sh: the node's teardown failed (exit $node_rc); kept $dir to look at" >&2
  exit "$node_rc"
else
  rm -rf "$dir"
  echo "down.sh: removed $dir (logs copied to $cache/logs/cluster-last)"
fi
