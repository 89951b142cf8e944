"""The report stage writes its folder, the latest pointer, exports and views."""

from __future__ import annotations

from demand.context import PipelineContext
from demand.store import Store


def test_report_stage_writes_html_workbook_csv_and_latest(report_run) -> None:
    folder = report_run.folder
    for name in ("report.html", "fms.xlsx", "fms_areas.csv", "fms_risks.csv"):
        assert (folder / name).is_file(), name
    latest = folder.parent / "latest"
    assert latest.resolve() == folder.resolve()


def test_latest_falls_back_to_a_text_file_without_symlinks(
    tmp_path, monkeypatch
) -> None:
    from demand.report import exports

    def no_symlinks(*args, **kwargs):
        raise OSError("symlinks are not allowed here")

    monkeypatch.setattr(exports.os, "symlink", no_symlinks)
    run = tmp_path / "reports" / "demo" / "run-2"
    run.mkdir(parents=True)
    latest = exports.point_latest(run)
    assert latest.read_text(encoding="utf-8").strip() == "run-2"
    assert exports.point_latest(run) == latest  # replaces the earlier pointer


def test_report_stage_is_skipped_when_nothing_changed(report_run) -> None:
    from demand.config import load_pipeline
    from demand.pipeline import run_pipeline

    result = run_pipeline(
        load_pipeline(report_run.pipeline), report_run.db, log_dir=report_run.db.parent
    )
    assert {s.stage: s.status for s in result.stages}["report"] == "skipped"
    with Store(report_run.db, read_only=True) as store:
        views = store.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'fms_%'"
        ).fetchall()
    assert {v[0] for v in views} == {"fms_areas", "fms_risks"}


def test_exports_go_to_the_pipelines_own_folder_and_name_the_run(
    report_run, tmp_path, monkeypatch
) -> None:
    import shutil
    from pathlib import Path

    import pandas as pd

    from demand.config import ReportConfig
    from demand.report import build_report

    root = Path(__file__).resolve().parents[2]
    shutil.copy(report_run.db, tmp_path / "s.duckdb")
    monkeypatch.chdir(tmp_path)
    section = ReportConfig(  # exports_dir left at its default
        out_dir="reports",
        assumptions=str(root / "pipelines" / "assumptions" / "northshire.toml"),
    )
    with Store(tmp_path / "s.duckdb") as store:
        build_report(store, section, PipelineContext("rep", report_run.run_id))
    exports = tmp_path / "data" / "processed" / "rep" / "exports"
    files = sorted(exports.glob("*.parquet"))
    assert {p.stem for p in files} == {
        "series",
        "forecasts",
        "capacity",
        "fms_areas",
        "fms_risks",
        "partner_demand",
    }
    for path in files:
        frame = pd.read_parquet(path)
        assert set(frame["pipeline"]) == {"rep"}, path
        assert frame["run_id"].notna().all(), path
    fms = pd.read_parquet(exports / "fms_risks.parquet")
    assert set(fms["run_id"]) == {report_run.run_id}
    assert not (tmp_path / "data" / "processed" / "fms_areas.parquet").exists()


def test_a_report_shows_its_own_pipelines_scores_in_a_shared_store(
    report_run, tmp_path, monkeypatch
) -> None:
    """Two pipelines' scores in one store: each report shows its own run's only,
    even when another pipeline's run is the newer."""
    import shutil

    import pandas as pd

    from demand.config import ReportConfig
    from demand.report import build_report
    from demand.report.data import read_report_data

    shutil.copy(report_run.db, tmp_path / "s.duckdb")
    monkeypatch.chdir(tmp_path)
    score = "INSERT INTO model_scores VALUES (?, 'incidents', 'incidents', 'M', "
    score += "'count', ?, ?, 1, 1, 0, 0.8, 0.95, 1, 1)"
    with Store(tmp_path / "s.duckdb") as store:
        own = store.latest_run("rep", "forecast", "forecasts")
        other = "99991231T000000-other"  # sorts after every run of "rep"
        store.con.execute(
            "INSERT INTO stage_runs VALUES (?, 'weekly', 'forecast', '', '', '', "
            "'ran', NULL, now(), now(), 0, 1)",
            [other],
        )
        store.con.execute(score, [own, "auto_ets", 0.5])
        store.con.execute(score, [other, "weekly_model", 9.0])
        data = read_report_data(store, "rep")
        section = ReportConfig(
            out_dir="reports",
            exports_dir="exports",
            assumptions=_assumptions(),
        )
        result = build_report(store, section, PipelineContext("rep", "r2"))
    assert list(data.model_scores["model"]) == ["auto_ets"]
    shown = pd.read_csv(result.folder / "model_scores.csv")
    assert list(shown["model"]) == ["auto_ets"]
    assert list(shown["mase"]) == [0.5]


def _assumptions() -> str:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return str(root / "pipelines" / "assumptions" / "northshire.toml")
