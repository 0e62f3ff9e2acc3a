# shellcheck shell=bash
# Sourced by up.sh, down.sh and node/node-down.sh after they set $dir (the cluster's state dir).
#
# up.sh starts every process with GITOPS_E2E_CLUSTER=$dir in its environment. A pid file can
# outlive its process (a crash, or the machine's processes killed without down.sh), and the number
# may then belong to anything; only a process that carries the marker is ever taken for ours.
cluster_marker="GITOPS_E2E_CLUSTER=$dir"

# running PID: one of this cluster's processes, alive and not a zombie (an exited child of a
# reaper that has not waited for it yet).
running() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qxF "$cluster_marker" && return 0
  # redis-server takes its environment's memory for its process title, which blanks
  # /proc/PID/environ; up.sh starts it with --dir "$dir/argocd", so its working directory marks it.
  [[ "$(readlink "/proc/$1/cwd" 2>/dev/null)" == "$dir/"* ]]
}
