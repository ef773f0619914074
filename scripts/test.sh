#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, starts a local
# moto server (an AWS API emulator on 127.0.0.1; tests never touch real AWS), runs every
# test, and stops the server. Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

# --- audit (issue 6): headless Chromium renders the HTML report in a test. -------------
# The test skips with a NOTICE when no browser can be found; CI installs Debian's.
command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && { apt-get update -qq >/dev/null 2>&1 || true; } && apt-get install -y -qq chromium >/dev/null 2>&1; } || echo "NOTICE: chromium not installed; the HTML browser test will skip"
# --- end audit ---------------------------------------------------------------------------

# What will run and what will skip, said before anything runs.
echo "== optional test inputs"
if [ -d ../shared/fixtures ]; then
  echo "shared fixtures: ../shared/fixtures present (Batfish cross-checks and their golden cases run)"
else
  echo "NOTICE: ../shared/fixtures absent: the Batfish cross-checks and golden cases that read it will skip"
fi
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium) (the HTML report is rendered in a headless browser)"
else
  echo "NOTICE: chromium not on PATH: the headless-browser check of the HTML report will skip"
fi
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  echo "AVX2: present (the AVX2 flow-log fast path is tested against its scalar twin)"
else
  echo "NOTICE: no AVX2 on this CPU: the AVX2 fast-path tests will skip"
fi

# 1. Python venv with moto (the AWS emulator) and boto3 (builds test networks in it).
scripts/setup-moto.sh

# 2. moto on a free loopback port.
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >target/moto.log 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.2
done
export VPCSCOPE_MOTO_ENDPOINT="http://127.0.0.1:$port"
export VPCSCOPE_PYTHON="$PWD/.venv/bin/python"
# Fake credentials: moto accepts anything, and no test may find real ones.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

# 3. Every test: unit tests, the integration binary (tests/it), doc tests, and a
#    compile check of the benchmarks.
cargo test --all-targets "$@"
cargo test --doc
# The build without the AWS SDK (fuzzing, benches, offline use) must keep compiling.
cargo check --no-default-features --all-targets
