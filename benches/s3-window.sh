#!/usr/bin/env bash
# Whole-binary timing of an S3 read with a time window, against moto's S3 (the emulator the
# tests use, started the way scripts/test.sh starts it): `flows summary s3://...` over a day
# of gzip text logs under AWS's default key layout with hourly partitions
# (AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/<hh>/, a file every 5 minutes:
# 288 objects), with a window whose files are about 10% of them. Prints the wall time and
# peak RSS, the objects listed, skipped and fetched, the listing requests, and the same
# window read from the same files on local disk (the baseline: S3 wall / local wall).
#
# Usage: benches/s3-window.sh [TOTAL_MB] [RUNS]
#   TOTAL_MB: size of the layout as stored (gzip), default 1024; RUNS: best of, default 3.
# The 12 bodies of an hour (one per 5-minute file, `flows generate` with seeds 1..12 and a
# header line) are reused for every hour: their records carry the generator's timestamps
# (2023-11-14 22:13 UTC, the layout's first hour), so every record of a fetched file is in
# the window and the run measures listing, fetching, inflating and parsing. The local copy
# is hard links to the 12 bodies; moto holds the uploaded layout in memory.
# Environment: KEEP=1 keeps the generated files; TMPDIR chooses where they go; VPCSCOPE_BIN
# uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
total_mb=${1:-1024}
runs=${2:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

scripts/setup-moto.sh
py=$PWD/.venv/bin/python
# S3 needs the AWS feature (the default build); VPCSCOPE_BIN names a binary built already.
if [ -n "${VPCSCOPE_BIN:-}" ]; then
  bin=$VPCSCOPE_BIN
else
  cargo build --release --quiet --bin vpcscope
  bin="$CARGO_TARGET_DIR/release/vpcscope"
fi

work=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
cleanup() { kill "$moto_pid" 2>/dev/null || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  if "$py" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.2
done
endpoint="http://127.0.0.1:$port"
# Fake credentials: moto accepts anything.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

# The 12 bodies, each about TOTAL_MB/288 MB of gzip (5.5 bytes of text per gzip byte, about
# 114 bytes a record).
account=123456789012
records=$(( total_mb * 1024 * 1024 / 288 * 55 / 10 / 114 ))
header="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
mkdir -p "$work/bodies"
for s in $(seq 1 12); do
  { echo "$header"; "$bin" flows generate --records "$records" --conversations 20000 --interfaces 64 --seed "$s" 2>/dev/null; } | gzip -6 >"$work/bodies/$s.log.gz"
done

# The layout: 24 hours from 2023-11-14T22:00Z, a file every 5 minutes (hard links).
start=$(date -u -d 2023-11-14T22:00:00Z +%s)
since=2023-11-14T22:13:00Z
until=2023-11-14T23:20:00Z
# The files the window reaches, by the reader's rule (file-name time from 15 minutes before
# the window to an hour after it).
lo=$(( $(date -u -d $since +%s) - 900 )); hi=$(( $(date -u -d $until +%s) + 3600 ))
: >"$work/window.txt"
for i in $(seq 0 287); do
  t=$(( start + i * 300 ))
  dir="AWSLogs/$account/vpcflowlogs/us-east-1/$(date -u -d @$t +%Y/%m/%d/%H)"
  key="$dir/${account}_vpcflowlogs_us-east-1_fl-0123456789abcdef0_$(date -u -d @$t +%Y%m%dT%H%MZ)_$(printf '%08x' $i).log.gz"
  mkdir -p "$work/bucket/$dir"
  ln "$work/bodies/$(( i % 12 + 1 )).log.gz" "$work/bucket/$key"
  if [ "$t" -ge "$lo" ] && [ "$t" -le "$hi" ]; then echo "$work/bucket/$key" >>"$work/window.txt"; fi
done
bucket=vpcscope-bench-$$
"$py" - "$endpoint" "$bucket" "$work/bucket" <<'EOF'
import os, sys, boto3
from concurrent.futures import ThreadPoolExecutor
endpoint, bucket, root = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
with ThreadPoolExecutor(4) as pool:
    list(pool.map(lambda p: s3.upload_file(p, bucket, os.path.relpath(p, root)), files))
EOF
stored=$(( $(du -b --apparent-size -c "$work"/bodies/*.log.gz | tail -1 | cut -f1) * 24 ))

# measure NAME CMD...: best wall time (s) and its peak RSS (KB) over $runs runs.
. benches/measure.sh

window=(--since "$since" --until "$until")
read -r s_wall s_rss < <(measure s3 "$bin" flows summary --quiet --format json "s3://$bucket/" "${window[@]}" --endpoint-url "$endpoint" --region us-east-1)
mapfile -t files <"$work/window.txt"
read -r l_wall l_rss < <(measure local "$bin" flows summary --quiet --format json "${files[@]}" "${window[@]}")
stats=$("$py" - "$work/s3.out" "$work/local.out" <<'EOF'
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:3])
x = s["s3"]
same = all(s[k] == l[k] for k in ("conversations_total", "top_talkers", "rejected", "interfaces")) and s["records"]["ok"] == l["records"]["ok"]
print(x["objects_listed"], x["objects_skipped"], x["objects_read"], x["get_object_requests"], len(x["list_requests"]), x["bytes"], s["records"]["ok"], "same" if same else "DIFFERENT")
print(" ".join(x["list_prefixes"]))
EOF
)
read -r listed skipped read_ gets lists bytes ok same <<<"$(head -1 <<<"$stats")"
echo
echo "layout:   288 objects, $stored bytes stored (gzip text, $records records each), s3://$bucket/ on moto"
echo "window:   $since .. $until: ${#files[@]} files by name ($(awk "BEGIN{printf \"%.1f\", ${#files[@]}*100/288}")% of the objects)"
echo "listed:   $listed objects under $lists ListObjectsV2 requests; prefixes: $(tail -1 <<<"$stats")"
echo "fetched:  $read_ objects ($gets GetObject requests, $bytes bytes), skipped by name: $skipped; records read: $ok"
printf '%-10s %10s %12s %14s\n' source wall_s MB_per_s peak_rss_MB
printf '%-10s %10.3f %12.1f %14.1f\n' s3 "$s_wall" "$(awk "BEGIN{v=$s_wall; if (v < 0.01) v = 0.01; print $bytes/v/1e6}")" "$(awk "BEGIN{print $s_rss/1024}")"
printf '%-10s %10.3f %12.1f %14.1f\n' local "$l_wall" "$(awk "BEGIN{v=$l_wall; if (v < 0.01) v = 0.01; print $bytes/v/1e6}")" "$(awk "BEGIN{print $l_rss/1024}")"
echo "ratio (s3 wall / local wall): $(awk "BEGIN{v=$l_wall; if (v < 0.01) v = 0.01; printf \"%.2f\", $s_wall/v}")x; reports: $same"
echo "machine:  $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
if [ "$same" != same ] || [ "$read_" != "${#files[@]}" ]; then
  echo "FAIL: the S3 read and the local read differ (or read other files than the window's)" >&2
  exit 1
fi
