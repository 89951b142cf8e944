"""`demand backtest`'s library side: the protocol on a file, every model scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demand.forecast.benchmark import backtest_file


def _grid(freq: str, periods: int, start: str = "2015-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=periods, freq=freq)
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0})


def test_backtest_file_scores_every_model_asked_for(tmp_path, make_demand):
    series = make_demand(n_periods=48, freq="M", unique_ids=("x", "y"), level=80.0)
    path = tmp_path / "monthly.csv"
    series.assign(ds=series["ds"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    scores = backtest_file(path, "M", models=["seasonal_naive", "naive"])
    assert list(scores.columns) == [
        "unique_id",
        "model",
        "mase",
        "smape",
        "rmse",
        "bias",
        "cov80",
        "cov95",
        "sql",
        "msis",
    ]
    assert sorted(zip(scores["unique_id"], scores["model"], strict=True)) == [
        ("x", "naive"),
        ("x", "seasonal_naive"),
        ("y", "naive"),
        ("y", "seasonal_naive"),
    ]
    assert scores[["mase", "smape", "rmse"]].gt(0).all().all()
    assert scores[["cov80", "cov95"]].apply(lambda c: c.between(0, 1)).all().all()
    parquet = tmp_path / "monthly.parquet"
    series.to_parquet(parquet)
    pd.testing.assert_frame_equal(
        backtest_file(parquet, "M", models=["seasonal_naive"]),
        scores[scores["model"] == "seasonal_naive"].reset_index(drop=True),
    )


def test_backtest_file_errors_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file"):
        backtest_file(tmp_path / "absent.csv", "D")
    (tmp_path / "demand.txt").write_text("unique_id,ds,y\n")
    with pytest.raises(ValueError, match=".csv or .parquet"):
        backtest_file(tmp_path / "demand.txt", "D")
    path = tmp_path / "demand.csv"
    _grid("D", 400).to_csv(path, index=False)
    with pytest.raises(ValueError, match="Unknown model"):
        backtest_file(path, "D", models=["crystal_ball"])


def test_backtest_file_uses_the_country_asked_for(tmp_path):
    from demand.forecast.calendar import holiday_names

    rng = np.random.default_rng(4)
    ds = pd.date_range("2013-01-01", "2018-12-31", freq="D")
    us = set(holiday_names("US", range(2013, 2019)))
    rate = np.where(ds.isin(list(us)), 30.0, 100.0)  # demand falls on US holidays
    path = tmp_path / "us.csv"
    pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(rate) * 1.0}).to_csv(
        path, index=False
    )
    us_mase, gb_mase = (
        backtest_file(path, "D", models=["count_glm"], country=c)["mase"].item()
        for c in ("US", "GB")
    )
    assert us_mase < 0.95 * gb_mase
    with pytest.raises(ValueError, match="Unknown holiday country"):
        backtest_file(path, "D", models=["count_glm"], country="XX")


def test_backtest_file_reconciles_a_total_and_its_parts(tmp_path, caplog):
    rng = np.random.default_rng(2)
    ds = pd.date_range("2015-01-01", periods=60, freq="MS")
    season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(60) / 12)
    parts = {
        p: rng.poisson(k * season).astype(float) for p, k in [("x", 80), ("y", 40)]
    }
    frames = [
        pd.DataFrame({"unique_id": p, "ds": ds, "y": v}) for p, v in parts.items()
    ]
    total = sum(parts.values())
    frames.append(pd.DataFrame({"unique_id": "all", "ds": ds, "y": total}))
    path = tmp_path / "tree.csv"
    pd.concat(frames).to_csv(path, index=False)
    with caplog.at_level("WARNING", logger="demand.forecast.benchmark"):
        found = backtest_file(path, "M", models=["naive"])
    assert "'all' is the sum of the others" in caplog.text
    named = backtest_file(path, "M", models=["naive"], hierarchy="all")
    flat = backtest_file(path, "M", models=["naive"], hierarchy="none")
    pd.testing.assert_frame_equal(found, named)
    # naive forecasts already add up: reconciling keeps the means (MASE) and
    # recomputes the intervals from the parts' correlation (SQL changes)
    np.testing.assert_allclose(found["mase"], flat["mase"])
    assert not np.allclose(found["sql"], flat["sql"])
    with pytest.raises(ValueError, match="not the sum"):
        backtest_file(path, "M", models=["naive"], hierarchy="x")


def test_backtest_file_takes_h_and_its_old_spelling_h_upper_alike(tmp_path):
    rng = np.random.default_rng(5)
    ds = pd.date_range("2024-01-01", periods=168 * 12, freq="h")
    y = rng.poisson(10 + 5 * np.sin(2 * np.pi * np.arange(ds.size) / 24)) * 1.0
    path = tmp_path / "hourly.csv"
    pd.DataFrame({"unique_id": "a", "ds": ds, "y": y}).to_csv(path, index=False)
    lower = backtest_file(path, "h", models=["seasonal_naive"])
    pd.testing.assert_frame_equal(
        backtest_file(path, "H", models=["seasonal_naive"]), lower
    )
    assert lower["mase"].notna().all()
