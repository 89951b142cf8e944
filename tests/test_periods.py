"""One frequency vocabulary and its period arithmetic, with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.periods import (
    FREQS,
    SEASON_LENGTHS,
    financial_year,
    financial_year_name,
    financial_year_start,
    future_ds,
    normalise_freq,
    period_ends,
    period_step,
)


def test_store_and_forecast_share_one_code_per_frequency():
    assert list(FREQS) == ["h", "D", "W", "M"]
    assert set(SEASON_LENGTHS) == set(FREQS)
    # the store's codes are their own normal form; older spellings map onto them
    assert [normalise_freq(f) for f in FREQS] == list(FREQS)
    assert normalise_freq("H") == normalise_freq("1h") == "h"
    assert normalise_freq("W-MON") == "W" and normalise_freq("MS") == "M"


def test_an_unknown_frequency_says_which_codes_exist():
    with pytest.raises(ValueError, match=r"use h \(hourly\), D \(daily\)"):
        normalise_freq("Q")


@pytest.mark.parametrize(
    ("start", "n", "freq", "expected"),
    [
        ("2024-03-31 00:00", 3, "h", "2024-03-31 03:00"),  # naive local: no DST skip
        ("2024-01-31", 1, "D", "2024-02-01"),
        ("2024-01-01", -2, "W", "2023-12-18"),
        ("2024-01-01", 13, "M", "2025-02-01"),
        ("2024-03-01", -12, "M", "2023-03-01"),
    ],
)
def test_period_step_counts_whole_periods(start, n, freq, expected):
    assert period_step(pd.Timestamp(start), n, freq) == pd.Timestamp(expected)


def test_future_ds_lists_the_next_period_starts():
    months = future_ds(pd.Timestamp("2024-11-01"), 3, "M")
    assert list(months) == list(
        pd.to_datetime(["2024-12-01", "2025-01-01", "2025-02-01"])
    )
    assert future_ds(pd.Timestamp("2024-01-01 22:00"), 2, "H")[-1] == pd.Timestamp(
        "2024-01-02 00:00"
    )


def test_period_ends_per_row_frequency():
    ds = pd.Series(
        pd.to_datetime(["2024-02-01 00:00", "2024-02-01 05:00", "2024-02-29 00:00"])
    )
    ends = period_ends(ds, pd.Series(["M", "h", "D"]))
    assert list(ends) == list(
        pd.to_datetime(["2024-03-01 00:00", "2024-02-01 06:00", "2024-03-01 00:00"])
    )
    assert period_ends(ds[:1], "W")[0] == pd.Timestamp("2024-02-08")


def test_financial_year_runs_april_to_march_by_default():
    ds = pd.Series(pd.to_datetime(["2025-03-31", "2025-04-01", "2026-01-15"]))
    assert list(financial_year(ds)) == ["2024/25", "2025/26", "2025/26"]
    assert list(financial_year(ds, start_month=1)) == ["2025", "2025", "2026"]


def test_config_and_series_read_the_one_vocabulary():
    import demand.config
    import demand.series

    assert demand.series.FREQS is FREQS
    assert demand.config.FREQS is FREQS


@pytest.mark.parametrize(
    ("label", "start_month", "first_day", "name"),
    [
        ("2025/26", 4, "2025-04-01", "UK financial year, April to March"),
        ("2025/26", 7, "2025-07-01", "financial year, July to June"),
        ("2026", 1, "2026-01-01", "financial year, January to December"),
    ],
)
def test_a_financial_year_label_gives_its_first_day_and_name(
    label, start_month, first_day, name
):
    assert financial_year_start(label, start_month) == pd.Timestamp(first_day)
    assert financial_year(pd.Series([pd.Timestamp(first_day)]), start_month)[0] == label
    assert financial_year_name(start_month) == name
