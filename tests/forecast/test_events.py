"""Dated events: level shifts rescale or cut history, excluded spans are refilled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demand.config import ConfigError, EventConfig, load_pipeline
from demand.forecast.events import adjust_history, events_for


def _daily(
    n_days: int, step_at: int | None, ratio: float, seed: int = 0
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2022-01-03", periods=n_days, freq="D")
    weekly = np.array([1.1, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9])[ds.day_of_week]
    level = np.where(np.arange(n_days) >= (step_at or n_days), 80 * ratio, 80.0)
    y = rng.poisson(level * weekly).astype(float)
    return pd.DataFrame({"unique_id": "mental_health", "ds": ds, "y": y})


def test_level_shift_with_short_post_history_rescales_the_past() -> None:
    series = _daily(500, step_at=400, ratio=0.65)
    event = EventConfig("rcrp", str(series["ds"][400].date()))
    adjusted = adjust_history(series, [event], "D")
    assert len(adjusted.frame) == len(series)
    before = adjusted.frame["y"][300:400].mean()
    after = series["y"][400:].mean()
    assert before == pytest.approx(after, rel=0.05)
    assert "rescaled by ×0.6" in adjusted.notes[0]
    assert series["y"][0] != adjusted.frame["y"][0] or series["y"][0] == 0  # copy


@pytest.mark.parametrize("months_after", [3, 5, 9])
def test_a_recent_go_live_is_measured_against_the_year_before(months_after) -> None:
    # Monthly demand with a ±20 % yearly cycle and a 5 %-a-year trend steps to
    # 0.6 of its level a few months before the end. The months either side of
    # the go-live differ by season too; the same months a year before take it
    # out (adjacent means read 0.44-0.48 for these).
    t = np.arange(60)
    rate = 1000 * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * 1.05 ** (t / 12)
    rate[-months_after:] *= 0.6
    ds = pd.date_range("2020-01-01", periods=60, freq="MS")
    y = np.random.default_rng(3).poisson(rate).astype(float)
    series = pd.DataFrame({"unique_id": "mental_health", "ds": ds, "y": y})
    event = EventConfig("rcrp", str(ds[-months_after].date()))
    adjusted = adjust_history(series, [event], "M")
    ratio = adjusted.frame["y"].iloc[0] / series["y"].iloc[0]
    assert ratio == pytest.approx(0.6, abs=0.04)
    assert "against a year before" in adjusted.notes[0]


def test_level_shift_with_a_year_after_trains_on_post_event_data_only() -> None:
    series = _daily(800, step_at=400, ratio=0.65)
    event = EventConfig("rcrp", str(series["ds"][400].date()))
    adjusted = adjust_history(series, [event], "D")
    assert adjusted.frame["ds"].min() == series["ds"][400]
    assert "trained on the 400 periods after" in adjusted.notes[0]


def test_events_outside_the_history_change_nothing() -> None:
    series = _daily(100, None, 1.0)
    adjusted = adjust_history(series, [EventConfig("future", "2030-01-01")], "D")
    pd.testing.assert_frame_equal(adjusted.frame, series)


def test_excluded_span_is_refilled_at_the_surrounding_level() -> None:
    series = _daily(300, None, 1.0)
    series.loc[100:159, "y"] = 5.0  # a lockdown
    event = EventConfig(
        "lockdown",
        str(series["ds"][100].date()),
        end=str(series["ds"][159].date()),
        kind="exclude",
    )
    adjusted = adjust_history(series, [event], "D")
    assert adjusted.frame["y"][100:160].mean() == pytest.approx(80, rel=0.05)
    assert adjusted.frame["y"][:100].equals(series["y"][:100])


def test_events_for_picks_the_stream_and_sorts_by_date() -> None:
    events = (
        EventConfig("b", "2024-01-01"),
        EventConfig("a", "2023-07-01", streams=("mental_health",)),
    )
    assert [e.name for e in events_for(events, "mental_health")] == ["a", "b"]
    assert [e.name for e in events_for(events, "calls")] == ["b"]


def test_events_load_from_the_pipeline_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[pipeline]\nname = "x"\n[forecast]\nmodels = ["auto_ets"]\n'
        '[[forecast.events]]\nname = "rcrp"\ndate = 2023-07-01\n'
        'streams = ["mental_health"]\n'
        '[[forecast.events]]\nname = "covid"\ndate = "2020-03-23"\n'
        'end = "2021-07-19"\nkind = "exclude"\n',
        encoding="utf-8",
    )
    config = load_pipeline(path).forecast
    assert config.events[0] == EventConfig(
        "rcrp", "2023-07-01", streams=("mental_health",)
    )
    assert config.events[1].kind == "exclude"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('name = "x"\ndate = "2023-07-01"\nkind = "step"\n', r"kind: expected one of"),
        ('name = "x"\ndate = "1 July"\n', r"date: expected an ISO date"),
        ('name = "x"\ndate = "2023-07-01"\nkind = "exclude"\n', r"needs its last"),
        ('name = "x"\ndate = "2023-07-01"\nstreams = ["cats"]\n', r"streams:"),
    ],
)
def test_bad_events_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        f'[pipeline]\nname = "x"\n[[forecast.events]]\n{body}', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=expected):
        load_pipeline(path)


def test_forecast_section_rejects_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[pipeline]\nname = "x"\n[forecast]\nreconciliation = "magic"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"forecast.reconciliation: expected one of"):
        load_pipeline(path)
