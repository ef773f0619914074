#!/usr/bin/env bash
# Whole-binary scaling of `vpcscope matrix --ports all --format json` on generated networks.
# Usage: benches/matrix-scaling.sh [SIZES...]   (default: 1000 5000 10000 50000)
# Prints: ENIs | classes | seconds | peak MB. Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 5000 10000 50000}")
[ $# -eq 0 ] && sizes=(1000 5000 10000 50000)
cargo build --release --quiet --bin vpcscope --example gen_network
bin="${CARGO_TARGET_DIR:-target}/release/vpcscope"
gen="${CARGO_TARGET_DIR:-target}/release/examples/gen_network"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "| ENIs | classes | seconds | peak MB |"
echo "|-----:|--------:|--------:|--------:|"
for n in "${sizes[@]}"; do
  "$gen" "$work/net-$n" "$n" 2>/dev/null
  /usr/bin/time -v "$bin" matrix --snapshot "$work/net-$n" --ports all --format json --quiet > "$work/out.json" 2> "$work/time.txt" || true
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
  mb=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  enis=$(python3 -c "import json,sys; d=json.load(open('$work/out.json')); print(d['stats']['interfaces'], d['stats']['classes'])")
  set -- $enis
  echo "| $1 | $2 | $secs | $mb |"
done
