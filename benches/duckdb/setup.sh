#!/usr/bin/env bash
# Creates benches/duckdb/.venv with DuckDB from PyPI (idempotent).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import duckdb' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet duckdb
fi
.venv/bin/python -c 'import duckdb; print("duckdb", duckdb.__version__)'
