"""The contract every registered forecaster keeps (STYLE.md §2 and §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from demand.forecast import MODELS, NotFittedError, make_model

ALIASES = sorted(MODELS)
COLUMNS = ["unique_id", "ds", "model", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]


def check_forecaster(model, series: pd.DataFrame, h: int = 10) -> None:
    """Run the shared contract checks on a fresh (unfitted) registered model."""
    params = model.get_params()
    assert clone(model).get_params() == params, "params must round-trip through clone"
    with pytest.raises(NotFittedError):
        model.predict(h)
    before = series.copy(deep=True)
    assert model.fit(series) is model, "fit must return self"
    out = model.predict(h)
    pd.testing.assert_frame_equal(series, before)  # input not mutated
    assert model.get_params() == params, "fit must not change hyper-parameters"

    assert list(out.columns) == COLUMNS
    assert out.groupby("unique_id").size().eq(h).all()
    assert set(out["unique_id"]) == set(series["unique_id"])
    assert (out["model"] == model.alias).all()
    for uid, group in out.groupby("unique_id"):
        last = series.loc[series["unique_id"] == uid, "ds"].max()
        expected = pd.date_range(last, periods=h + 1, freq="D")[1:]
        assert list(group["ds"]) == list(expected)
    values = out[COLUMNS[3:]].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all(), "counts are never negative"
    assert (out["lo_95"] <= out["lo_80"]).all() and (out["lo_80"] <= out["mean"]).all()
    assert (out["mean"] <= out["hi_80"]).all() and (out["hi_80"] <= out["hi_95"]).all()

    again = clone(model).fit(series).predict(h)
    pd.testing.assert_frame_equal(out, again)  # deterministic under random_state


@pytest.mark.parametrize("alias", ALIASES)
def test_registered_model_keeps_the_contract(alias, make_demand, make_cheap_model):
    check_forecaster(make_cheap_model(alias), make_demand(n_periods=84))


@pytest.mark.parametrize("alias", ALIASES)
def test_forecasts_of_sparse_counts_are_never_negative(
    alias, make_demand, make_cheap_model
):
    series = make_demand(n_periods=70, level=0.4, seed=3)
    out = make_cheap_model(alias).fit(series).predict(21)
    assert (out[COLUMNS[3:]].to_numpy() >= 0).all()
    assert (out["lo_95"] <= out["mean"]).all() and (out["mean"] <= out["hi_95"]).all()


@pytest.mark.parametrize("alias", ALIASES)
def test_levels_asked_for_name_the_interval_columns(
    alias, make_demand, make_cheap_model
):
    model = make_cheap_model(alias).fit(make_demand(n_periods=56, unique_ids=("a",)))
    assert list(model.predict(3, level=(50, 99.5)).columns[-4:]) == [
        "lo_50",
        "hi_50",
        "lo_99.5",
        "hi_99.5",
    ]
    assert list(model.predict(3, level=()).columns) == COLUMNS[:4]


@pytest.mark.parametrize("alias", ALIASES)
def test_refit_replaces_the_previous_fit(alias, make_demand, make_cheap_model):
    first = make_demand(n_periods=56, unique_ids=("a", "b"), seed=1)
    second = make_demand(n_periods=63, unique_ids=("c",), seed=2)
    refit = make_cheap_model(alias).fit(first).fit(second).predict(5)
    fresh = make_cheap_model(alias).fit(second).predict(5)
    pd.testing.assert_frame_equal(refit, fresh)


@pytest.mark.parametrize("alias", ALIASES)
def test_extra_level_columns_are_ignored(alias, make_demand, make_cheap_model):
    series = make_demand(n_periods=56)
    with_level = series.assign(area=series["unique_id"].str.upper())
    pd.testing.assert_frame_equal(
        make_cheap_model(alias).fit(with_level).predict(7),
        make_cheap_model(alias).fit(series).predict(7),
    )


@pytest.mark.parametrize("alias", ALIASES)
@pytest.mark.parametrize("h", [0, -1, 2.5])
def test_predict_rejects_a_horizon_that_is_not_a_positive_count(
    alias, h, make_demand, make_cheap_model
):
    model = make_cheap_model(alias).fit(make_demand(n_periods=30, unique_ids=("a",)))
    with pytest.raises(ValueError, match="h must be"):
        model.predict(h)


def test_make_model_names_the_choices_for_an_unknown_alias_or_parameter():
    with pytest.raises(ValueError, match="seasonal_naive"):
        make_model("arima_plus")
    with pytest.raises(ValueError, match="season_length"):
        make_model("seasonal_naive", seasonality=7)


@pytest.mark.parametrize("level", [(0,), (100,), (80, 120)])
def test_predict_rejects_a_level_outside_0_to_100(level, make_demand):
    model = make_model("seasonal_naive").fit(
        make_demand(n_periods=30, unique_ids=("a",))
    )
    with pytest.raises(ValueError, match="percentage"):
        model.predict(3, level=level)
