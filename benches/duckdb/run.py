"""Runs benches/duckdb/summary.sql on one flow-log file with DuckDB and prints each result.
Usage: run.py FILE [THREADS] [text|parquet]
       run.py TEXT_FILE THREADS to-parquet OUT  (writes the text file's records as Parquet
       shaped like AWS's: Athena's column names, INT32 ports, INT64 counters, gzip)"""
import pathlib
import sys

import duckdb

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
kind = sys.argv[3] if len(sys.argv) > 3 else "text"
here = pathlib.Path(__file__).parent
quote = lambda p: p.replace("'", "''")
text_source = (here / "read-text.sql").read_text().replace("FLOWLOG_FILE", quote(path))
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
if kind == "to-parquet":
    out = quote(sys.argv[4])
    con.execute(f"COPY (SELECT * FROM {text_source}) TO '{out}' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 131072)")
    sys.exit(0)
source = f"read_parquet('{quote(path)}')" if kind == "parquet" else text_source
sql = (here / "summary.sql").read_text().replace("FLOWLOG_SOURCE", source)
for stmt in [s for s in sql.split(";") if s.strip() and not all(l.strip().startswith("--") or not l.strip() for l in s.splitlines())]:
    rows = con.execute(stmt).fetchall()
    if rows:
        for row in rows:
            print(*row, sep="\t")
        print()
