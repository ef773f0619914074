#!/usr/bin/env bash
# A short fuzzing run of every libFuzzer target in fuzz/ (30 s each by default): builds
# cargo-fuzz if it is missing, then runs flowlog, snapshot and intent from their committed
# seeds. Fails on the first crash (libFuzzer leaves the input in fuzz/artifacts/).
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
mkdir -p corpus/flowlog corpus/snapshot corpus/intent
# cargo-fuzz needs nightly features; the stable toolchain allows them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for target in flowlog snapshot intent; do
  dict=()
  [ "$target" = snapshot ] && dict=(-dict=snapshot.dict)
  echo "== fuzz $target for ${seconds}s"
  cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048
done
