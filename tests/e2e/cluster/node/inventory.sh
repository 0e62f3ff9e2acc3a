#!/usr/bin/env bash
# Lists what a real node can leave on the machine, one sorted section per kind: node processes,
# mounts, network namespaces, links, addresses on lo, iptables/ip6tables rules, the sysctls
# node-up.sh records, kubepods cgroups and the files the kubelet, containerd and libcni write
# outside their own directories. Run it before up.sh and after down.sh: the two listings must be
# equal (`diff` prints what down.sh left behind).
#
# usage: inventory.sh [CLUSTER_DIR]   (default: $E2E_CLUSTER_DIR or /tmp/gitops-e2e-cluster)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cluster_dir="${1:-${E2E_CLUSTER_DIR:-/tmp/gitops-e2e-cluster}}"

section() { printf '== %s\n' "$1"; }

section processes
ps -eo comm= | grep -E '^(containerd|containerd-shim|kubelet|kube-proxy|pause)' | sort | uniq -c
section mounts
awk -v d="$cluster_dir/" 'index($5, d) == 1 || $9 == "nsfs" || $5 ~ /^\/(var\/)?run\/(netns|containerd)/ { print $5, $9 }' \
  /proc/self/mountinfo | sort
section "network namespaces"
ls -1 /run/netns /var/run/netns 2>/dev/null | sort -u
section links
ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
section "addresses on lo"
ip -o addr show dev lo | awk '{ print $3, $4 }' | sort
for cmd in iptables ip6tables; do
  section "$cmd rules"
  "$cmd-save" 2>/dev/null | grep -Ev '^(#|:.*\[[0-9]+:[0-9]+\]$)' | sed -E 's/\[[0-9]+:[0-9]+\]//' || true
  # Chain policies without their counters.
  "$cmd-save" 2>/dev/null | sed -n -E 's/^(:[^ ]+ [^ ]+) \[[0-9]+:[0-9]+\]$/\1/p' | sort
done
section "nftables tables"
nft list tables 2>/dev/null | sort
section "netfilter accounting objects"
nfacct list 2>/dev/null | sed -n 's/.* = \(.*\);$/\1/p' | sort
section sysctls
"$here/sysctls.sh"
section "kubepods cgroups"
ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null
section "files outside the node's directory"
find /var/log/containers /var/log/pods /var/lib/cni /run/containerd /opt/containerd /etc/cni /var/lib/kubelet \
  -mindepth 1 2>/dev/null | sort
exit 0
