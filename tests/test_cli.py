"""The CLI: help and an example on every command, README lists them, clean errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from demand.cli import cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert re.search(r"Example: demand \S+", result.output), result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_appears_in_the_readme(name: str) -> None:
    assert f"`demand {name}`" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_top_level_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_bad_usage_exits_2() -> None:
    assert CliRunner().invoke(cli, ["no-such-command"]).exit_code == 2
    assert CliRunner().invoke(cli, ["synth", "--years", "zero"]).exit_code == 2


def test_missing_store_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "No store at" in result.output and "Traceback" not in result.output


def test_missing_pipeline_file_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert "no such pipeline file" in result.output
