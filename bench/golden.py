"""Golden outputs: does a change of code change anything a planner sees?

Runs a fixed pipeline (every stage, areas, backtests, scenarios, published report) on a
small synthetic force with the code of one git tree, and dumps every table of the
store and every CSV and workbook sheet of the report; `compare` then says, table by
table, what differs.
Columns that record when or by which code something ran are left out (listed).

    python bench/golden.py check --ref HEAD~3          # HEAD~3 against this checkout
    python bench/golden.py snapshot out/golden-new     # this checkout only
    python bench/golden.py compare out/golden-old out/golden-new

A refactor that promises "no output changes" shows `identical` for every table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

PIPELINE = """\
[pipeline]
name = "golden"
stages = ["ingest", "series", "forecast", "capacity", "report"]

[ingest]
paths = ["raw"]
adapter = "northshire"

[series]
freqs = ["h", "D", "M"]
levels = [[], ["area"]]
measures = ["count", "officer_hours"]

[forecast]
models = ["auto_ets"]
measures = ["count"]
hourly_streams = ["incidents", "calls"]
reconciliation = "wls_struct"
backtest = true
backtest_windows = 2
n_jobs = 1

[[forecast.events]]
name = "rcrp"
date = 2023-07-01
kind = "level_shift"
streams = ["mental_health"]

[capacity]
assumptions = "pipelines/assumptions/northshire.toml"
scenarios = ["pipelines/scenarios/rcrp_phase2.toml",
             "pipelines/scenarios/higher_sickness.toml"]

[report]
out_dir = "reports"
exports_dir = "exports"
publish = true
disclosure_threshold = 10
"""

# When, where and by which code: these differ between any two runs by design.
VOLATILE = {
    "run_id",
    "loaded_at",
    "started_at",
    "finished_at",
    "seconds",
    "code_version",
    "data_fingerprint",
    "inputs_fingerprint",
    "log_file",
}

# Floats may differ in their last bits between two runs of the same code (DuckDB sums
# in parallel, in no fixed order); a change of output is far above this.
RTOL = 1e-9

# A checkout's folder, in paths that name a column map of the source tree.
TREE = r"^\S*?/src/demand/"

# Run ids and clock times inside workbook cells (the README sheet names them in text).
IN_CELL = {r"\d{8}T\d{6}-[0-9a-f]{6}": "<run>", r"\d{4}-\d\d-\d\dT[\d:.+]+": "<time>"}


def _typed_cells(sheet: pd.DataFrame) -> pd.DataFrame:
    """A sheet with numeric columns kept numeric (compared to RTOL), others as text."""
    typed = {}
    for name, column in sheet.items():
        numbers = pd.to_numeric(column, errors="coerce")
        if numbers.notna().sum() == column.notna().sum():
            typed[str(name)] = numbers
        else:
            typed[str(name)] = column.astype(str).replace(IN_CELL, regex=True)
    return pd.DataFrame(typed)


def snapshot(tree: Path, out: Path) -> None:
    """Run the golden pipeline with the code in `tree`; dump its outputs to `out`."""
    work = Path(tempfile.mkdtemp(prefix="golden-"))
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "DEMAND_DB": ""}
    demand = [sys.executable, "-c", "from demand.cli import main; main()"]
    shutil.copytree(tree / "pipelines", work / "pipelines")
    (work / "golden.toml").write_text(PIPELINE)
    synth = ["synth", "--out", "raw", "--years", "2", "--end", "2025-03-31"]
    for args in (synth + ["--seed", "7"], ["run", "golden.toml", "--db", "g.duckdb"]):
        print(f"[{tree}] demand {' '.join(args)}", file=sys.stderr, flush=True)
        subprocess.run(demand + args, cwd=work, env=env, check=True)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(work / "g.duckdb"), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
        for (name,) in tables:
            con.execute(f'SELECT * FROM "{name}"').df().to_parquet(
                out / f"table.{name}.parquet"
            )
    for csv in sorted((work / "reports").rglob("*.csv")):
        if "latest" in csv.parts:
            continue
        rel = "__".join(csv.relative_to(work / "reports").parts[2:])
        shutil.copy(csv, out / f"csv.{rel}")
    for book in sorted((work / "reports").rglob("*.xlsx")):
        if "latest" in book.parts:
            continue
        rel = "__".join(book.relative_to(work / "reports").parts[2:])
        for sheet, frame in pd.read_excel(book, sheet_name=None).items():
            _typed_cells(frame).to_parquet(out / f"xlsx.{rel}.{sheet}.parquet")
    shutil.rmtree(work)


def _comparable(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    dropped = [c for c in frame.columns if c in VOLATILE]
    kept = frame.drop(columns=dropped)
    for name in kept.columns:  # paths into the source tree name the checkout
        if kept[name].dtype == object or pd.api.types.is_string_dtype(kept[name]):
            kept[name] = kept[name].str.replace(TREE, "<tree>/", regex=True)
    kept = kept.sort_values(list(kept.columns)).reset_index(drop=True)
    return kept, dropped


def compare(old: Path, new: Path) -> bool:
    """Print one line per table or CSV; return True when all are identical."""
    names = sorted({p.name for p in old.iterdir()} | {p.name for p in new.iterdir()})
    same = True
    for name in names:
        a, b = old / name, new / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'new' if not a.exists() else 'old'}")
            same = False
            continue
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        (fa, dropped), (fb, _) = _comparable(read(a)), _comparable(read(b))
        note = f" (left out: {', '.join(dropped)})" if dropped else ""
        try:
            pd.testing.assert_frame_equal(fa, fb, check_dtype=False, rtol=RTOL)
            print(f"{name}: identical, {len(fa):,} rows{note}")
        except AssertionError as exc:
            same = False
            first = str(exc).splitlines()
            print(f"{name}: DIFFERS — {' '.join(first[:3])}{note}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot", help="dump this checkout's golden outputs")
    snap.add_argument("out", type=Path)
    snap.add_argument("--tree", type=Path, default=ROOT)
    comp = sub.add_parser("compare", help="compare two snapshots")
    comp.add_argument("old", type=Path)
    comp.add_argument("new", type=Path)
    check = sub.add_parser("check", help="snapshot a commit and this checkout")
    check.add_argument("--ref", required=True, help="the commit before the change")
    check.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "golden")
    args = parser.parse_args()

    if args.command == "snapshot":
        snapshot(args.tree.resolve(), args.out)
    elif args.command == "compare":
        sys.exit(0 if compare(args.old, args.new) else 1)
    else:
        ref_tree = Path(tempfile.mkdtemp(prefix="golden-ref-")) / "tree"
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "--detach",
                str(ref_tree),
                args.ref,
            ],
            check=True,
        )
        try:
            snapshot(ref_tree, args.out / "old")
        finally:
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(ROOT),
                    "worktree",
                    "remove",
                    "--force",
                    str(ref_tree),
                ],
                check=True,
            )
        snapshot(ROOT, args.out / "new")
        sys.exit(0 if compare(args.out / "old", args.out / "new") else 1)


if __name__ == "__main__":
    main()
