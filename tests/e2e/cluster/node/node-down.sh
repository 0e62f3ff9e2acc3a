#!/usr/bin/env bash
# Removes the real node that node-up.sh started from NODE_DIR ($E2E_CLUSTER_DIR/node), and
# everything it made on the machine, in this order:
#   kube-proxy and kubelet (pid files) -> every process in the pods' cgroups (SIGKILL: the cluster is going away, nothing to drain)
#   -> containerd and its shims (pid files) -> mounts under NODE_DIR (rootfs, netns, tmpfs volumes)
#   -> the CNI bridge, the node IP on lo, KUBE-*/CNI-* iptables chains, the nftables tables and
#      netfilter accounting objects that were not there at start, the sysctls (back to the values
#      recorded at start), the kubepods cgroups, the kubelet's log links, libcni's cache files and
#      the directories made outside NODE_DIR -> NODE_DIR itself (unless KEEP_DIR is set).
# Safe to run twice, and on a node that crashed half-way. tests/e2e/cluster/node/inventory.sh
# lists all of the above; the smoke test and scripts/ci-e2e.sh compare it before and after.
#
# usage: node-down.sh NODE_DIR
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/node.env
source "$here/node.env"
node_dir="${1:?usage: node-down.sh NODE_DIR}"
say() { printf 'node-down: %s\n' "$*"; }

dir="$(dirname "$node_dir")"
# shellcheck source=SCRIPTDIR/../pids.sh
source "$here/../pids.sh"

# --- node processes ---------------------------------------------------------------------------
stop kube-proxy node-down
stop kubelet node-down

# Containers: every process in the kubelet's pod cgroups (cgroup v1: one tree per controller;
# the pids controller lists every process).
kill_pods() {
  local procs
  procs="$(find /sys/fs/cgroup/pids/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)"
  [[ -n "$procs" ]] || return 1
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $procs 2>/dev/null
  return 0
}
if kill_pods; then
  for _ in $(seq 1 50); do kill_pods || break; sleep 0.1; done
  say "killed the pods' processes"
fi

# Deleting each task through containerd lets its shim shut down and remove its socket
# (/run/containerd/s/..., outside our directories).
sock="$node_dir/containerd.sock"
if [[ -S "$sock" ]]; then
  ctr_cmd=(ctr --address "$sock" --namespace k8s.io --timeout 10s)
  n=0
  while read -r id; do
    "${ctr_cmd[@]}" tasks delete --force "$id" >/dev/null 2>&1 && n=$((n + 1))
  done < <("${ctr_cmd[@]}" tasks list --quiet 2>/dev/null)
  ((n)) && say "deleted $n containerd tasks"
fi
stop containerd node-down
# A shim whose task could not be deleted: ours are the ones started with our socket (they write no
# pid file). Killed, a shim leaves its socket file behind, so that goes too.
for p in /proc/[0-9]*; do
  argv="$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" || continue
  [[ "$argv" == *containerd-shim*" -address $sock"* ]] || continue
  inodes="$(find "$p/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')"
  socks="$(awk -v want="$inodes" 'BEGIN { split(want, a, "\n"); for (i in a) w[a[i]] = 1 }
    $7 in w && $8 ~ /^\/run\/containerd\/s\// { print $8 }' /proc/net/unix | sort -u)"
  kill -KILL "${p#/proc/}" 2>/dev/null && say "killed containerd-shim ${p#/proc/}"
  # shellcheck disable=SC2086 # one path per word
  [[ -n "$socks" ]] && rm -f $socks
done

# --- mounts -----------------------------------------------------------------------------------
# Deepest first (mountinfo field 5 is the mount point; octal escapes for spaces are not expected here).
if [[ -d "$node_dir" ]]; then
  mapfile -t mounts < <(awk -v d="$node_dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for m in "${mounts[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
  done
  ((${#mounts[@]})) && say "unmounted ${#mounts[@]} mounts under $node_dir"
fi

# --- network ----------------------------------------------------------------------------------
# The pods' veths went with their network namespaces; the bridge stays until deleted.
if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
  ip link del "$NODE_BRIDGE" && say "deleted link $NODE_BRIDGE"
fi
if ip -o addr show dev lo | grep -w "$NODE_IP" >/dev/null; then
  ip addr del "$NODE_IP/32" dev lo && say "removed $NODE_IP from lo"
fi

# Chains named KUBE-* (kube-proxy) or CNI-* (CNI plugins) exist only because of this node (one per
# machine, see node.env): drop the jumps into them from the built-in chains, then the chains.
clean_chains() {
  local cmd="$1" table rules chains n=0
  command -v "$cmd" >/dev/null 2>&1 || return 0
  for table in filter nat mangle raw; do
    rules="$("$cmd" -t "$table" -S 2>/dev/null)" || continue
    while IFS= read -r rule; do
      [[ -n "$rule" ]] || continue
      # -S prints rules shell-quoted (comments have spaces): xargs splits them as a shell would.
      xargs "$cmd" -t "$table" <<<"${rule/#-A/-D}" 2>/dev/null && n=$((n + 1))
    done < <(grep -E '^-A [A-Z]+ .*-j (KUBE|CNI)-' <<<"$rules" | grep -Ev '^-A (KUBE|CNI)-')
    mapfile -t chains < <(sed -n -E 's/^-N ((KUBE|CNI)-[^ ]+)$/\1/p' <<<"$rules")
    for c in "${chains[@]}"; do "$cmd" -t "$table" -F "$c" 2>/dev/null; done
    for c in "${chains[@]}"; do "$cmd" -t "$table" -X "$c" 2>/dev/null && n=$((n + 1)); done
  done
  ((n)) && say "$cmd: removed $n leftover rules/chains"
  return 0
}
clean_chains iptables
clean_chains ip6tables
# iptables-nft made these tables on first use; a table is removed only when it is new and empty.
if command -v nft >/dev/null 2>&1 && [[ -f "$node_dir/nft-tables.before" ]]; then
  while read -r _ family name; do
    grep -qx "table $family $name" "$node_dir/nft-tables.before" && continue
    save=iptables-save
    [[ "$family" == ip6 ]] && save=ip6tables-save
    "$save" -t "$name" 2>/dev/null | grep '^-A' >/dev/null && continue
    nft delete table "$family" "$name" && say "deleted nftables table $family $name"
  done < <(nft list tables 2>/dev/null)
fi
# kube-proxy's packet counters (netfilter accounting objects), now that no rule uses them.
if command -v nfacct >/dev/null 2>&1 && [[ -f "$node_dir/nfacct.before" ]]; then
  while read -r name; do
    grep -qx "$name" "$node_dir/nfacct.before" && continue
    nfacct del "$name" >/dev/null && say "deleted netfilter accounting object $name"
  done < <(nfacct list 2>/dev/null | sed -n 's/.* = \(.*\);$/\1/p')
fi

# --- sysctls ----------------------------------------------------------------------------------
if [[ -s "$node_dir/sysctl.before" ]]; then
  while read -r key value; do
    f="/proc/sys/${key//.//}"
    [[ -w "$f" ]] || continue
    if [[ "$(tr '\t' ' ' <"$f")" != "$value" ]]; then
      echo "$value" >"$f" && say "sysctl $key back to $value"
    fi
  done <"$node_dir/sysctl.before"
fi

# --- cgroups, log links, libcni cache ------------------------------------------------------------
for c in /sys/fs/cgroup/*/kubepods; do
  [[ -d "$c" ]] || continue
  find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
  [[ -d "$c" ]] && say "cannot remove cgroup $c (processes left?)"
done
find /var/log/containers -maxdepth 1 -type l -lname "$node_dir/*" -delete 2>/dev/null
# libcni caches each attachment as /var/lib/cni/results/NETWORK-SANDBOXID-IFNAME; the pods were
# killed, not torn down through CNI, so the files of this node's sandboxes are still there.
for sb in "$node_dir"/containerd/{root,state}/io.containerd.grpc.v1.cri/sandboxes/*; do
  [[ -d "$sb" ]] && rm -f /var/lib/cni/results/*-"$(basename "$sb")"-*
done
rm -f /var/lib/kubelet/device-plugins/kubelet.sock
# Then the directories that did not exist at start, if nothing else wrote into them meanwhile.
for d in $NODE_OUTSIDE_DIRS; do
  grep -qx "$d" "$node_dir/dirs.before" 2>/dev/null || rmdir "$d" 2>/dev/null
done

# Removing a directory with a mount left under it would delete through the mount.
if awk -v d="$node_dir/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  say "mounts are left under $node_dir; not removing it"
  exit 1
fi
[[ -z "${KEEP_DIR:-}" ]] && rm -rf "$node_dir"
exit 0
