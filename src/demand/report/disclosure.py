"""Disclosure control: blank small counts, enough others to keep them hidden, and
every published number that would give one back."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["suppress_fms_areas", "suppress_small_counts"]

log = logging.getLogger(__name__)


def suppress_small_counts(
    frame: pd.DataFrame,
    count: str,
    threshold: int,
    groups: Sequence[str],
    total_mask: pd.Series | None = None,
    derived: Sequence[str] = (),
    also_hide: pd.Series | None = None,
) -> pd.DataFrame:
    """Blank counts below `threshold`, with secondary suppression within groups.

    Primary suppression blanks every count in [1, threshold) (a true zero is not
    disclosive and stays). Secondary suppression then protects the blanked
    cells of each group that a published total covers (``total_mask`` rows):
    the total minus the shown cells gives back the sum S of the k blanked
    cells, so each lies in [1, S − k + 1]. Cells are blanked until that range
    is at least `threshold` wide (S − k ≥ threshold), taking the smallest
    non-zero cell that achieves it, else the largest there is. A group that
    has no such cells left has its total blanked too. Other totals are shown.

    Args:
        frame: The table to publish; not changed.
        count: The count column tested against the threshold.
        threshold: Smallest count that may be shown (e.g. 10).
        groups: Columns whose combinations are the groups the total covers,
            e.g. ``("stream", "financial_year")`` when areas add to the force.
        total_mask: True on total rows (e.g. ``area == "force"``); these rows
            are not candidates for suppression of others' cells.
        derived: Columns computed from the count (intervals, rates, hours) that
            would reveal it; they are blanked with it.
        also_hide: True on further cells to blank whatever their count (e.g.
            ones that would give another hidden cell back); they are protected
            like small counts.

    Returns:
        A copy with blanked cells as NaN and a boolean ``suppressed`` column.
    """
    out = frame.copy()
    is_total = (
        pd.Series(False, index=out.index)
        if total_mask is None
        else total_mask.reindex(out.index).fillna(False).astype(bool)
    )
    values = pd.to_numeric(out[count], errors="coerce")
    hidden = (values > 0) & (values < threshold) & ~is_total
    if also_hide is not None:
        hidden |= also_hide.reindex(out.index).fillna(False).astype(bool) & ~is_total
    keys = list(groups)
    totals = {
        key: group.index
        for key, group in out[is_total].groupby(keys, dropna=False, sort=False)
    }
    for key, group in out[~is_total].groupby(keys, dropna=False, sort=False):
        index = group.index
        while hidden[index].any():
            blanked = values[index][hidden[index]]
            if len(blanked) > 1 and blanked.sum() - len(blanked) >= threshold:
                break  # the total now pins no blanked cell to a small range
            others = values[index][~hidden[index]].dropna()
            others = others[others > 0]  # a blank zero would protect nothing
            if others.empty:
                # Nothing left to hide the cells behind: hide the total instead.
                if key in totals:
                    hidden[totals[key]] = True
                break
            need = threshold + len(blanked) + 1 - blanked.sum()
            enough = others[others >= need]
            # The smallest cell that makes the range wide enough loses least
            # information; else the largest there is.
            pick = enough.idxmin() if len(enough) else others.idxmax()
            hidden[pick] = True
    columns = [count, *derived]
    out[columns] = out[columns].astype(float)
    out.loc[hidden, columns] = np.nan
    out["suppressed"] = hidden.to_numpy()
    log.info(
        "disclosure control: %d of %d cells of %s suppressed (threshold %d)",
        int(hidden.sum()),
        len(out),
        count,
        threshold,
    )
    return out


_OWN_DERIVED = (
    "demand_lo_80",
    "demand_hi_80",
    "demand_lo_95",
    "demand_hi_95",
)
"""FMS columns computed from the row's own count."""

_AGAINST_CURRENT = (
    "change_fraction",
    "change_lo_80",
    "change_hi_80",
    "poisson_z",
    "z_flag",
)
"""FMS columns computed from the row's count and the current year's count of
the same stream and area: either one hidden hides them."""

_SERIES_RATE = ("hours_per_unit", "workload_hours")
"""A stream and area's hours per unit, and workload = demand × hours per unit.
With the rate shown, workload gives a hidden count back (and with the force's
workload a second equation in the hidden counts), so a stream and area with
any hidden count shows neither, in any year."""


def suppress_fms_areas(areas: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The FMS area table for publication: no hidden count can be given back.

    Counts below `threshold` are blanked with secondary suppression across the
    areas of each stream and financial year (the force row is their total);
    then every column that would reveal a blanked count by simple arithmetic:
    its intervals; change and Poisson Z against a blanked current year, in
    every year of that stream and area (demand / (1 + change) is the current
    count); and the hours per unit and workload of a stream and area with any
    blanked count.

    Args:
        areas: Output of `build_fms_areas`; not changed.
        threshold: Smallest count that may be shown (e.g. 10).

    Returns:
        A copy with blanked cells empty (``z_flag`` becomes a nullable boolean)
        and a boolean ``suppressed`` column (True where the count is blanked).
    """

    def suppress(also_hide: pd.Series | None = None) -> pd.DataFrame:
        return suppress_small_counts(
            areas,
            "demand",
            threshold,
            groups=("stream", "financial_year"),
            total_mask=areas["area"].eq("force"),
            derived=_OWN_DERIVED,
            also_hide=also_hide,
        )

    out = suppress()
    # A forecast equal to its hidden current year (a seasonal naive one is the
    # last twelve months) gives that count back: hide it, and protect it too.
    series = pd.MultiIndex.from_frame(out[["stream", "area"]])
    is_current = out["kind"].eq("actual")
    current = pd.Series(
        areas.loc[is_current, "demand"].to_numpy(), index=series[is_current]
    )
    hidden_current = current[out.loc[is_current, "suppressed"].to_numpy()]
    base = pd.Series(series.map(hidden_current.get), index=out.index, dtype=float)
    echoes = ~is_current & (areas["demand"].astype(float) - base).abs().lt(0.5)
    if echoes.any():
        out = suppress(echoes)
    hidden = out["suppressed"]
    base_hidden = series.isin(series[hidden & out["kind"].eq("actual")])
    touched = series.isin(series[hidden])
    against = hidden | base_hidden
    out["z_flag"] = out["z_flag"].astype("boolean")
    for column in _AGAINST_CURRENT:
        if column != "z_flag":
            out[column] = out[column].astype(float)
        out.loc[against, column] = pd.NA if column == "z_flag" else np.nan
    for column in _SERIES_RATE:
        out[column] = out[column].astype(float)
        out.loc[touched, column] = np.nan
    log.info(
        "disclosure control: change and Z blanked in %d rows, hours in %d rows",
        int(against.sum()),
        int(touched.sum()),
    )
    return out
