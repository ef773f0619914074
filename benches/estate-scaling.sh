#!/usr/bin/env bash
# Whole-binary scaling of vpcscope on generated multi-account estates (`gen_network --accounts`,
# `vpcscope::testgen::estate`: VPCs dealt to accounts in blocks, a network account sharing
# the transit gateway). One account per 2,000 requested interfaces (50 accounts at 100,000).
# Usage: benches/estate-scaling.sh [SIZES...]   (default: 10000 50000 100000)
# Prints a Markdown table: requested size, interfaces, accounts, VPCs; then, each as wall
# seconds / peak resident MB: load (a `reach` of one pair: load, topology and one walk),
# `audit --format json` (above 5,000 interfaces it does not look for lateral paths unasked),
# and `matrix --ports all --format json`; and the machine's load before and after, since wall
# time on a shared machine depends on it. The first row is the baseline the others read
# against (its figures are in the same run).
# Needs GNU time (/usr/bin/time) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ $# -eq 0 ] && sizes=(10000 50000 100000)
cargo build --release --quiet --no-default-features --bin vpcscope --example gen_network
bin="${CARGO_TARGET_DIR:-target}/release/vpcscope"
gen="${CARGO_TARGET_DIR:-target}/release/examples/gen_network"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Wall seconds and peak MB of one command, as "S / MB".
timed() {
  /usr/bin/time -v "$@" > "$work/out" 2> "$work/time.txt" || true
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]}
              /Maximum resident set size/ {mb=$2/1024}
              END {printf "%.2f s / %.0f MB", s, mb}' "$work/time.txt"
}
echo "$(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| requested | ENIs | accounts | VPCs | load + one reach | audit | matrix --ports all |"
echo "|----------:|-----:|---------:|-----:|-----------------:|------:|-------------------:|"
for n in "${sizes[@]}"; do
  accounts=$(( n / 2000 > 1 ? n / 2000 : 1 ))
  net="$work/estate-$n"
  "$gen" "$net" "$n" --accounts "$accounts" 2>/dev/null
  # A pair across accounts: the first and the last generated interface.
  first=$(python3 -c "import json,glob; print(json.load(open(sorted(glob.glob('$net/accounts/*/us-east-1/NetworkInterfaces.json'))[0]))['NetworkInterfaces'][1]['NetworkInterfaceId'])")
  last=$(python3 -c "import json,glob; print(json.load(open(sorted(glob.glob('$net/accounts/*/us-east-1/NetworkInterfaces.json'))[-1]))['NetworkInterfaces'][-1]['NetworkInterfaceId'])")
  load=$(timed "$bin" reach --snapshot "$net" --from "$first" --to "$last" --port 443 --quiet)
  audit=$(timed "$bin" audit --snapshot "$net" --format json --quiet)
  matrix=$(timed "$bin" matrix --snapshot "$net" --ports all --format json --quiet)
  stats=$(python3 -c "import json; s=json.load(open('$work/out'))['stats']; print(s['interfaces'])")
  vpcs=$(python3 -c "import json,glob; print(sum(len(json.load(open(f))['Vpcs']) for f in glob.glob('$net/accounts/*/us-east-1/Vpcs.json')))")
  echo "| $n | $stats | $accounts | $vpcs | $load | $audit | $matrix |"
  rm -rf "$net"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
