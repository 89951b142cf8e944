"""Disclosure control: blank small counts, and enough others to keep them hidden."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["suppress_small_counts"]

log = logging.getLogger(__name__)


def suppress_small_counts(
    frame: pd.DataFrame,
    count: str,
    threshold: int,
    groups: Sequence[str],
    total_mask: pd.Series | None = None,
    derived: Sequence[str] = (),
) -> pd.DataFrame:
    """Blank counts below `threshold`, with secondary suppression within groups.

    Primary suppression blanks every count in [1, threshold) (a true zero is not
    disclosive and stays). Secondary suppression then makes sure no group that
    a published total covers (``total_mask`` rows) has a single blanked cell, or
    blanked cells whose sum is below the threshold, since the total minus the
    shown cells would give them back: the smallest non-zero cell that lifts the
    sum past the threshold is blanked too. Total rows are never blanked.

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
    keys = list(groups)
    for _, group in out[~is_total].groupby(keys, dropna=False, sort=False):
        index = group.index
        while hidden[index].any():
            blanked = values[index][hidden[index]]
            if len(blanked) > 1 and blanked.sum() >= threshold:
                break  # the total now gives back only a sum that is safe
            others = values[index][~hidden[index]].dropna()
            others = others[others > 0]  # a blank zero would protect nothing
            if others.empty:
                break
            safe = others[others >= threshold]
            # The smallest cell that lifts the blanked sum past the threshold
            # loses least information; else the largest there is.
            pick = safe.idxmin() if len(safe) else others.idxmax()
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
