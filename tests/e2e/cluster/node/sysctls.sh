#!/usr/bin/env bash
# Prints "key value" for each sysctl in sysctls.txt that this kernel has (node-up.sh records this;
# node-down.sh writes the values back).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while read -r key; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  f="/proc/sys/${key//.//}"
  [[ -r "$f" ]] && printf '%s %s\n' "$key" "$(tr '\t' ' ' <"$f")"
done <"$here/sysctls.txt"
