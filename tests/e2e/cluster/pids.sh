# shellcheck shell=bash
# Sourced by up.sh, down.sh and node/node-down.sh after they set $dir (the cluster's state dir).
#
# A pid file can outlive its process (a crash, or the machine's processes killed without down.sh),
# and its number may then belong to anything. So up.sh records each process's start time (clock
# ticks since boot, fixed at fork) beside its pid, and only a process whose start time matches is
# ever taken for the cluster's. (A marker in the environment would not do: redis overwrites it with
# its process title.)

# state_and_start PID: the process's state letter and start time, or nothing when there is none.
state_and_start() {
  local stat
  local -a f
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }" # comm, in parentheses, may hold spaces
  read -r -a f <<<"$stat"
  echo "${f[0]} ${f[19]}"
}

# record NAME PID: remembers PID as the cluster's process NAME.
record() {
  local now
  now="$(state_and_start "$2")"
  echo "$2" >"$dir/pids/$1.pid"
  echo "${now#* }" >"$dir/pids/$1.start"
}

# ours NAME: the process recorded as NAME is alive, not a zombie (an exited child of a reaper that
# has not waited for it yet), and the very process that was recorded.
ours() {
  local pid start now
  pid="$(cat "$dir/pids/$1.pid" 2>/dev/null)" && [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  start="$(cat "$dir/pids/$1.start" 2>/dev/null)" && [[ -n "$start" ]] || return 1
  now="$(state_and_start "$pid")"
  [[ -n "$now" && "${now%% *}" != Z && "${now#* }" == "$start" ]]
}

# stop NAME PREFIX [group]: SIGTERM to the recorded process (with "group", to its process group:
# up.sh starts each in a session of its own), SIGKILL after 10 s; forgets it.
stop() {
  local name="$1" prefix="$2" target pid
  if ours "$name"; then
    pid="$(cat "$dir/pids/$name.pid")"
    target="$pid"
    [[ "${3:-}" == group ]] && target="-$pid"
    kill -TERM -- "$target" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      ours "$name" || break
      sleep 0.1
    done
    if ours "$name"; then
      echo "$prefix: $name ($pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL -- "$target" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "$prefix: stopped $name ($pid)"
  fi
  rm -f "$dir/pids/$name.pid" "$dir/pids/$name.start"
}
