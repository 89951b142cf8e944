"""check_demand: the `demand` frame contract, checked with clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.forecast import check_demand
from demand.forecast.base import normalise_freq, validate_demand


def _frame(ds, y=None, uid="a") -> pd.DataFrame:
    y = [1.0] * len(ds) if y is None else y
    return pd.DataFrame({"unique_id": uid, "ds": pd.to_datetime(ds), "y": y})


def test_returns_a_sorted_copy_and_leaves_the_input_alone(make_demand):
    series = make_demand(n_periods=10).sample(frac=1.0, random_state=0)
    before = series.copy()
    out = check_demand(series)
    pd.testing.assert_frame_equal(series, before)
    assert out["ds"].dtype == "datetime64[ns]" and out["y"].dtype == float
    assert out.equals(out.sort_values(["unique_id", "ds"], ignore_index=True))


@pytest.mark.parametrize(
    ("freq", "pandas_freq"), [("h", "h"), ("D", "D"), ("W", "W-MON"), ("M", "MS")]
)
def test_infers_the_frequency_family(freq, pandas_freq):
    ds = pd.date_range("2024-01-01", periods=5, freq=pandas_freq)
    assert validate_demand(_frame(ds))[1] == freq


def test_hourly_grid_across_a_clock_change_in_utc_is_regular():
    ds = pd.date_range("2024-03-31 00:00", periods=6, freq="h", tz="Europe/London")
    assert validate_demand(_frame(ds))[1] == "h"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"]}), "lacks column"),
        (_frame(["2024-01-01", "2024-01-02"], [1.0, None]), "null"),
        (_frame(["2024-01-01", "2024-01-01", "2024-01-02"]), "duplicate"),
        (_frame(["2024-01-01", "2024-01-02", "2024-01-04"]), "2024-01-04"),
        (_frame(["2024-01-15", "2024-02-15", "2024-03-15"]), "first of the month"),
        (_frame(["2024-01-01", "2024-01-02"], ["1", "x"]), "finite numbers"),
        (_frame(["2024-01-01"]), "pass freq"),
    ],
)
def test_rejects_a_frame_that_breaks_the_contract(frame, message):
    with pytest.raises(ValueError, match=message):
        check_demand(frame)


def test_given_frequency_is_checked_not_trusted():
    with pytest.raises(ValueError, match="regular hourly grid"):
        check_demand(_frame(["2024-01-01", "2024-01-02"]), freq="H")


@pytest.mark.parametrize(
    ("alias", "family"),
    [("h", "h"), ("H", "h"), ("D", "D"), ("W-SUN", "W"), ("MS", "M")],
)
def test_normalise_freq(alias, family):
    assert normalise_freq(alias) == family


def test_normalise_freq_rejects_an_unknown_alias():
    with pytest.raises(ValueError, match="Unknown frequency"):
        normalise_freq("Q")
