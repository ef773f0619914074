#!/usr/bin/env bash
# Whole-binary scaling of `vpcscope matrix --ports all --format json` on generated networks.
# Usage: benches/matrix-scaling.sh [SIZES...]   (default: 1000 5000 10000 25000 50000)
# Prints a Markdown table: requested size, interfaces, classes, path walks, reachable class
# pairs, wall seconds, CPU seconds (user + system, all threads), peak resident MB, JSON MB;
# and the machine's load before and after, since wall time on a shared machine depends on it.
# Needs GNU time (/usr/bin/time) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ $# -eq 0 ] && sizes=(1000 5000 10000 25000 50000)
cargo build --release --quiet --bin vpcscope --example gen_network
bin="${CARGO_TARGET_DIR:-target}/release/vpcscope"
gen="${CARGO_TARGET_DIR:-target}/release/examples/gen_network"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "$(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| requested | ENIs | classes | path walks | reachable class pairs | seconds | CPU seconds | peak MB | JSON MB |"
echo "|----------:|-----:|--------:|-----------:|----------------------:|--------:|------------:|--------:|--------:|"
for n in "${sizes[@]}"; do
  "$gen" "$work/net-$n" "$n" 2>/dev/null
  /usr/bin/time -v "$bin" matrix --snapshot "$work/net-$n" --ports all --format json --quiet > "$work/out.json" 2> "$work/time.txt" || true
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time.txt")
  mb=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  json_mb=$(awk -v b="$(stat -c %s "$work/out.json")" 'BEGIN {printf "%.1f", b/1048576}')
  stats=$(python3 -c "import json; s=json.load(open('$work/out.json'))['stats']; print(s['interfaces'], s['classes'], s['path_walks'], s['reachable_class_pairs'])")
  set -- $stats
  echo "| $n | $1 | $2 | $3 | $4 | $secs | $cpu | $mb | $json_mb |"
  rm -rf "$work/net-$n"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
