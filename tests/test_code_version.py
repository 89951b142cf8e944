"""Per-stage code versions: an edit reruns only the stages whose code it touches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from demand.code_version import (
    PACKAGE_ROOT,
    STAGE_ENTRIES,
    package_code_version,
    stage_code_version,
    stage_sources,
)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the installed package's source, free to edit."""
    root = tmp_path / "demand"
    shutil.copytree(PACKAGE_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _versions(root: Path) -> dict[str, str]:
    return {stage: stage_code_version(stage, root) for stage in STAGE_ENTRIES}


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")


def test_a_forecasting_edit_reruns_forecast_and_the_report_that_uses_it(
    package: Path,
) -> None:
    before = _versions(package)
    _edit(package / "forecast" / "metrics.py")
    after = _versions(package)
    changed = {s for s in STAGE_ENTRIES if before[s] != after[s]}
    # The report's partner-demand section forecasts agency series with the model
    # registry (demand.partner.agencies), so forecasting code is report code too.
    assert changed == {"forecast", "report"}


def test_a_shared_module_reruns_every_stage_that_imports_it(package: Path) -> None:
    before = _versions(package)
    _edit(package / "periods.py")
    changed = {s for s in STAGE_ENTRIES if before[s] != _versions(package)[s]}
    # The frequency vocabulary and financial years live in periods.py: series,
    # forecast, capacity and report use them; ingest does not.
    assert {"series", "forecast", "capacity", "report"} <= changed
    assert "ingest" not in changed


def test_stage_sources_follow_lazy_imports_inside_functions() -> None:
    capacity = {
        p.relative_to(PACKAGE_ROOT).as_posix() for p in stage_sources("capacity")
    }
    assert "capacity/erlang.py" in capacity and "risk.py" in capacity
    assert not any(p.startswith("forecast/") for p in capacity)
    ingest = {p.relative_to(PACKAGE_ROOT).as_posix() for p in stage_sources("ingest")}
    assert any(p.startswith("adapters/") and p.endswith(".toml") for p in ingest)


def test_the_package_version_changes_with_any_edit(package: Path) -> None:
    before = package_code_version(package)
    _edit(package / "report" / "charts.py")
    assert package_code_version(package) != before
