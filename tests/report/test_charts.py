"""Charts render to accessible, repeatable inline SVG in the house style."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from demand.report import chart_style, charts, charts_partner, charts_plan


def _forecast() -> tuple[pd.DataFrame, pd.DataFrame]:
    history = pd.DataFrame(
        {"ds": pd.date_range("2023-04-01", periods=12, freq="MS"), "y": 300.0}
    )
    forecast = pd.DataFrame(
        {"ds": pd.date_range("2024-04-01", periods=6, freq="MS"), "mean": 310.0}
    )
    for level, half_width in ((80, 20.0), (95, 35.0)):
        forecast[f"lo_{level}"] = forecast["mean"] - half_width
        forecast[f"hi_{level}"] = forecast["mean"] + half_width
    return history, forecast


def test_render_svg_gives_a_scalable_titled_image_with_escaped_title():
    history, forecast = _forecast()

    svg = charts.forecast_chart(history, forecast, "Calls & <999")

    assert svg.startswith('<svg role="img" aria-label="Calls &amp; &lt;999" ')
    assert "<title>Calls &amp; &lt;999</title>" in svg
    assert not re.match(r'<svg[^>]* width="', svg)  # scales with its container


def test_charts_of_equal_data_are_equal():
    history, forecast = _forecast()

    first = charts.forecast_chart(history, forecast, "calls")
    second = charts.forecast_chart(history, forecast, "calls")

    assert first == second  # no creation date: the same data is the same file
    assert "<dc:date>" not in first


def test_every_chart_module_draws_with_the_shared_style():
    months = pd.date_range("2024-04-01", periods=6, freq="MS")
    returned = pd.DataFrame(
        {
            "month": months,
            "hours_returned": 100.0,
            "hours_returned_lo_80": 80.0,
            "hours_returned_hi_80": 120.0,
        }
    )
    areas = pd.DataFrame({"area": "Eastmoor", "ds": months, "y": 40.0})
    area_forecast = areas.drop(columns="y").assign(mean=42.0, lo_80=35.0, hi_80=50.0)

    drawn = [
        charts_partner.hours_returned_chart(returned, pd.DataFrame(), "returned"),
        charts_plan.area_chart(areas, area_forecast, "by area"),
    ]

    for svg in drawn:
        assert svg.startswith("<svg ")
        assert "sans-serif" in svg or "font" in svg  # text kept as text


@pytest.mark.parametrize(
    ("values", "top"),
    [([[1.0, 2.0], [np.nan, 4.0]], 4.6), ([[0.0]], 1.0)],
)
def test_padded_top_sits_15_percent_above_the_highest_mark(values, top):
    assert chart_style.padded_top(pd.DataFrame(values)) == pytest.approx(top)
