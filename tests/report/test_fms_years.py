"""A year that is part history, part forecast is summed whole, never halved."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from demand.report.fms import _by_year


def test_part_year_is_completed_with_its_recorded_months() -> None:
    months = pd.date_range("2020-04-01", "2021-12-01", freq="MS")
    history = pd.DataFrame(
        {
            "unique_id": "crimes",
            "stream": "crimes",
            "area": "force",
            "ds": months,
            "y": 10.0,
        }
    )
    future = pd.date_range("2022-01-01", "2023-03-01", freq="MS")
    forecasts = pd.DataFrame(
        {
            "unique_id": "crimes",
            "stream": "crimes",
            "area": "force",
            "ds": future,
            "model": "m",
            "mean": 20.0,
            "lo_80": 15.0,
            "hi_80": 25.0,
            "lo_95": 12.0,
            "hi_95": 28.0,
        }
    )
    actual, forecast = _by_year(SimpleNamespace(history=history, forecasts=forecasts))
    by_year = forecast.set_index("financial_year")
    # 2021/22: nine recorded months of 10 and three forecast months of 20.
    assert by_year.loc["2021/22", "demand"] == 9 * 10 + 3 * 20
    assert by_year.loc["2021/22", "demand_lo_80"] == 9 * 10 + 3 * 15
    assert by_year.loc["2021/22", "months"] == 12
    assert by_year.loc["2022/23", "demand"] == 12 * 20
    assert actual.set_index("financial_year").loc["2020/21", "months"] == 12
