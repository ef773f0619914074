#!/usr/bin/env bash
# Whole-binary comparison: `vpcscope flows summary` against DuckDB (read_csv with a space
# delimiter + the same GROUP BY, benches/duckdb/summary.sql) on the same generated file, in
# the same run. Prints wall time and peak RSS (from /usr/bin/time -v) of each, and the ratio.
#
# Usage: benches/flows-vs-duckdb.sh [RECORDS] [CONVERSATIONS] [RUNS]
#   defaults: 10,000,000 records (about 1.1 GB), 100,000 conversations, 3 runs (best kept)
# Environment: KEEP=1 keeps the generated file; TMPDIR chooses where it goes.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-10000000}
conversations=${2:-100000}
runs=${3:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

benches/duckdb/setup.sh
# The AWS SDK is not used by file inputs: build without it (same hot code, much faster build).
cargo build --release --quiet --no-default-features --bin vpcscope
bin="$CARGO_TARGET_DIR/release/vpcscope"

work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
file="$work/flows.log"
"$bin" flows generate --records "$records" --conversations "$conversations" -o "$file"
size=$(stat -c %s "$file")
cat "$file" >/dev/null # same warm page cache for both tools

# measure NAME CMD...: best wall time (s) and its peak RSS (KB) over $runs runs.
measure() {
  local name=$1; shift
  local best_wall="" best_rss=""
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$name.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; best_rss=$rss; fi
  done
  echo "$best_wall $best_rss"
}

read -r v_wall v_rss < <(measure vpcscope "$bin" flows summary --format json "$file")
read -r d_wall d_rss < <(measure duckdb benches/duckdb/.venv/bin/python benches/duckdb/run.py "$file" "$(nproc)")

# Same answer: record total and distinct conversations.
v_total=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["records"]["total"], d["conversations_total"])' "$work/vpcscope.out")
# DuckDB prints one block per statement: the distinct-conversation count (one number) and the
# records per log-status (STATUS<TAB>N lines), in summary.sql's order.
d_total=$(awk 'BEGIN{RS=""} NR<=2 { if ($0 ~ /\t/) { n=split($0,l,"\n"); for(i=1;i<=n;i++){split(l[i],f,"\t"); t+=f[2]} } else { c=$1 } } END {print t, c}' "$work/duckdb.out")

echo
echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /,""); print; exit}' /proc/cpuinfo)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)   duckdb: $(benches/duckdb/.venv/bin/python -c 'import duckdb; print(duckdb.__version__)')"
echo "input:   $records records, $conversations conversations, $size bytes"
printf '%-10s %10s %12s %14s %s\n' tool wall_s GB_per_s peak_rss_MB "records,conversations"
printf '%-10s %10.3f %12.3f %14.1f %s\n' vpcscope "$v_wall" "$(awk "BEGIN{print $size/$v_wall/1e9}")" "$(awk "BEGIN{print $v_rss/1024}")" "${v_total// /,}"
printf '%-10s %10.3f %12.3f %14.1f %s\n' duckdb "$d_wall" "$(awk "BEGIN{print $size/$d_wall/1e9}")" "$(awk "BEGIN{print $d_rss/1024}")" "${d_total// /,}"
echo "ratio (duckdb wall / vpcscope wall): $(awk "BEGIN{printf \"%.2f\", $d_wall/$v_wall}")x"
