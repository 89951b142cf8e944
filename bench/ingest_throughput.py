"""Ingest throughput: our validated, quarantining ingest against plain DuckDB read_csv.

Writes a synthetic incidents CSV in the Northshire format (default 3,000,000 rows) to
bench/out/, then times (a) `CREATE TABLE t AS SELECT * FROM read_csv(file)` and (b)
`demand.ingest.ingest` with the built-in `northshire` maps, each into a fresh DuckDB
file, and prints a markdown table row with rows per second and the ratio.

Example:
    /usr/bin/time -v .venv/bin/python bench/ingest_throughput.py --rows 3000000
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from demand.ingest import ingest
from demand.store import Store

OUT = Path(__file__).parent / "out"
HEADERS = [
    "Incident Number",
    "Created",
    "Grade",
    "Opening Category",
    "LPA",
    "Dispatched",
    "Arrived",
    "Cleared",
    "Officer Hours",
    "Qualifiers",
]
CATEGORIES = ["Violence", "ASB", "Theft", "Domestic", "Concern for Welfare", "Admin"]
AREAS = ["Northtown", "Southbridge", "Eastmoor", "Westdale"]
GRADES = ["1", "2", "3", "4", "R"]
QUALIFIERS = [None, None, None, "domestic", "mental_health", "weapon;injury"]
CHUNK_ROWS = 500_000


def _take(rng: np.random.Generator, labels: list, n: int) -> pa.Array:
    return pa.array(labels).take(pa.array(rng.integers(0, len(labels), n)))


def _local_text(seconds: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    stamps = pa.array(seconds.astype("datetime64[s]"), mask=missing)
    return pc.strftime(stamps, format="%d/%m/%Y %H:%M")


def write_incidents(path: Path, rows: int, seed: int = 1) -> None:
    """Write `rows` synthetic incidents in Northshire's format, 500k rows at a time."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = int(datetime(2021, 4, 1).timestamp())
    span = 3 * 365 * 86_400
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with pacsv.CSVWriter(path, _schema(), write_options=options) as writer:
        for first in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - first)
            created = np.sort(rng.integers(start, start + span, n))
            created -= created % 60
            deployed = rng.random(n) < 0.6
            dispatched = created + rng.integers(60, 3600, n)
            arrived = dispatched + rng.integers(120, 3600, n)
            cleared = arrived + rng.integers(600, 4 * 3600, n)
            hours = np.round(rng.gamma(2.0, 1.2, n), 2)
            ids = pc.binary_join_element_wise(
                "NS",
                pc.utf8_lpad(
                    pa.array(np.arange(first, first + n)).cast(pa.string()), 9, "0"
                ),
                "",
            )
            table = pa.table(
                [
                    ids,
                    _local_text(created),
                    _take(rng, GRADES, n),
                    _take(rng, CATEGORIES, n),
                    _take(rng, AREAS, n),
                    _local_text(dispatched, ~deployed),
                    _local_text(arrived, ~deployed),
                    _local_text(cleared, ~deployed),
                    pa.array(hours, mask=~deployed),
                    _take(rng, QUALIFIERS, n),
                ],
                schema=_schema(),
            )
            writer.write_table(table)


def _schema() -> pa.Schema:
    types = [pa.string()] * 8 + [pa.float64(), pa.string()]
    return pa.schema(list(zip(HEADERS, types, strict=True)))


def time_plain(csv: Path, db: Path) -> tuple[float, int]:
    """Return (seconds, rows) of a plain CREATE TABLE AS read_csv into a fresh file."""
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    began = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($f)", {"f": str(csv)})
    seconds = time.perf_counter() - began
    rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    con.close()
    return seconds, rows


def time_ingest(csv: Path, db: Path) -> tuple[float, int]:
    """Return (seconds, rows loaded) of `ingest` with the northshire maps."""
    db.unlink(missing_ok=True)
    with Store(db) as store:
        began = time.perf_counter()
        result = ingest(store, [csv], "northshire")
        seconds = time.perf_counter() - began
        assert (
            result.ok and result.rows_read == result.rows_loaded + result.rows_rejected
        )
        return seconds, result.rows_loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate runs, keep each one's best"
    )
    args = parser.parse_args()
    csv = OUT / "incidents" / f"incidents_bench_{args.rows}.csv"
    if args.regenerate or not csv.exists():
        began = time.perf_counter()
        write_incidents(csv, args.rows)
        print(f"wrote {csv} ({csv.stat().st_size / 2**20:.0f} MiB) in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    # Alternate the two and keep each one's best, as the machine is shared.
    plain_s = ingest_s = float("inf")
    for _ in range(args.repeat):
        seconds, plain_rows = time_plain(csv, OUT / "plain.duckdb")
        plain_s = min(plain_s, seconds)
        seconds, ingest_rows = time_ingest(csv, OUT / "ingest.duckdb")
        ingest_s = min(ingest_s, seconds)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    plain_rate, ingest_rate = plain_rows / plain_s, ingest_rows / ingest_s
    print(
        "| date | machine | rows | read_csv rows/s | ingest rows/s | ratio | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {datetime.now(UTC):%Y-%m-%d} | {platform.machine()} {duckdb.__version__} "
        f"| {ingest_rows:,} | {plain_rate:,.0f} ({plain_s:.2f} s) "
        f"| {ingest_rate:,.0f} ({ingest_s:.2f} s) | {ingest_rate / plain_rate:.2f} "
        f"| {peak_mib:,.0f} MiB |"
    )


if __name__ == "__main__":
    main()
