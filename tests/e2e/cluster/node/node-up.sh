# Sourced by up.sh: starts the real node of the e2e cluster after the control plane is up.
#   containerd (Debian, CRI plugin, own config/root/state/socket) + runc + CNI bridge (Debian)
#   -> kubelet (system:node:NODE_NAME) -> kube-proxy (iptables mode, NodePorts on 127.0.0.0/8)
# Everything it changes on the machine is recorded under $node_dir so node-down.sh can undo it:
# the address on lo, the sysctls the kubelet, kube-proxy and the bridge plugin set, iptables
# chains, mounts, network namespaces, links and cgroups.
# Uses from up.sh: dir, kbin, server, cache, the P_* ports, start, wait_for, log, die.
# shellcheck shell=bash

node_preflight() {
  [[ "$(id -u)" == 0 ]] || die "the real node needs root (mounts, network namespaces, iptables); set E2E_CLUSTER_NODE=0 for a control plane without a node"
  local missing=() t
  for t in containerd containerd-shim-runc-v2 runc ctr iptables ip6tables nft nfacct ip mount umount docker curl; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  for t in bridge host-local loopback; do [[ -x "$CNI_BIN_DIR/$t" ]] || missing+=("CNI plugin $CNI_BIN_DIR/$t"); done
  ((${#missing[@]} == 0)) || die "the real node needs: ${missing[*]} (apt-get install containerd runc containernetworking-plugins iptables nftables nfacct; docker CLI + podman for the pause image)"
  [[ -x "$kbin/kubelet" && -x "$kbin/kube-proxy" ]] || die "kubelet/kube-proxy not built in $kbin (tests/e2e/cluster/build.sh k8s)"
  [[ -x "$pause_bin" ]] || die "pause not built ($pause_bin; tests/e2e/cluster/build.sh pause)"
  if ip -o addr show dev lo | grep -w "$NODE_IP" >/dev/null; then
    die "$NODE_IP is already on lo: another real node runs on this machine (one per machine: run sessions under 'flock $REAL_NODE_LOCK ...'; a crashed one is cleaned by tests/e2e/cluster/down.sh with its E2E_CLUSTER_DIR)"
  fi
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    die "link $NODE_BRIDGE exists: a real node's leftovers (run tests/e2e/cluster/down.sh with the E2E_CLUSTER_DIR it used)"
  fi
  docker version >/dev/null 2>&1 || die "no container engine answers the docker CLI at ${DOCKER_HOST:-the default docker socket} (needed once to push the pause image): run 'bash scripts/setup.sh' (it starts podman's Docker API), or set DOCKER_HOST to a running engine"
  curl -fsS -o /dev/null "http://$NODE_REGISTRY/v2/" || die "the loopback registry $NODE_REGISTRY does not answer (bash scripts/ci-env.sh starts it)"
}

# The sandbox image: the static pause program FROM scratch, pushed once per content (its tag is
# the binary's hash), so containerd pulls it like any image.
ensure_pause_image() {
  local sum tag accept
  sum="$(sha256sum "$pause_bin" | cut -c1-12)"
  tag="$PAUSE_VERSION-$sum"
  pause_image="$NODE_REGISTRY/gitops-e2e/pause:$tag"
  accept='application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
  if curl -fs -o /dev/null -I -H "Accept: $accept" "http://$NODE_REGISTRY/v2/gitops-e2e/pause/manifests/$tag"; then
    log "pause image $pause_image in the registry"
    return
  fi
  local ctx
  ctx="$(mktemp -d)"
  cp "$pause_bin" "$ctx/pause"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
  docker build -q -t "$pause_image" "$ctx" >"$ctx/build.log" 2>&1 || die "docker build of the pause image failed: $(tail -n 5 "$ctx/build.log")"
  docker push -q "$pause_image" >"$ctx/push.log" 2>&1 || die "docker push $pause_image failed: $(tail -n 5 "$ctx/push.log")"
  docker rmi "$pause_image" >/dev/null 2>&1 || true
  rm -rf "$ctx"
  log "pause image $pause_image built and pushed"
}

write_node_config() {
  mkdir -p "$node_dir"/{containerd/root,containerd/state,containerd/opt,runc,kubelet,pod-logs,cni/net.d,cni/ipam,registry-hosts}
  # Registry hosts (containerd's config_path format): each name the overlays use pulls from the
  # loopback registry over plain HTTP, and `server` (the fallback after the [host] entries) is the
  # loopback registry too, so a missing image is "not found" and never a request to the real host
  # (the gke overlay's Artifact Registry).
  local host hosts
  # 127.0.0.1:5000 and localhost:5000 (the minikube overlay's), and every overlay's registry host
  # (the gke overlay's Artifact Registry), so promoted releases run on this node too.
  mapfile -t hosts < <({
    printf '%s\n' "$NODE_REGISTRY" localhost:5000
    sed -n 's#^ *newName: *\([^/]*\)/.*#\1#p' "$root"/overlays/*/kustomization.yaml
  } | sort -u)
  for host in "${hosts[@]}"; do
    mkdir -p "$node_dir/registry-hosts/$host"
    # containerd 1.6 rejects a hosts.toml without a [host] table ("invalid host tree") and then
    # falls back to the real host; both entries name the loopback registry.
    printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
      "$NODE_REGISTRY" "$NODE_REGISTRY" >"$node_dir/registry-hosts/$host/hosts.toml"
  done
  cat >"$node_dir/containerd.toml" <<EOF
version = 2
root = "$node_dir/containerd/root"
state = "$node_dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$node_dir/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$node_dir/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  # Processes here lack CAP_SYS_RESOURCE: runc cannot lower oom_score_adj to the sandbox's -998.
  restrict_oom_score_adj = true
  # Pod network namespaces under our state dir instead of /var/run/netns.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "$P_STREAM"
  enable_selinux = false
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$node_dir/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$node_dir/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$node_dir/registry-hosts"
EOF
  # No ipMasq: pods need no way out of the machine, and no masquerade rules are left to clean up.
  cat >"$node_dir/cni/net.d/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$node_dir/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR" }]]
      }
    },
    { "type": "loopback" }
  ]
}
EOF
  cat >"$node_dir/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The kubelet API listens on the node IP (on lo) only; the API server reaches it there for logs/exec.
address: $NODE_IP
port: $P_KUBELET
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $P_KUBELET_HEALTHZ
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $dir/pki/ca.crt }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://$node_dir/containerd.sock
# cgroup v1 (hybrid) and no systemd as PID 1.
cgroupDriver: cgroupfs
failSwapOn: false
podLogsDir: $node_dir/pod-logs
# No chains of the kubelet's own: kube-proxy programs what Services need.
makeIPTablesUtilChains: false
serializeImagePulls: false
# A shared disk: do not evict pods or collect images because other jobs filled it. Absolute sizes, not
# percentages: on a 252 GB virtual disk whose free space is ~10 GB, 1 % (2.5 GB) was crossed whenever a
# parallel podman (vfs) image build briefly took the space, which evicted the flows' pods and tainted
# the node for the 5-minute transition period (seen in issue 13's e2e runs).
evictionHard: { memory.available: 100Mi, nodefs.available: 256Mi, imagefs.available: 256Mi, nodefs.inodesFree: 1% }
evictionPressureTransitionPeriod: 30s
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
shutdownGracePeriod: 0s
staticPodPath: ""
EOF
  cat >"$node_dir/kube-proxy-config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE_NAME
clientConnection: { kubeconfig: $dir/kube-proxy.kubeconfig }
healthzBindAddress: 127.0.0.1:$P_PROXY_HEALTHZ
metricsBindAddress: 127.0.0.1:$P_PROXY_METRICS
clusterCIDR: $POD_CIDR
detectLocalMode: ClusterCIDR
# NodePorts answer on loopback only (this sets route_localnet): tests reach Services at 127.0.0.1:NODEPORT.
nodePortAddresses: ["127.0.0.0/8"]
iptables: { minSyncPeriod: 1s, syncPeriod: 30s, localhostNodePorts: true }
# 0 = leave the machine's conntrack settings alone.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
}

# What node-down.sh must not remove because it was there before: nftables tables (iptables-nft
# creates ip/ip6 filter, nat, mangle on first use), netfilter accounting objects (kube-proxy's
# counters), and the directories the kubelet, containerd and libcni create outside their config.
record_machine() {
  "$here/node/sysctls.sh" >"$node_dir/sysctl.before"
  nft list tables >"$node_dir/nft-tables.before"
  nfacct list 2>/dev/null | sed -n 's/.* = \(.*\);$/\1/p' >"$node_dir/nfacct.before"
  local d
  for d in $NODE_OUTSIDE_DIRS; do
    if [[ -e "$d" ]]; then echo "$d"; fi
  done >"$node_dir/dirs.before"
}

start_node() {
  node_dir="$dir/node"
  pause_bin="$cache/bin/pause-$PAUSE_VERSION/pause"
  node_preflight
  mkdir -p "$node_dir"
  record_machine
  ensure_pause_image
  write_node_config
  ip addr add "$NODE_IP/32" dev lo
  touch "$node_dir/lo-address-added"

  start containerd containerd --config "$node_dir/containerd.toml"
  wait_for containerd 30 ctr --address "$node_dir/containerd.sock" version

  start kubelet "$kbin/kubelet" --config "$node_dir/kubelet-config.yaml" \
    --kubeconfig "$dir/kubelet.kubeconfig" --root-dir "$node_dir/kubelet" --cert-dir "$node_dir/kubelet/pki" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v=1
  WAIT_WHAT="node $NODE_NAME Ready" wait_for kubelet 90 \
    kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
  start kube-proxy "$kbin/kube-proxy" --config "$node_dir/kube-proxy-config.yaml"
  wait_for kube-proxy 60 curl -fsS "http://127.0.0.1:$P_PROXY_HEALTHZ/healthz"
}
