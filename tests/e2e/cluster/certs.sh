#!/usr/bin/env bash
# Generates the PKI of the local e2e cluster with openssl into DIR (idempotent: existing files
# are kept, so a restart of the cluster keeps working kubeconfigs):
#   ca.{crt,key}                 cluster CA (signs everything below; the API server trusts it for clients)
#   apiserver.{crt,key}          serving cert for 127.0.0.1 / localhost / kubernetes.default.svc
#   sa.{key,pub}                 service-account token signing key pair
#   admin.{crt,key}              CN=kubernetes-admin, O=system:masters (kubectl, tests, Argo CD)
#   controller-manager.{crt,key} CN=system:kube-controller-manager (bound by the default RBAC roles)
#   scheduler.{crt,key}          CN=system:kube-scheduler
#   kubelet.{crt,key}            CN=system:node:NODE_NAME, O=system:nodes (the Node authorizer's form)
#   kube-proxy.{crt,key}         CN=system:kube-proxy (bound to system:node-proxier by the default RBAC)
#   apiserver-kubelet-client.{crt,key}  the API server's identity at the kubelet API (logs, exec)
# usage: certs.sh DIR NODE_NAME [EXTRA_SAN_IP]...
set -euo pipefail

dir="${1:?usage: certs.sh DIR NODE_NAME [EXTRA_SAN_IP]...}"
node_name="${2:?usage: certs.sh DIR NODE_NAME [EXTRA_SAN_IP]...}"
shift 2
mkdir -p "$dir"
cd "$dir"
umask 077

if [[ ! -s ca.key ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=gitops-e2e-ca" 2>/dev/null
fi

if [[ ! -s sa.key ]]; then
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
fi

# sign NAME SUBJECT EXTFILE_CONTENT
sign() {
  local name="$1" subj="$2" ext="$3"
  [[ -s "$name.crt" ]] && return 0
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
  printf '%s\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" \
    -days 3650 -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

san="DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1"
for ip in "$@"; do san="$san,IP:$ip"; done
sign apiserver "/CN=kube-apiserver" "$(printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s' "$san")"

client_ext="$(printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth')"
sign admin "/O=system:masters/CN=kubernetes-admin" "$client_ext"
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
sign scheduler "/CN=system:kube-scheduler" "$client_ext"
sign kubelet "/O=system:nodes/CN=system:node:$node_name" "$client_ext"
sign kube-proxy "/CN=system:kube-proxy" "$client_ext"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
chmod 600 ./*.key
