"""Check response cover on the demo force: simulation, travel sweep, date stability.

Usage:
    python bench/response_check.py --db DB [--weeks 40] [--sweep]
        [--moved-db DB2] [--results bench/RESULTS.md]

Needs a store where the demo pipeline's forecast stage has run. Three checks:

- **Simulation** (always): the cover the model sizes for the demo's hourly forecasts
  (scaled to the year, as the stage does) is run through `simulate_week`: SimPy,
  arrivals and units by hour of week, multi-unit G1s, travel by area, time on task by
  grade. Overall G1 attendance should be within 1 point of what the model says. The
  same is done for the cover the one-unit-per-G1 model would size, to show what the
  crewing changes.
- **Sweep** (``--sweep``): response cover FTE, travel-only attendance and the
  feasibility flag for `travel_sigma` 0.40-0.60 and urban travel median ×0.8-×1.3.
- **Stability** (``--moved-db``): the response requirement from a second store whose
  data end 14 days later, with and without scaling the hourly window to the year.

With ``--results`` the sections replace their namesakes in that file (or are added).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from demand.capacity.arrivals import response_arrivals, scale_to_year
from demand.capacity.assumptions import Assumptions, load_assumptions
from demand.capacity.inputs import read_capacity_inputs
from demand.capacity.response import cover_feasibility, response_cover
from demand.capacity.response_sim import simulate_week
from demand.capacity.stage import _split, compute_capacity
from demand.capacity.workload import productive_hours_per_fte
from demand.config import load_pipeline
from demand.store import Store

HEADING = "## Response cover check (issue 15)"


def _load(db: str, window_days: int) -> tuple[pd.DataFrame, object, str]:
    with Store(Path(db), read_only=True) as store:
        run_id = store.con.execute("SELECT max(run_id) FROM forecasts").fetchone()[0]
        forecasts = store.con.execute(
            "SELECT * FROM forecasts WHERE run_id = ?", [run_id]
        ).df()
        inputs = read_capacity_inputs(store, window_days)
    return forecasts, inputs, run_id


def _arrivals(forecasts: pd.DataFrame, inputs, scaled: bool = True) -> pd.DataFrame:
    """Arrivals by hour of week, area and grade, as the capacity stage takes them."""
    strategic, hourly = _split(forecasts, None)
    arrivals = response_arrivals(hourly, inputs.mixes)
    return scale_to_year(arrivals, strategic, hourly) if scaled else arrivals


def _cover_fte(cover: pd.DataFrame, assumptions: Assumptions) -> float:
    """Demand FTE of a cover, as the stage computes it (before other work)."""
    weekly = cover["officers_needed"].sum()
    return float(weekly * (8766.0 / 168) / productive_hours_per_fte(assumptions))


def _model_attendance(arrivals: pd.DataFrame, cover: pd.DataFrame) -> float:
    g1 = arrivals[arrivals["grade"] == "G1"].groupby(["area", "hour_of_week"])
    weights = g1["arrivals_per_hour"].sum()
    model = cover.set_index(["area", "hour_of_week"])["g1_attendance"]
    return float(np.average(model.reindex(weights.index), weights=weights))


def _with(assumptions: Assumptions, **response) -> Assumptions:
    return dataclasses.replace(
        assumptions, response=dataclasses.replace(assumptions.response, **response)
    )


def simulation_section(arrivals, assumptions, weeks: int, seed: int) -> list[str]:
    lines = [
        "### Time-varying simulation against the cover model",
        "",
        "| cover sized with | units/h (mean) | model G1 attendance | simulated "
        "(± 1.96 se) | difference (points) | by area (simulated) | sim seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    one_unit = _with(assumptions, g1_units_per_incident_shares=(1.0,))
    crew = assumptions.response.g1_units_per_incident_shares
    for label, sized_with in (
        (f"crewing {list(crew)} (shipped)", assumptions),
        ("one unit per G1 (old model)", one_unit),
    ):
        cover = response_cover(arrivals, sized_with)
        model = _model_attendance(arrivals, cover)
        t0 = time.perf_counter()
        # The simulation always has the real crewing: G1s do take second units.
        sim = simulate_week(arrivals, cover, assumptions, weeks=weeks, seed=seed)
        seconds = time.perf_counter() - t0
        areas = ", ".join(f"{a} {v:.3f}" for a, v in sim.by_area.items())
        lines.append(
            f"| {label} | {cover['units'].sum() / 168:.1f} | {model:.4f} | "
            f"{sim.share:.4f} ± {1.96 * sim.standard_error:.4f} | "
            f"{100 * (sim.share - model):+.2f} | {areas} | {seconds:.0f} |"
        )
    lines += [
        "",
        f"{weeks} simulated weeks after one of warm-up, {sim.g1_incidents:,} G1s "
        "counted per row; model attendance is each area-hour's modelled attendance "
        "weighted by its G1 arrivals.",
        "",
    ]
    return lines


def sweep_section(arrivals, assumptions) -> list[str]:
    r = assumptions.response
    lines = [
        "### Travel sweep",
        "",
        "| assumption | value | cover demand FTE | step change | travel-only "
        "attendance | feasibility |",
        "|---|---|---|---|---|---|",
    ]
    for key, values in (
        ("travel_sigma", [0.40, 0.45, 0.50, 0.55, 0.60]),
        (
            "g1_travel_urban_minutes",
            [r.g1_travel_urban_minutes * m for m in (0.8, 0.9, 1.0, 1.1, 1.2, 1.3)],
        ),
    ):
        before = None
        for value in values:
            cover = response_cover(arrivals, _with(assumptions, **{key: value}))
            fte = _cover_fte(cover, assumptions)
            flags = cover_feasibility(cover)
            step = "" if before is None else f"{100 * (fte / before - 1):+.1f} %"
            lines.append(
                f"| {key} | {value:.3g} | {fte:,.1f} | {step} | "
                f"{flags['travel_only_attendance']:.3f} | "
                f"{flags['cover_feasibility']} |"
            )
            before = fte
    lines += [""]
    return lines


def stability_section(db: str, moved_db: str, assumptions, window_days) -> list[str]:
    lines = [
        "### Stability: data ending 14 days later",
        "",
        "| store | hourly window starts | window → year ratio | cover FTE, "
        "unscaled window | cover FTE, scaled (stage) | response requirement "
        "2026/27, cover basis (FTE) |",
        "|---|---|---|---|---|---|",
    ]
    figures = []
    for path in (db, moved_db):
        forecasts, inputs, _ = _load(path, window_days)
        scaled = _arrivals(forecasts, inputs)
        raw = _arrivals(forecasts, inputs, scaled=False)
        unscaled_fte = _cover_fte(response_cover(raw, assumptions), assumptions)
        scaled_fte = _cover_fte(response_cover(scaled, assumptions), assumptions)
        cap = compute_capacity(forecasts, assumptions, inputs).capacity
        row = cap[(cap["basis"] == "cover") & (cap["department"] == "response")]
        required = float(row.sort_values("financial_year")["fte_mean"].iloc[0])
        fy = row.sort_values("financial_year")["financial_year"].iloc[0]
        _, hourly = _split(forecasts, None)
        start = hourly["ds"].min().date()
        ratio = scaled.attrs["window_to_year_ratio"]
        figures.append((unscaled_fte, scaled_fte, required))
        lines.append(
            f"| {path} | {start} | {ratio:.4f} | {unscaled_fte:,.1f} | "
            f"{scaled_fte:,.1f} | {required:,.1f} ({fy}) |"
        )
    (u0, s0, r0), (u1, s1, r1) = figures
    lines += [
        f"| change | | | {100 * (u1 / u0 - 1):+.2f} % | {100 * (s1 / s0 - 1):+.2f} % "
        f"| {100 * (r1 / r0 - 1):+.2f} % |",
        "",
    ]
    return lines


def _write(results: Path, text: str) -> None:
    """Replace the section under `HEADING` in `results`, or append it."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    if HEADING in old:
        head, rest = old.split(HEADING, 1)
        after = rest.find("\n## ")
        tail = rest[after + 1 :] if after >= 0 else ""
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--pipeline", default="pipelines/demo.toml")
    parser.add_argument("--weeks", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--moved-db", help="store whose data end 14 days later")
    parser.add_argument("--results", type=Path)
    parser.add_argument("--setup", help="how the stores were made, for the record")
    args = parser.parse_args()

    section = load_pipeline(args.pipeline).capacity
    assumptions = load_assumptions(section.assumptions)
    forecasts, inputs, run_id = _load(args.db, section.window_days)
    arrivals = _arrivals(forecasts, inputs)
    lines = [
        HEADING,
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: "
        f"{platform.machine()} {platform.processor() or ''}, 2 cores shared with "
        "other jobs (times are wall times under load)",
        f"- command: `python bench/{Path(sys.argv[0]).name} "
        f"{shlex.join(sys.argv[1:])}`",
        f"- forecasts: run {run_id} of {args.db}; assumptions "
        f"{section.assumptions}; hourly window scaled to its year by "
        f"{arrivals.attrs['window_to_year_ratio']:.4f}",
        *([f"- stores: {args.setup}"] if args.setup else []),
        "",
    ]
    lines += simulation_section(arrivals, assumptions, args.weeks, args.seed)
    if args.sweep:
        lines += sweep_section(arrivals, assumptions)
    if args.moved_db:
        lines += stability_section(
            args.db, args.moved_db, assumptions, section.window_days
        )
    text = "\n".join(lines)
    print(text)
    if args.results:
        _write(args.results, text)


if __name__ == "__main__":
    main()
