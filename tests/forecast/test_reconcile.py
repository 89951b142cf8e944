"""Reconciled forecasts add up exactly: areas to the force, grades to the total."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.forecast.reconcile import (
    find_total,
    reconcile,
    reconcile_total,
    shrunk_covariance,
    summing_matrix,
)

AREAS = ["incidents/area=N", "incidents/area=S", "incidents/area=E"]


def _forecasts(means: dict[str, list[float]], spread: float = 0.2) -> pd.DataFrame:
    rows = []
    for uid, values in means.items():
        for i, m in enumerate(values):
            half80, half95 = spread * m * 1.2816, spread * m * 1.96
            rows.append(
                {
                    "unique_id": uid,
                    "ds": pd.Timestamp("2026-04-01") + pd.Timedelta(days=i),
                    "model": "m",
                    "mean": m,
                    "lo_80": max(m - half80, 0),
                    "hi_80": m + half80,
                    "lo_95": max(m - half95, 0),
                    "hi_95": m + half95,
                }
            )
    return pd.DataFrame(rows)


def _sums_hold(rec: pd.DataFrame, parent: str, children: list[str]) -> None:
    wide = rec.pivot(index="ds", columns="unique_id", values="mean")
    np.testing.assert_allclose(wide[parent], wide[children].sum(axis=1), rtol=1e-12)


def test_summing_matrix_handles_hierarchies_and_groups() -> None:
    ids = [
        "incidents",
        "incidents/area=N",
        "incidents/grade=G1",
        "incidents/area=N/grade=G1",
        "incidents/area=N/grade=G2",
        "incidents/area=S/grade=G1",
    ]
    s = summing_matrix(ids)
    assert list(s.columns) == ids[3:]
    assert s.loc["incidents"].tolist() == [1, 1, 1]
    assert s.loc["incidents/area=N"].tolist() == [1, 1, 0]
    assert s.loc["incidents/grade=G1"].tolist() == [1, 0, 1]


def test_bottom_up_sums_the_areas() -> None:
    f = _forecasts(
        {
            "incidents": [100.0, 90.0],
            AREAS[0]: [50.0, 40.0],
            AREAS[1]: [30.0, 30.0],
            AREAS[2]: [10.0, 10.0],
        }
    )
    rec = reconcile(f, "bottom_up")
    assert rec.loc[rec.unique_id == "incidents", "mean"].tolist() == [90.0, 80.0]
    _sums_hold(rec, "incidents", AREAS)


@pytest.mark.parametrize("method", ["ols", "wls_struct"])
def test_optimal_combinations_add_up_exactly(method: str) -> None:
    f = _forecasts(
        {"incidents": [100.0], AREAS[0]: [50.0], AREAS[1]: [30.0], AREAS[2]: [10.0]}
    )
    rec = reconcile(f, method)
    _sums_hold(rec, "incidents", AREAS)
    total = rec.loc[rec.unique_id == "incidents", "mean"].item()
    assert 90.0 < total < 100.0  # a compromise between the force and its areas


def test_mint_shrink_uses_residuals_and_adds_up() -> None:
    rng = np.random.default_rng(1)
    bottom = rng.normal(0, 1, size=(60, 3))
    resid = np.column_stack([bottom.sum(axis=1) + rng.normal(0, 3, 60), bottom])
    ids = ["incidents", *AREAS]
    residuals = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, 60),
            "ds": np.tile(pd.date_range("2026-01-01", periods=60), 4),
            "residual": resid.T.ravel(),
        }
    )
    f = _forecasts(
        {
            "incidents": [100.0, 80.0],
            AREAS[0]: [50.0, 40.0],
            AREAS[1]: [30.0, 20.0],
            AREAS[2]: [10.0, 10.0],
        }
    )
    rec = reconcile(f, "mint_shrink", residuals)
    _sums_hold(rec, "incidents", AREAS)
    assert (rec["lo_95"] <= rec["lo_80"]).all() and (rec["lo_80"] <= rec["mean"]).all()
    assert (rec["mean"] <= rec["hi_80"]).all() and (rec["hi_80"] <= rec["hi_95"]).all()
    with pytest.raises(ValueError, match="residuals"):
        reconcile(f, "mint_shrink")


def test_coherent_forecasts_stay_as_they_are() -> None:
    f = _forecasts(
        {"incidents": [90.0], AREAS[0]: [50.0], AREAS[1]: [30.0], AREAS[2]: [10.0]}
    )
    rec = reconcile(f, "wls_struct")
    np.testing.assert_allclose(
        rec.sort_values("unique_id")["mean"], f.sort_values("unique_id")["mean"]
    )


def test_parent_interval_is_wider_than_any_child() -> None:
    f = _forecasts(
        {"incidents": [90.0], AREAS[0]: [50.0], AREAS[1]: [30.0], AREAS[2]: [10.0]}
    )
    rec = reconcile(f, "bottom_up").set_index("unique_id")
    width = rec["hi_80"] - rec["lo_80"]
    assert width["incidents"] > width[AREAS].max()


def test_shrunk_covariance_is_positive_definite_with_few_periods() -> None:
    rng = np.random.default_rng(0)
    cov = shrunk_covariance(rng.normal(size=(5, 12)))
    assert np.linalg.eigvalsh(cov).min() > 0


def test_unknown_method_and_mixed_streams_are_refused() -> None:
    f = _forecasts({"incidents": [1.0], "calls": [1.0]})
    with pytest.raises(ValueError, match="one stream at a time"):
        reconcile(f, "ols")
    with pytest.raises(ValueError, match="Unknown method"):
        reconcile(_forecasts({"incidents": [1.0]}), "top_down")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 500), min_size=4, max_size=4),
    st.sampled_from(["bottom_up", "ols", "wls_struct"]),
)
def test_any_base_forecasts_reconcile_to_sums(base: list[float], method: str) -> None:
    f = _forecasts(
        {
            "incidents": [base[0]],
            AREAS[0]: [base[1]],
            AREAS[1]: [base[2]],
            AREAS[2]: [base[3]],
        }
    )
    rec = reconcile(f, method)
    _sums_hold(rec, "incidents", AREAS)
    assert (rec["mean"] >= 0).all()


def test_flat_ids_are_no_hierarchy_and_reconcile_says_so(caplog) -> None:
    f = _forecasts({"calls/area=N": [50.0, 40.0], "calls/area=S": [30.0, 20.0]})
    with caplog.at_level("WARNING", logger="demand.forecast.reconcile"):
        rec = reconcile(f, "wls_struct")
    assert "No hierarchy" in caplog.text
    pd.testing.assert_frame_equal(rec, f)  # as they were, intervals included


def test_find_total_finds_a_total_of_any_name_and_only_a_true_one() -> None:
    ds = pd.date_range("2024-01-01", periods=20)
    rng = np.random.default_rng(0)
    parts = {p: rng.poisson(10, 20).astype(float) for p in ("x", "y", "z")}
    frames = [
        pd.DataFrame({"unique_id": p, "ds": ds, "y": v}) for p, v in parts.items()
    ]
    total = pd.DataFrame({"unique_id": "all", "ds": ds, "y": sum(parts.values())})
    series = pd.concat([total, *frames], ignore_index=True)
    assert find_total(series) == "all"
    assert find_total(series[series["unique_id"] != "z"]) is None  # a part missing
    assert find_total(pd.concat(frames)) is None


def test_reconcile_total_makes_parts_add_up_under_their_own_ids() -> None:
    f = _forecasts({"all": [100.0, 80.0], "x": [50.0, 40.0], "y": [30.0, 30.0]})
    rec = reconcile_total(f, "all", "wls_struct")
    assert set(rec["unique_id"]) == {"all", "x", "y"}
    _sums_hold(rec, "all", ["x", "y"])
    with pytest.raises(ValueError, match="not among"):
        reconcile_total(f, "everything")
