#!/usr/bin/env bash
# Whole-binary comparison of `flows explain` against `flows summary` on the same input:
# a generated 10k-interface network and N flow-log records between its interfaces.
# Usage: benches/explain-vs-summary.sh [RECORDS] [ENIS]   (default 10,000,000 and 10,000)
# Prints wall time and peak RSS of both and the ratio explain/summary (target: <= 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-10000000}
enis=${2:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The AWS SDK is not used by file inputs: build without it (same hot code, much faster build).
cargo build --release --quiet --no-default-features --bin vpcscope --example gen_network
target/release/examples/gen_network "$work/snap" "$enis" "$records"
ls -l "$work/flows.log"
run() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out"
  read -r secs kb < "$work/$name.time"
  echo "$name: ${secs}s wall, $((kb / 1024)) MB peak RSS"
}
# Warm the page cache so both runs read from memory.
cat "$work/flows.log" > /dev/null
run summary target/release/vpcscope flows summary --format json "$work/flows.log"
run explain target/release/vpcscope flows explain --quiet --format json --snapshot "$work/snap" "$work/flows.log"
s=$(cut -d' ' -f1 "$work/summary.time"); e=$(cut -d' ' -f1 "$work/explain.time")
python3 -c "print(f'explain/summary = {float($e)/float($s):.2f}x')"
python3 - "$work/explain.out" <<'PY'
import json, sys, collections
r = json.load(open(sys.argv[1]))
print("records:", r["records"], "conversations:", r["conversations"])
print("findings by kind:", dict(collections.Counter(f["kind"] for f in r["findings"])))
PY
