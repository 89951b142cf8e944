"""The CLI: help and an example on every command, README lists them, clean errors."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import subprocess
import sys
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


def test_erlang_json_has_exactly_the_published_keys() -> None:
    args = [
        "erlang",
        "--calls",
        "300",
        "--interval-minutes",
        "60",
        "--aht-seconds",
        "120",
        "--target-seconds",
        "10",
        "--service-level",
        "0.9",
        "--json",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    values = json.loads(result.output)
    assert list(values) == [
        "agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "p_wait",
        "p_abandon",
        "rostered_fte",
    ]
    assert values["agents"] == 15 and abs(values["service_level"] - 0.9327) < 1e-4


def test_erlang_a_with_agents_and_shrinkage() -> None:
    args = [
        "erlang",
        "--calls",
        "100",
        "--interval-minutes",
        "30",
        "--aht-seconds",
        "180",
        "--target-seconds",
        "20",
        "--service-level",
        "0.8",
        "--patience-seconds",
        "300",
        "--agents",
        "14",
        "--shrinkage",
        "0.3",
        "--json",
    ]
    values = json.loads(CliRunner().invoke(cli, args).output)
    assert abs(values["p_abandon"] - 0.013984) < 1e-4
    assert values["rostered_fte"] == 20


def test_erlang_overload_writes_null_answer_time() -> None:
    args = [
        "erlang",
        "--calls",
        "3000",
        "--aht-seconds",
        "120",
        "--agents",
        "10",
        "--json",
    ]
    values = json.loads(CliRunner().invoke(cli, args).output)
    assert values["asa_seconds"] is None and values["service_level"] == 0.0


def test_erlang_bad_service_level_is_one_sentence() -> None:
    args = ["erlang", "--calls", "30", "--aht-seconds", "120", "--service-level", "1.5"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "service_level" in result.output


def test_backtest_writes_the_published_score_columns(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    ds = pd.date_range("2014-01-01", "2019-06-30", freq="D")
    rng = np.random.default_rng(3)
    y = 100 + 10 * np.sin(2 * np.pi * ds.day_of_week / 7) + rng.normal(0, 3, len(ds))
    pd.DataFrame({"unique_id": "s", "ds": ds, "y": y}).to_csv(
        tmp_path / "s.csv", index=False
    )
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        cli,
        [
            "backtest",
            "--input",
            str(tmp_path / "s.csv"),
            "--freq",
            "D",
            "--out",
            str(out),
            "--model",
            "seasonal_naive",
        ],
    )
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
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
    ]  # the first eight exactly as outside checks read them; new scores appended
    assert scores["model"].tolist() == ["seasonal_naive"]
    assert scores[["sql", "msis"]].notna().all().all()
    # no terminal here, as in a scheduled run: progress comes as lines, per model
    assert "backtesting s.csv: seasonal_naive (1 of 1)" in result.stderr


def test_backtest_missing_input_is_one_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "backtest",
            "--input",
            str(tmp_path / "x.csv"),
            "--freq",
            "D",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_backtest_unknown_country_is_one_sentence(tmp_path: Path) -> None:
    import pandas as pd

    ds = pd.date_range("2014-01-01", "2019-06-30", freq="D")
    pd.DataFrame({"unique_id": "s", "ds": ds, "y": 5.0}).to_csv(
        tmp_path / "s.csv", index=False
    )
    args = ["backtest", "--input", str(tmp_path / "s.csv"), "--freq", "D"]
    args += ["--out", str(tmp_path / "o.csv"), "--country", "XX"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Unknown holiday country 'XX'" in result.output


def test_ingest_prints_read_loaded_rejected(
    tmp_path: Path, incidents_csv: Path
) -> None:
    db = tmp_path / "s.duckdb"
    args = [
        "ingest",
        str(incidents_csv),
        "--adapter",
        str(incidents_csv.with_suffix(".toml")),
        "--db",
        str(db),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "20 rows read = 19 loaded + 1 rejected" in result.output
    again = CliRunner().invoke(cli, args)
    assert "skipped" in again.output


def test_ingest_csv_lists_every_file_with_its_whole_path(
    tmp_path: Path, incidents_csv: Path
) -> None:
    db = tmp_path / "s.duckdb"
    adapter = str(incidents_csv.with_suffix(".toml"))
    args = ["ingest", str(incidents_csv), "--adapter", adapter, "--db", str(db)]
    result = CliRunner().invoke(cli, [*args, "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["file"] for r in rows] == [str(incidents_csv)]
    counts = (rows[0]["read"], rows[0]["loaded"], rows[0]["rejected"])
    assert counts == ("20", "19", "1")


def test_ingest_of_a_missing_folder_is_one_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["ingest", str(tmp_path / "nowhere"), "--db", str(tmp_path / "s.duckdb")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "nowhere" in result.output


def _suggested_commands() -> list[tuple[str, str]]:
    """(file, command) for every `demand COMMAND` a message in the source names
    (a string that is not a docstring)."""
    found = []
    for path in sorted((ROOT / "src" / "demand").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            )
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue  # prose about demand, not a message naming a command
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in re.findall(r"[`(]demand ([a-z][a-z-]*)", node.value):
                    found.append((str(path.relative_to(ROOT)), name))
    return found


def test_every_command_a_message_suggests_exists() -> None:
    suggested = _suggested_commands()
    assert suggested  # the scan finds the messages it is meant to check
    missing = [(f, name) for f, name in suggested if name not in cli.commands]
    assert not missing, missing


@pytest.mark.parametrize(
    "args", [["run", "pipelines/demo.toml"], ["ingest", "data/raw"], ["status"]]
)
def test_a_db_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path, args: list[str]
) -> None:
    # A mistyped folder used to be created and the whole store rebuilt in it.
    db = tmp_path / "no" / "such" / "s.duckdb"
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"The folder {db.parent} of the store" in result.output
    assert not (tmp_path / "no").exists()


def test_ingest_takes_the_run_lock(tmp_path: Path, incidents_csv: Path) -> None:
    db = tmp_path / "s.duckdb"
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom demand.lock import run_lock\n"
        "with run_lock(Path(sys.argv[1]), 'weekly'):\n"
        "    print('held', flush=True)\n    time.sleep(60)\n"
    )
    lock = db.with_name(db.name + ".lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(lock)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        adapter = str(incidents_csv.with_suffix(".toml"))
        args = ["ingest", str(incidents_csv), "--adapter", adapter, "--db", str(db)]
        result = CliRunner().invoke(cli, args)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Another run (weekly" in result.output
    assert not db.exists()  # nothing loaded while the run held the store
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and not lock.exists()


def test_csv_on_stdout_is_data_only(tmp_path: Path, incidents_csv: Path) -> None:
    # Run as notebooks and `python -c` do, where DuckDB's own progress bar is on by
    # default; it draws on stdout for queries over 2 s (tests/test_store.py checks
    # that every connection has it off, whatever the query's length).
    adapter = str(incidents_csv.with_suffix(".toml"))
    args = ["ingest", str(incidents_csv), "--adapter", adapter, "--csv"]
    shown = subprocess.run(
        [sys.executable, "-c", "from demand.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sys.path),
            "DEMAND_DB": str(tmp_path / "s.duckdb"),
        },
    )
    assert shown.returncode == 0, shown.stderr
    assert "\r" not in shown.stdout and "%" not in shown.stdout
    rows = list(csv.reader(io.StringIO(shown.stdout)))
    assert rows[0] == ["file", "stream", "status", "read", "loaded", "rejected"]
    assert rows[1:] == [[str(incidents_csv), "incidents", "loaded", "20", "19", "1"]]


def test_the_cli_holds_no_sql() -> None:
    # The CLI parses and calls the library; queries live in the store layer.
    for path in sorted((ROOT / "src" / "demand" / "cli").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(SELECT|INSERT|DELETE|UPDATE)\b", text), path.name
        assert ".execute(" not in text, path.name


def test_help_does_not_load_pandas() -> None:
    # `demand --help` stays fast: heavy libraries load inside the commands.
    code = "import sys; import demand.cli; print('pandas' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "False"
