#!/usr/bin/env bash
# Whole-binary timing of `vpcscope paths --from internet --to databases` and `vpcscope graph
# --level subnet` on the generated 10k-interface network, against `vpcscope matrix --ports all`
# on the same network in the same run (the baseline: paths computes a matrix first).
# Usage: benches/paths-binary.sh [SIZE]   (default 10000)
# Prints a Markdown table: command, wall seconds, CPU seconds (user + system), peak MB, output
# MB, and ratios to the matrix baseline; and the machine's load before and after.
# Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
cargo build --release --quiet --no-default-features --bin vpcscope --example gen_network
bin="${CARGO_TARGET_DIR:-target}/release/vpcscope"
gen="${CARGO_TARGET_DIR:-target}/release/examples/gen_network"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$gen" "$work/net" "$n" >/dev/null 2>&1
echo "$(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | seconds | CPU seconds | peak MB | output MB | seconds / matrix | MB / matrix |"
echo "|---|--:|--:|--:|--:|--:|--:|"
base_s=""; base_mb=""
run() {
  local name="$1"; shift
  /usr/bin/time -v "$bin" "$@" --snapshot "$work/net" --quiet > "$work/out" 2> "$work/time.txt" || true
  local secs cpu mb out
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time.txt")
  mb=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
  out=$(awk -v b="$(stat -c %s "$work/out")" 'BEGIN {printf "%.1f", b/1048576}')
  if [ -z "$base_s" ]; then base_s="$secs"; base_mb="$mb"; fi
  echo "| $name | $secs | $cpu | $mb | $out | $(awk -v a="$secs" -v b="$base_s" 'BEGIN {printf "%.1f", a/b}') | $(awk -v a="$mb" -v b="$base_mb" 'BEGIN {printf "%.1f", a/b}') |"
}
run "matrix --ports all --format json (baseline)" matrix --ports all --format json
run "paths --from internet --to databases --format json" paths --from internet --to databases --format json
run "paths --from internet --to databases --top 1 --format json" paths --from internet --to databases --top 1 --format json
run "graph --level subnet --format json" graph --level subnet --format json
run "graph --level subnet --format dot" graph --level subnet --format dot
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
