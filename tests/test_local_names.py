"""The force's own names of call lines and grades: checked once, said everywhere."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from demand.config import ConfigError, load_pipeline
from demand.local_names import LocalNames
from demand.pipeline import _settings_hash

US = LocalNames(
    call_lines={"999": "911", "101": "10-digit"},
    grades={"G1": "P1", "G2": "P2", "G3": "P3", "G4": "P4", "RWD": "P5"},
)


def test_uk_names_change_nothing():
    uk = LocalNames()
    assert uk.input_codes("calls") == {} and uk.input_codes("incidents") == {}
    text = "999 calls answered within 10 s; G1 attended; 999 and 101 calls"
    assert uk.relabel(text) == text
    assert uk.stream_label("calls") == "999 and 101 calls"


def test_local_names_are_accepted_beside_the_canonical_values():
    assert US.input_codes("calls") == {
        "line": {"999": "999", "101": "101", "911": "999", "10-digit": "101"}
    }
    assert US.input_codes("incidents")["grade"]["P5"] == "RWD"
    assert US.input_codes("crimes") == {}


def test_relabel_names_lines_and_grades_but_leaves_counts_alone():
    assert US.relabel("999 calls answered within 15 s") == (
        "911 calls answered within 15 s"
    )
    assert US.relabel("G1 attended within target (rostered)") == (
        "P1 attended within target (rostered)"
    )
    assert US.stream_label("calls") == "911 and 10-digit calls"
    assert US.key_label("call_lines.999") == "call_lines.999 (911)"
    assert US.key_label("unit_times.RWD") == "unit_times.RWD (P5)"
    assert US.key_label("workforce") == "workforce"
    assert LocalNames().key_label("unit_times.G1") == "unit_times.G1"
    # A count is not a line: "101 calls" inside a sentence stays a number.
    assert US.relabel("of 1,101 calls and 101 calls") == "of 1,101 calls and 101 calls"
    frame = pd.DataFrame({"service_measure": ["101 calls answered", None]})
    named = US.relabel_column(frame, "service_measure")
    assert named["service_measure"].iloc[0] == "10-digit calls answered"
    assert named["service_measure"].isna().iloc[1]


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ('call_lines = { "112" = "911" }', "call_lines: expected keys among 999, 101"),
        ('grades = { P1 = "G1" }', "grades: expected keys among G1"),
        ('call_lines = { "999" = "101" }', "'101' names two of them"),
        ('grades = { G1 = "P", G2 = "P" }', "'P' names two of them"),
        ('grades = { G1 = " " }', "grades: expected a name for each"),
    ],
)
def test_a_bad_name_is_one_config_error(tmp_path: Path, lines: str, fragment: str):
    path = tmp_path / "p.toml"
    path.write_text(f'[pipeline]\nname = "x"\n{lines}\n')
    with pytest.raises(ConfigError, match=re.escape(fragment)) as info:
        load_pipeline(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_the_pipeline_gives_its_names_to_ingest_and_the_report(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_text(
        '[pipeline]\nname = "x"\ncall_lines = { "999" = "911" }\n'
        'grades = { G1 = "P1" }\n'
    )
    config = load_pipeline(path)
    assert config.ingest.names == config.report.names
    assert config.report.names.name("line", "999") == "911"
    assert config.report.names.name("line", "101") == "101"
    assert config.report.names.name("grade", "G1") == "P1"


def test_names_at_their_defaults_leave_every_settings_hash_as_it_was(tmp_path: Path):
    # Upgrading must not rerun a force's stages: a setting added later, at its
    # default, is hashed as if it were not there; set, it reruns its stages.
    path = tmp_path / "p.toml"
    path.write_text('[pipeline]\nname = "x"\n')
    uk = load_pipeline(path)
    for stage, added in (
        ("ingest", "names"),
        ("capacity", "financial_year_start_month"),
        ("report", "names"),
    ):
        before = dataclasses.asdict(getattr(uk, stage))
        del before[added]
        blob = json.dumps(before, sort_keys=True, default=str).encode()
        assert _settings_hash(uk, stage) == hashlib.sha256(blob).hexdigest()[:16]
    path.write_text('[pipeline]\nname = "x"\ncall_lines = { "999" = "911" }\n')
    us = load_pipeline(path)
    assert _settings_hash(us, "ingest") != _settings_hash(uk, "ingest")
    assert _settings_hash(us, "report") != _settings_hash(uk, "report")
