"""Time the full capacity model on the demo force and on a force ten times its size.

Usage: python bench/capacity_speed.py [--db data/processed/demo/demand.duckdb]
       [--repeat 3]

Needs a store where the demo pipeline has run (`make demo`). The larger force is the
same force with every forecast volume and the establishment multiplied by ten: ten
times the calls, incidents and crimes through the same unit times, Erlang sizing per
hour of week, response cover and scenarios.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from demand.capacity.assumptions import load_assumptions
from demand.capacity.inputs import read_capacity_inputs
from demand.capacity.scenarios import load_scenario
from demand.capacity.stage import compute_capacity
from demand.config import load_pipeline
from demand.store import Store

VOLUME_COLUMNS = ("mean", "lo_80", "hi_80", "lo_95", "hi_95")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="data/processed/demo/demand.duckdb")
    parser.add_argument("--pipeline", default="pipelines/demo.toml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    section = load_pipeline(args.pipeline).capacity
    assumptions = load_assumptions(section.assumptions)
    scenarios = [load_scenario(p) for p in section.scenarios]
    with Store(Path(args.db), read_only=True) as store:
        run_id = store.con.execute("SELECT max(run_id) FROM forecasts").fetchone()[0]
        forecasts = store.con.execute(
            "SELECT * FROM forecasts WHERE run_id = ?", [run_id]
        ).df()
        t0 = time.perf_counter()
        inputs = read_capacity_inputs(store, section.window_days)
        read_seconds = time.perf_counter() - t0

    rows = []
    for scale in (1, 10):
        scaled = forecasts.copy()
        for column in VOLUME_COLUMNS:
            scaled[column] = scaled[column] * scale
        establishment = inputs.establishment.assign(
            fte=inputs.establishment["fte"] * scale
        )
        scaled_inputs = dataclasses.replace(inputs, establishment=establishment)
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = compute_capacity(scaled, assumptions, scaled_inputs, scenarios)
            best = min(best, time.perf_counter() - t0)
        fte = result.capacity.loc[result.capacity["basis"] == "workload", "fte_mean"]
        rows.append((scale, len(forecasts), best, float(fte.sum())))

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or ''}"
        f" forecasts of run {run_id}; reading inputs {read_seconds:.2f} s"
    )
    print(
        "| force | forecast rows | capacity model, best of "
        f"{args.repeat} (s) | workload FTE, all years |"
    )
    print("|---|---|---|---|")
    for scale, n, seconds, fte in rows:
        print(
            f"| {'demo' if scale == 1 else f'{scale}× demo'} | {n:,} | "
            f"{seconds:.2f} | {fte:,.0f} |"
        )
    print(f"peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
