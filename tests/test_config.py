"""Pipeline files load into frozen objects; a bad file names file, key and reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demand.config import ConfigError, IngestConfig, load_pipeline

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (ROOT / "pipelines").glob("*.toml"))
)
def test_shipped_pipelines_load(name: str) -> None:
    config = load_pipeline(ROOT / "pipelines" / name)
    assert config.name and config.stages


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    config = load_pipeline(_write(tmp_path, '[pipeline]\nname = "x"\n'))
    assert config.ingest.adapter == "northshire"
    assert config.series.levels == ((), ("area",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[pipeline]\nname = "x"\n[ingest]\npathz = []\n',
            r"ingest.pathz: unknown key",
        ),
        (
            '[pipeline]\nname = "x"\n[series]\nfreqs = "D"\n',
            r"series.freqs: expected a list; found 'D'",
        ),
        (
            '[pipeline]\nname = "x"\n[series]\nfreqs = ["Q"]\n',
            r"freqs: expected one of h, D, W, M; found 'Q'",
        ),
        (
            '[pipeline]\nname = "x"\n[ingest]\nadapter = 3\n',
            r"ingest.adapter: expected a string; found 3",
        ),
        (
            '[pipeline]\nname = "x"\nstages = ["ingest", "dance"]\n',
            r"stages: expected one of ingest, series, forecast, capacity, report; "
            r"found 'dance'",
        ),
        ("[pipeline]\n", r"pipeline.name: expected a name"),
        ("[pipeline\n", r"not valid TOML"),
    ],
)
def test_bad_pipeline_file_names_file_key_and_reason(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=expected) as info:
        load_pipeline(path)
    assert str(path) in str(info.value)


def test_missing_pipeline_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such pipeline file"):
        load_pipeline(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("levels", "bad"),
    [('[["areas"]]', "areas"), ('[[], ["area", "grdae"]]', "grdae")],
)
def test_a_misspelt_level_is_an_error_naming_file_key_and_the_valid_ones(
    tmp_path: Path, levels: str, bad: str
) -> None:
    path = _write(
        tmp_path,
        '[pipeline]\nname = "x"\n[series]\nstreams = ["incidents"]\n'
        f"levels = {levels}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    message = str(info.value)
    assert message.startswith(f"{path}: series.levels: expected level columns")
    assert f"found {bad!r}" in message
    assert "one of area, category, deployed, grade, qualifiers" in message
    assert "\n" not in message


def test_levels_of_any_chosen_stream_are_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[pipeline]\nname = "x"\n[series]\nstreams = ["crimes", "asb"]\n'
        'levels = [[], ["offence_group"], ["area"]]\n',
    )
    assert load_pipeline(path).series.levels == ((), ("offence_group",), ("area",))


@pytest.mark.parametrize(
    "name", ["../../x", "a/b", "..", ".hidden", "a..b", "", "x y", "C:\\\\x", "é"]
)
def test_an_unsafe_pipeline_name_is_an_error(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, f'[pipeline]\nname = "{name}"\n')
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    assert str(info.value).startswith(f"{path}: name: expected a safe folder name")
    assert f"found {name.replace(chr(92) * 2, chr(92))!r}" in str(info.value)


@pytest.mark.parametrize("name", ["demo", "fms_annual", "weekly-2024.v2", "A1"])
def test_safe_pipeline_names_load(tmp_path: Path, name: str) -> None:
    assert (
        load_pipeline(_write(tmp_path, f'[pipeline]\nname = "{name}"\n')).name == name
    )


def test_the_ingest_date_window_can_be_set_for_a_pipeline(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[pipeline]\nname = "x"\n[ingest]\nearliest_date = 1980-01-01\n'
        "future_days = 30\n",
    )
    section = load_pipeline(path).ingest
    assert (section.earliest_date, section.future_days) == ("1980-01-01", 30)
    assert load_pipeline(_write(tmp_path, '[pipeline]\nname = "x"\n')).ingest == (
        IngestConfig()
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('earliest_date = "last year"', "ingest.earliest_date: expected an ISO date"),
        ("future_days = -3", "ingest.future_days: expected 0 or more days; found -3"),
    ],
)
def test_a_bad_ingest_date_window_is_named(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = _write(tmp_path, f'[pipeline]\nname = "x"\n[ingest]\n{line}\n')
    with pytest.raises(ConfigError, match=expected) as info:
        load_pipeline(path)
    assert str(info.value).startswith(str(path))


def test_locale_defaults_to_the_uk_and_reaches_the_report(tmp_path: Path) -> None:
    uk = load_pipeline(_write(tmp_path, '[pipeline]\nname = "uk"\n'))
    assert (uk.financial_year_start_month, uk.currency) == (4, "GBP")
    us = load_pipeline(
        _write(
            tmp_path,
            '[pipeline]\nname = "us"\nstages = ["ingest", "series"]\n'
            'financial_year_start_month = 10\ncurrency = "USD"\n',
        )
    )
    assert us.report.financial_year_start_month == 10
    assert us.capacity.financial_year_start_month == 10
    assert us.report.currency == "USD"


def test_a_pipeline_sizing_people_may_count_years_from_july(tmp_path: Path) -> None:
    # Issue 17: capacity counted from April, so such a pipeline was refused.
    path = _write(
        tmp_path,
        '[pipeline]\nname = "us"\nfinancial_year_start_month = 7\n'
        'stages = ["ingest", "series", "forecast", "capacity", "report"]\n',
    )
    assert load_pipeline(path).capacity.financial_year_start_month == 7


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ("financial_year_start_month = 13", "financial_year_start_month: expected"),
        ('currency = "dollars"', "currency: expected an ISO code"),
        (
            "financial_year_start_month = 7\n[report]\nfinancial_year_start_month = 10",
            "set it once, in [pipeline]",
        ),
        (
            "financial_year_start_month = 7\n[capacity]\n"
            "financial_year_start_month = 1",
            "capacity.financial_year_start_month: set it once",
        ),
    ],
)
def test_bad_locale_names_the_key(tmp_path: Path, lines: str, fragment: str) -> None:
    path = _write(tmp_path, f'[pipeline]\nname = "x"\n{lines}\n')
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        load_pipeline(path)
