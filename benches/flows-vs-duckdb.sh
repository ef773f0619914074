#!/usr/bin/env bash
# Whole-binary comparison: `vpcscope flows summary` against DuckDB (the same GROUP BY,
# benches/duckdb/summary.sql) on the same generated files, in the same run. Three cases:
#   text-low   default-format text, RECORDS records, CONVERSATIONS conversations (read_csv)
#   text-high  the same with HIGH_CONVERSATIONS conversations (the busy-estate case)
#   parquet    the text-low records as a Parquet file shaped like AWS's (Athena's column
#              names, INT32 ports, INT64 counters, gzip; written by DuckDB), read_parquet
# Prints wall time and peak RSS (from /usr/bin/time -v) of each tool per case, and the ratio.
#
# Usage: benches/flows-vs-duckdb.sh [RECORDS] [CONVERSATIONS] [RUNS] [HIGH_CONVERSATIONS]
#   defaults: 10,000,000 records (about 1.1 GB), 100,000 conversations, 3 runs (best kept),
#   1,000,000 conversations for text-high
# Environment: KEEP=1 keeps the generated files; TMPDIR chooses where they go; CASES picks
# cases (default "text-low text-high parquet").
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-10000000}
conversations=${2:-100000}
runs=${3:-3}
high=${4:-1000000}
cases=${CASES:-text-low text-high parquet}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

benches/duckdb/setup.sh
py=benches/duckdb/.venv/bin/python
# The AWS SDK is not used by file inputs: build without it (same hot code, much faster
# build), with Parquet.
cargo build --release --quiet --no-default-features --features parquet --bin vpcscope
bin="$CARGO_TARGET_DIR/release/vpcscope"

work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

# measure NAME CMD...: best wall time (s) and its peak RSS (KB) over $runs runs.
. benches/measure.sh

text() { # CONVERSATIONS -> path of a generated text file
  local f="$work/flows-$1.log"
  [ -f "$f" ] || "$bin" flows generate --records "$records" --conversations "$1" -o "$f" 2>/dev/null
  echo "$f"
}

summary=()
for case in $cases; do
  case $case in
    text-low) file=$(text "$conversations"); kind=text; convs=$conversations ;;
    text-high) file=$(text "$high"); kind=text; convs=$high ;;
    parquet)
      src=$(text "$conversations"); file="$work/flows-$conversations.parquet"; kind=parquet; convs=$conversations
      [ -f "$file" ] || "$py" benches/duckdb/run.py "$src" "$(nproc)" to-parquet "$file" >/dev/null ;;
    *) echo "unknown case $case" >&2; exit 2 ;;
  esac
  size=$(stat -c %s "$file")
  cat "$file" >/dev/null # same warm page cache for both tools
  read -r v_wall v_rss < <(measure vpcscope "$bin" flows summary --quiet --format json "$file")
  read -r d_wall d_rss < <(measure duckdb "$py" benches/duckdb/run.py "$file" "$(nproc)" "$kind")
  # Same answer: record total and distinct conversations.
  v_total=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["records"]["total"], d["conversations_total"])' "$work/vpcscope.out")
  # DuckDB prints one block per statement, in summary.sql's order: the rows the CREATE TABLE
  # inserted (one number), the records per log-status (STATUS<TAB>N lines), then the
  # distinct-conversation count (one number).
  d_total=$(awk 'BEGIN{RS=""} { if ($0 ~ /\t/) { if (!seen) { n=split($0,l,"\n"); for(i=1;i<=n;i++){split(l[i],f,"\t"); t+=f[2]}; seen=1 } } else if (seen && c == "") { c=$1 } } END {print t, c}' "$work/duckdb.out")
  # (/usr/bin/time counts in hundredths: a tiny input can take "0" seconds.)
  ratio=$(awk "BEGIN{v=$v_wall; if (v < 0.01) v = 0.01; printf \"%.2f\", $d_wall/v}")
  echo
  echo "case:    $case ($records records, $convs conversations, $size bytes)"
  printf '%-10s %10s %12s %14s %s\n' tool wall_s GB_per_s peak_rss_MB "records,conversations"
  printf '%-10s %10.3f %12.3f %14.1f %s\n' vpcscope "$v_wall" "$(awk "BEGIN{v=$v_wall; if (v < 0.01) v = 0.01; print $size/v/1e9}")" "$(awk "BEGIN{print $v_rss/1024}")" "${v_total// /,}"
  printf '%-10s %10.3f %12.3f %14.1f %s\n' duckdb "$d_wall" "$(awk "BEGIN{v=$d_wall; if (v < 0.01) v = 0.01; print $size/v/1e9}")" "$(awk "BEGIN{print $d_rss/1024}")" "${d_total// /,}"
  echo "ratio (duckdb wall / vpcscope wall): ${ratio}x"
  # The comparison means something only if both tools gave the same answer.
  if [ "$v_total" != "$d_total" ]; then
    echo "FAIL: $case: vpcscope counts ${v_total// /,} (records,conversations), DuckDB ${d_total// /,}" >&2
    exit 1
  fi
  summary+=("$case ${ratio}x (vpcscope ${v_wall}s $(awk "BEGIN{printf \"%.0f\", $v_rss/1024}") MB, duckdb ${d_wall}s)")
done

echo
echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /,""); print; exit}' /proc/cpuinfo)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)   duckdb: $("$py" -c 'import duckdb; print(duckdb.__version__)')"
for s in "${summary[@]}"; do echo "ratio:   $s"; done
