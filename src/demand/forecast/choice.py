"""The rules by which `auto` chooses per series: its inner validation plan,
combination and selection."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COMBINE_MAX_RATIO",
    "EQUAL_WEIGHT_SPREAD",
    "GUARD_MAX_MASE_RATIO",
    "Choice",
    "combination_rule",
    "combine_inner",
    "fallback_choice",
    "inner_plan",
    "selection_rule",
]

Choice = tuple[tuple[str, ...], tuple[float, ...], float, str]
"""(members, weights, inner MASE, reason) of one series' choice."""

GUARD_MAX_MASE_RATIO = 1.10
"""The coverage guard never costs more than this: when every candidate it would
keep scores an inner MASE above 1.10 x the best candidate's, the guard is
overruled and the best is eligible again (intervals are then the calibrated
ones). A guard once left only seasonal naive for a cutoff, at MASE 0.979
against ETS's 0.609 (issue 16)."""
COMBINE_MAX_RATIO = 1.10
"""A combination member's inner MASE may be at most this times the best's."""
EQUAL_WEIGHT_SPREAD = 0.05
"""Members whose inner MASEs lie within 5 % of each other get equal weights."""


def inner_plan(
    shortest: int, season_length: int, horizon: int, step: int, n_windows: int
) -> tuple[int, int, int] | None:
    """Return `auto`'s inner validation (horizon, step, n_windows), or None.

    The horizon is at most a third of the shortest series. The first inner
    cutoff keeps two seasons, what the seasonal members (ETS) need to fit:
    with less they fall back to seasonal naive inside the validation, which
    then compares seasonal naive with itself (on 2-3 years of monthly history
    `auto` so became seasonal naive). Where cutoffs roll by less than the
    horizon (monthly, one period apart), the horizon is shortened, down to
    `step`, to keep `n_windows` cutoffs.

    Args:
        shortest: Periods in the shortest series.
        season_length: Periods per season (m).
        horizon: The inner horizon asked for, periods.
        step: Periods between inner cutoffs asked for.
        n_windows: Inner cutoffs asked for.

    Returns:
        None where the history is too short: no more than two seasons.
    """
    m = season_length
    h = min(horizon, max(shortest // 3, 1))
    step = min(step, h)
    if step < h:
        h = max(min(h, shortest - 2 * m - (n_windows - 1) * step), step)
    room = shortest - h - 2 * m
    if room < 0:
        return None
    return h, step, max(1, min(n_windows, room // step + 1))


def combination_rule(rows: pd.DataFrame) -> Choice:
    """Apply the combination rule (`auto`) to one series' candidate scores.

    Args:
        rows: The series' finite scores, one row per candidate (index: alias)
            with a `mase` column.
    """
    best_mase = float(rows["mase"].min())
    snaive = rows["mase"].get("seasonal_naive", np.inf)
    kept = rows[
        (rows["mase"] < snaive) & (rows["mase"] <= COMBINE_MAX_RATIO * best_mase)
    ]
    if kept.empty:
        name = (
            "seasonal_naive"
            if "seasonal_naive" in rows.index
            else rows["mase"].idxmin()
        )
        return (
            (str(name),),
            (1.0,),
            float(rows["mase"][name]),
            "no candidate beat seasonal naive on inner validation",
        )
    kept = kept.sort_values("mase", kind="stable")
    spread = float(kept["mase"].max() / kept["mase"].min() - 1.0)
    equal = spread <= EQUAL_WEIGHT_SPREAD
    weights = tuple(
        1.0 / len(kept) if equal else float(1.0 / max(v, 1e-9)) for v in kept["mase"]
    )
    dropped = sorted(set(rows.index) - set(kept.index))
    how = "equal weights" if equal else "weights 1/MASE"
    reason = (
        f"combination of {', '.join(kept.index)} ({how}; inner MASE "
        f"{', '.join(f'{v:.3f}' for v in kept['mase'])})"
    )
    if dropped:
        reason += f"; dropped {', '.join(dropped)}"
    return tuple(kept.index), weights, float(kept["mase"].iloc[0]), reason


def selection_rule(
    rows: pd.DataFrame,
    min_cov80: float,
    top_k: int,
    mase_of: Callable[[tuple[str, ...], tuple[float, ...]], float],
) -> Choice:
    """Apply the selection rule (`auto_select`, steps 3-4) to one series' scores.

    Args:
        rows: As for `combination_rule`, with a `coverage` column too.
        min_cov80: The coverage guard, a share 0-1.
        top_k: Candidates in the weighted combination tried (< 2: none).
        mase_of: Inner MASE of a weighted mean of members.
    """
    guarded = rows[rows["coverage"] >= min_cov80]
    best_mase = float(rows["mase"].min())
    overruled = (
        not guarded.empty
        and float(guarded["mase"].min()) > GUARD_MAX_MASE_RATIO * best_mase
    )
    eligible = rows if guarded.empty or overruled else guarded
    ranked = eligible.sort_values("mase", kind="stable")
    best = ranked.index[0]
    members: tuple[str, ...] = (best,)
    weights: tuple[float, ...] = (1.0,)
    mase = float(ranked["mase"].iloc[0])
    reason = f"lowest inner MASE {mase:.3f}"
    note = ""
    if guarded.empty:
        note = f" (no candidate reached cov80 {min_cov80:.2f})"
    elif overruled:
        note = (
            f" (cov80 guard overruled: the best candidate reaching cov80 "
            f"{min_cov80:.2f} scored MASE {float(guarded['mase'].min()):.3f})"
        )
    elif len(guarded) < len(rows):
        dropped = sorted(set(rows.index) - set(guarded.index))
        note = f"; cov80 guard dropped {', '.join(dropped)}"
    if top_k >= 2 and len(ranked) >= 2:
        top = ranked.head(int(top_k))
        w = tuple(float(1.0 / max(v, 1e-9)) for v in top["mase"])
        combo_mase = mase_of(tuple(top.index), w)
        if combo_mase < mase:
            reason = (
                f"weighted mean of top {len(top)} (inner MASE {combo_mase:.3f}) "
                f"beat the best single, {best} ({mase:.3f})"
            )
            members, weights, mase = tuple(top.index), w, combo_mase
    return members, weights, mase, reason + note


def fallback_choice(fallback: str, reason: str) -> dict[str, Any]:
    """Return the choice of a series nothing validated on: the `fallback` alias."""
    return {
        "model": fallback,
        "members": (fallback,),
        "weights": (1.0,),
        "reason": reason,
    }


def combine_inner(
    inner: dict[str, pd.DataFrame],
    uid: Hashable,
    members: tuple[str, ...],
    weights: tuple[float, ...],
) -> pd.DataFrame:
    """Return the inner backtests of series `uid` for a weighted mean of members.

    Args:
        inner: Each candidate's inner backtests (`backtests` shape, coverage 80).
        uid: The series (`unique_id`).
        members: Aliases of candidates in `inner`.
        weights: One weight per member; normalised.
    """
    frames = [
        inner[a][inner[a]["unique_id"] == uid]
        .sort_values(["cutoff", "ds"], kind="stable")
        .reset_index(drop=True)
        for a in members
    ]
    w = np.asarray(weights) / np.sum(weights)
    out = frames[0].copy()
    for col in ("mean", "lo_80", "hi_80"):
        out[col] = sum(wi * f[col].to_numpy() for wi, f in zip(w, frames, strict=True))
    return out.assign(model="combined")
