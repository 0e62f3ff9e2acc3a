#!/usr/bin/env bash
# Brings up the local e2e cluster as processes on this machine:
#   etcd -> kube-apiserver -> kube-controller-manager + kube-scheduler
#   -> the real node (node/node-up.sh): containerd + runc + CNI bridge, kubelet, kube-proxy
#   -> [Argo CD] redis + git http server + argocd-repo-server + argocd-application-controller
# Binaries come from .cache/bin (tests/e2e/cluster/build.sh builds the missing ones first).
# One real node per machine: run whole sessions under `flock /tmp/real-node.lock ...`.
#
# usage: tests/e2e/cluster/up.sh            then: export KUBECONFIG=$E2E_CLUSTER_DIR/kubeconfig
# env:
#   E2E_CLUSTER_DIR        state dir (certs, etcd data, logs, pid files, git repos, the node's
#                          containerd/kubelet dirs); default /tmp/gitops-e2e-cluster
#   E2E_CLUSTER_PORT_BASE  first of the loopback ports used (base+0 .. base+15); default 26400
#   E2E_CLUSTER_NODE       1 (default) = start the real node (root), 0 = control plane only (pods stay Pending)
#   E2E_CLUSTER_ARGOCD     1 = Argo CD is required, 0 = skip it, auto (default) = run it when its binary is built
#   E2E_CLUSTER_NO_BUILD=1 fail instead of building a missing binary
#   ETCD_BIN               etcd binary (default: etcd on PATH, Debian's etcd-server)
# Prints the start-up time of each step; writes $E2E_CLUSTER_DIR/env (sourceable: KUBECONFIG,
# E2E_GIT_URL, ports). down.sh stops everything and removes the dir.
set -Eeuo pipefail
trap 'echo "up.sh: failed at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
source "$here/versions.env"
# shellcheck source=SCRIPTDIR/node/node.env
source "$here/node/node.env"
# The docker CLI (it pushes the pause image once) finds the engine setup started, nothing exported.
# shellcheck source=scripts/container-engine.sh
source "$root/scripts/container-engine.sh"
cache="${E2E_CLUSTER_CACHE:-$root/.cache}"
dir="${E2E_CLUSTER_DIR:-/tmp/gitops-e2e-cluster}"
# Below Linux's ephemeral range (32768-60999): there an outgoing connection of any process (the API
# server's to etcd, say) can take one of these ports between the free-port check and the bind.
base="${E2E_CLUSTER_PORT_BASE:-26400}"
want_argocd="${E2E_CLUSTER_ARGOCD:-auto}"
want_node="${E2E_CLUSTER_NODE:-1}"

if ! [[ "$base" =~ ^[0-9]+$ ]] || ((base < 1024 || base > 65000)); then
  echo "up.sh: E2E_CLUSTER_PORT_BASE must be a number between 1024 and 65000, got '$base'" >&2
  exit 2
fi
case "$want_argocd" in 0 | 1 | auto) ;; *)
  echo "up.sh: E2E_CLUSTER_ARGOCD must be 0, 1 or auto, got '$want_argocd'" >&2
  exit 2
  ;;
esac
case "$want_node" in 0 | 1) ;; *)
  echo "up.sh: E2E_CLUSTER_NODE must be 0 or 1, got '$want_node'" >&2
  exit 2
  ;;
esac

P_ETCD=$((base + 0)) P_ETCD_PEER=$((base + 1)) P_API=$((base + 2)) P_KCM=$((base + 3)) P_SCHED=$((base + 4))
# base+5 is free (it was kwok's).
P_REDIS=$((base + 6)) P_GIT=$((base + 7)) P_REPO=$((base + 8)) P_REPO_METRICS=$((base + 9))
P_CTRL_METRICS=$((base + 10)) P_KUBELET=$((base + 11)) P_KUBELET_HEALTHZ=$((base + 12))
P_PROXY_HEALTHZ=$((base + 13)) P_PROXY_METRICS=$((base + 14)) P_STREAM=$((base + 15))

kbin="$cache/bin/kubernetes-$K8S_VERSION"
kustomize_dir="$cache/bin/kustomize-$KUSTOMIZE_VERSION"
argocd_dir="$cache/bin/argocd-$ARGOCD_VERSION"
etcd_bin="${ETCD_BIN:-$(command -v etcd || true)}"

t0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - t0) / 1000000)); }
log() { printf '[up %6sms] %s\n' "$(ms)" "$*"; }
die() {
  printf 'up.sh: %s\n' "$*" >&2
  exit 1
}

# --- binaries ---------------------------------------------------------------------------
[[ -x "$etcd_bin" ]] || die "etcd not found (apt-get install etcd-server, or set ETCD_BIN)"
need=()
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do [[ -x "$kbin/$b" ]] || need+=(k8s); done
[[ "$want_node" == 1 && ! -x "$cache/bin/pause-$PAUSE_VERSION/pause" ]] && need+=(pause)
[[ -x "$kustomize_dir/kustomize" ]] || need+=(kustomize)
[[ "$want_argocd" == 1 && ! -x "$argocd_dir/argocd" ]] && need+=(argocd)
if ((${#need[@]})); then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  [[ -n "${E2E_CLUSTER_NO_BUILD:-}" ]] && die "missing binaries (${need[*]}) and E2E_CLUSTER_NO_BUILD is set; run tests/e2e/cluster/build.sh"
  log "building missing binaries: ${need[*]} (cold builds take many minutes; see docs/e2e-cluster.md)"
  "$here/build.sh" "${need[@]}"
fi
run_argocd=0
if [[ "$want_argocd" == 1 || ("$want_argocd" == auto && -x "$argocd_dir/argocd") ]]; then run_argocd=1; fi

# --- already running? ---------------------------------------------------------------------
# shellcheck source=SCRIPTDIR/pids.sh
source "$here/pids.sh"
if ours kube-apiserver; then
  log "cluster already running in $dir (run down.sh first to restart it)"
  cat "$dir/env"
  exit 0
fi
# A cluster that stopped without down.sh (a crash, a reboot) has left its mounts, links and
# iptables rules behind; down.sh removes them before this start makes new ones.
if [[ -d "$dir/pids" ]]; then
  log "$dir holds a stopped cluster; removing it with down.sh first"
  "$here/down.sh"
fi

port_busy() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }
ports=("$P_ETCD" "$P_ETCD_PEER" "$P_API" "$P_KCM" "$P_SCHED")
((want_node)) && ports+=("$P_KUBELET" "$P_KUBELET_HEALTHZ" "$P_PROXY_HEALTHZ" "$P_PROXY_METRICS" "$P_STREAM")
((run_argocd)) && ports+=("$P_REDIS" "$P_GIT" "$P_REPO" "$P_REPO_METRICS" "$P_CTRL_METRICS")
for p in "${ports[@]}"; do
  port_busy "$p" && die "port 127.0.0.1:$p is in use; set E2E_CLUSTER_PORT_BASE to a free range (now $base)"
done

mkdir -p "$dir"/{pki,etcd,logs,pids,git,argocd/home,argocd/tls,argocd/ssh,argocd/gpg,argocd/plugins}
# A failed start stops whatever did start (down.sh keeps the logs in .cache/logs/cluster-last),
# unless E2E_CLUSTER_KEEP_ON_FAILURE is set for debugging.
on_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -z "${E2E_CLUSTER_KEEP_ON_FAILURE:-}" ]]; then
    echo "up.sh: start-up failed (exit $rc); stopping what was started" >&2
    "$here/down.sh" >&2 || true
  fi
}
trap on_exit EXIT

# start NAME CMD...: runs CMD in its own session, output to logs/NAME.log, recorded (pids.sh).
start() {
  local name="$1"
  shift
  setsid "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  record "$name" $!
}

# wait_for NAME TIMEOUT_S CMD...: polls CMD until it succeeds; on timeout or death shows the log.
wait_for() {
  local name="$1" timeout="$2" deadline
  shift 2
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! ours "$name"; then
      tail -n 40 "$dir/logs/$name.log" >&2
      die "$name exited during start-up (log: $dir/logs/$name.log)"
    fi
    if (($(date +%s) > deadline)); then
      tail -n 40 "$dir/logs/$name.log" >&2
      die "$name not ready after ${timeout}s (log: $dir/logs/$name.log)"
    fi
    sleep 0.3
  done
  log "${WAIT_WHAT:-$name ready}"
}

# --- PKI + kubeconfigs --------------------------------------------------------------------
# The API server advertises the node IP (the `kubernetes` Service's endpoint) rather than a
# machine address outside 198.18.0.0/15; the first Service IP is the `kubernetes` Service's.
"$here/certs.sh" "$dir/pki" "$NODE_NAME" "$NODE_IP" "${SERVICE_CIDR%.0/*}.1"
server="https://127.0.0.1:$P_API"
for user in admin controller-manager scheduler kubelet kube-proxy; do
  sed -e "s#@SERVER@#$server#g" -e "s#@PKI@#$dir/pki#g" -e "s#@USER@#$user#g" \
    "$here/kubeconfig.tmpl" >"$dir/$user.kubeconfig"
done
cp "$dir/admin.kubeconfig" "$dir/kubeconfig"
export KUBECONFIG="$dir/kubeconfig"
log "certs and kubeconfigs in $dir"

curl_api() { curl -fsS --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" "$server$1"; }

# --- etcd ---------------------------------------------------------------------------------
start etcd "$etcd_bin" --name e2e --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$P_ETCD" --advertise-client-urls "http://127.0.0.1:$P_ETCD" \
  --listen-peer-urls "http://127.0.0.1:$P_ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$P_ETCD_PEER" \
  --initial-cluster "e2e=http://127.0.0.1:$P_ETCD_PEER" --initial-cluster-state new \
  --snapshot-count 10000 --quota-backend-bytes 2147483648
wait_for etcd 30 curl -fsS "http://127.0.0.1:$P_ETCD/health"

# --- kube-apiserver -------------------------------------------------------------------------
# Node,RBAC like kubeadm: the kubelet is confined by the Node authorizer and NodeRestriction, the
# project's RBAC objects are enforced, and PodSecurity admission enforces the namespaces'
# pod-security.kubernetes.io labels. Every client uses a cert (admin is system:masters).
start kube-apiserver "$kbin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$P_ETCD" \
  --bind-address 127.0.0.1 --secure-port "$P_API" --advertise-address "$NODE_IP" \
  --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
  --client-ca-file "$dir/pki/ca.crt" \
  --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction,PodSecurity \
  --kubelet-client-certificate "$dir/pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$dir/pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP \
  --allow-privileged=true \
  --profiling=false \
  --event-ttl 30m \
  --enable-priority-and-fairness=false
wait_for kube-apiserver 120 curl_api /readyz
log "kube-apiserver $("$kbin/kube-apiserver" --version 2>/dev/null | awk '{print $2}') at $server"

# --- controller-manager + scheduler ------------------------------------------------------------
start kube-controller-manager "$kbin/kube-controller-manager" \
  --kubeconfig "$dir/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$P_KCM" \
  --controllers '*' --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$dir/pki/ca.crt" \
  --cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key" \
  --allocate-node-cidrs=true --cluster-cidr "$POD_CIDR" --node-cidr-mask-size "${POD_CIDR#*/}" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --cluster-name gitops-e2e
start kube-scheduler "$kbin/kube-scheduler" \
  --kubeconfig "$dir/scheduler.kubeconfig" \
  --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
  --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$P_SCHED" --leader-elect=false
wait_for kube-controller-manager 60 curl -kfsS "https://127.0.0.1:$P_KCM/healthz"
wait_for kube-scheduler 60 curl -kfsS "https://127.0.0.1:$P_SCHED/healthz"

# --- the real node -----------------------------------------------------------------------------
if ((want_node)); then
  # shellcheck source=SCRIPTDIR/node/node-up.sh
  source "$here/node/node-up.sh"
  start_node
fi
# The ServiceAccount admission plugin rejects pods until the default SA exists in the namespace.
WAIT_WHAT="default service account created" wait_for kube-controller-manager 60 kubectl get serviceaccount default -n default

# --- Argo CD --------------------------------------------------------------------------------
git_url="http://127.0.0.1:$P_GIT"
if ((run_argocd)); then
  start redis redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no \
    --protected-mode no --dir "$dir/argocd"
  wait_for redis 20 redis-cli -p "$P_REDIS" ping
  start git-http node "$here/git-http-server.mjs" "$dir/git" "$P_GIT"
  wait_for git-http 20 curl -fsS -o /dev/null "$git_url/healthz"

  crds="$(cd "$here/argocd-build" && go list -m -f '{{.Dir}}' "github.com/argoproj/argo-cd/v3")/manifests/crds"
  [[ -d "$crds" ]] || die "Argo CD CRDs not found at $crds (is the module downloaded? run build.sh argocd)"
  # Server-side apply: the ApplicationSet CRD is larger than the client-side apply annotation limit.
  kubectl apply --server-side --force-conflicts -f "$crds/application-crd.yaml" -f "$crds/appproject-crd.yaml" \
    -f "$crds/applicationset-crd.yaml" >/dev/null
  kubectl wait --for=condition=Established crd/applications.argoproj.io crd/appprojects.argoproj.io --timeout=30s >/dev/null
  kubectl apply -k "$here/argocd-bootstrap" >/dev/null
  # The project's patch for an Argo CD installation (HPA health with or without metrics-server),
  # applied the way docs/operators-guide.md applies it.
  kubectl -n argocd patch configmap argocd-cm --type merge \
    --patch-file "$here/../../../argocd-install/argocd-cm-hpa-health.yaml" >/dev/null
  if ! kubectl get secret argocd-secret -n argocd >/dev/null 2>&1; then
    kubectl create secret generic argocd-secret -n argocd \
      --from-literal=server.secretkey="$(openssl rand -hex 32)" >/dev/null
    kubectl label secret argocd-secret -n argocd app.kubernetes.io/part-of=argocd >/dev/null
  fi
  log "Argo CD CRDs and config applied"

  # Environment shared by both Argo CD processes: writable paths instead of /app/config and
  # /home/argocd, no GnuPG, kustomize from .cache/bin, and ARGOCD_FAKE_IN_CLUSTER so the
  # in-cluster destination https://kubernetes.default.svc means "the cluster in $KUBECONFIG".
  argo_env=(env HOME="$dir/argocd/home" PATH="$argocd_dir:$kustomize_dir:$PATH" KUBECONFIG="$dir/admin.kubeconfig"
    ARGOCD_FAKE_IN_CLUSTER=true ARGOCD_GPG_ENABLED=false ARGOCD_TLS_DATA_PATH="$dir/argocd/tls"
    ARGOCD_SSH_DATA_PATH="$dir/argocd/ssh" ARGOCD_GNUPGHOME="$dir/argocd/gpg"
    ARGOCD_PLUGINSOCKFILEPATH="$dir/argocd/plugins" ARGOCD_ASK_PASS_SOCK="$dir/argocd/askpass.sock"
    ARGOCD_APP_CONF_PATH="$dir/argocd" ARGOCD_EXEC_TIMEOUT=90s)
  start argocd-repo-server "${argo_env[@]}" "$argocd_dir/argocd-repo-server" \
    --address 127.0.0.1 --port "$P_REPO" --metrics-address 127.0.0.1 --metrics-port "$P_REPO_METRICS" \
    --disable-tls --redis "127.0.0.1:$P_REDIS" --loglevel info
  wait_for argocd-repo-server 60 curl -fsS "http://127.0.0.1:$P_REPO_METRICS/metrics"
  start argocd-application-controller "${argo_env[@]}" "$argocd_dir/argocd-application-controller" \
    --kubeconfig "$dir/admin.kubeconfig" --namespace argocd \
    --repo-server "127.0.0.1:$P_REPO" --repo-server-plaintext --redis "127.0.0.1:$P_REDIS" \
    --metrics-port "$P_CTRL_METRICS" --status-processors 4 --operation-processors 2 \
    --app-resync 15 --self-heal-timeout-seconds 2 --loglevel info
  wait_for argocd-application-controller 60 curl -fsS "http://127.0.0.1:$P_CTRL_METRICS/metrics"
fi

cat >"$dir/env" <<EOF
export KUBECONFIG=$dir/kubeconfig
export E2E_CLUSTER_DIR=$dir
export E2E_CLUSTER_API=$server
export E2E_CLUSTER_ARGOCD_RUNNING=$run_argocd
export E2E_CLUSTER_NODE_RUNNING=$want_node
export E2E_PAUSE_IMAGE=${pause_image:-}
export E2E_GIT_URL=$git_url
export E2E_GIT_ROOT=$dir/git
export E2E_REDIS_PORT=$P_REDIS
EOF
total=$(ms)
echo "$(date -u +%FT%TZ) startup ${total}ms argocd=$run_argocd node=$want_node" >>"$cache/logs/startup-times.log" 2>/dev/null || true
log "cluster up in ${total}ms (argocd=$run_argocd, node=$want_node); source $dir/env"
cat "$dir/env"
