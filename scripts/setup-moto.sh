#!/usr/bin/env bash
# Creates .venv with a pinned moto server and boto3, once. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
if [ ! -x .venv/bin/moto_server ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    'moto[server]==5.1.*' 'boto3>=1.34'
fi
