"""Reconciliation of a history shorter than one season (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demand.forecast.reconcile import reconcile


def _forecasts() -> pd.DataFrame:
    ds = pd.date_range("2021-08-01", periods=3, freq="MS")
    rows = []
    for uid, mean in (("incidents", 9.0), ("incidents/area=A", 4.0),
                      ("incidents/area=B", 3.0)):  # fmt: skip
        for d in ds:
            rows.append((uid, d, "naive", mean, mean - 2, mean + 2))
    return pd.DataFrame(
        rows, columns=["unique_id", "ds", "model", "mean", "lo_80", "hi_80"]
    )


def test_bottom_up_with_no_residuals_from_a_short_history_sums_the_areas():
    # Seven months of monthly history give no seasonal differences at all: the
    # residual frame is empty, which used to raise KeyError.
    empty = pd.DataFrame({"unique_id": [], "ds": [], "residual": []})
    out = reconcile(_forecasts(), "bottom_up", empty)
    force = out[out["unique_id"] == "incidents"]["mean"].to_numpy()
    assert np.allclose(force, 7.0)
    assert (out["lo_80"] <= out["mean"]).all() and (out["mean"] <= out["hi_80"]).all()


def test_mint_without_residuals_says_so():
    empty = pd.DataFrame({"unique_id": [], "ds": [], "residual": []})
    with pytest.raises(ValueError, match="mint_shrink needs"):
        reconcile(_forecasts(), "mint_shrink", empty)
