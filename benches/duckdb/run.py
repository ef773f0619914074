"""Runs benches/duckdb/summary.sql on one flow-log file with DuckDB and prints each result.
Usage: run.py FILE [THREADS]"""
import pathlib
import sys

import duckdb

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
sql = (pathlib.Path(__file__).parent / "summary.sql").read_text().replace("FLOWLOG_FILE", path.replace("'", "''"))
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
for stmt in [s for s in sql.split(";") if s.strip() and not all(l.strip().startswith("--") or not l.strip() for l in s.splitlines())]:
    rows = con.execute(stmt).fetchall()
    if rows:
        for row in rows:
            print(*row, sep="\t")
        print()
