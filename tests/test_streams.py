"""The stream registry: a new stream is one entry (plus its column map) and flows
from ingest to series, forecast, workload and the FMS table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from demand.capacity.assumptions import Assumptions, load_assumptions
from demand.capacity.demand_lines import UNIT_TIME_BASES, demand_lines
from demand.capacity.workload import department_workload, line_hours
from demand.forecast import make_model
from demand.ingest import ingest
from demand.report.fms import build_fms_areas, stream_departments
from demand.schemas import STREAMS, Column, StreamSchema, Workload, stream_label
from demand.series import build_hierarchy, is_month_only, write_demand
from demand.store import Store

NORTHSHIRE = Path(__file__).parents[1] / "pipelines/assumptions/northshire.toml"

FRAUD = StreamSchema(
    "fraud_reports",
    key=("report_id",),
    time_column="reported_at",
    description="one fraud reported to the force (toy stream of this test)",
    label="Fraud reports",
    # Sized like crimes, by the investigation table's hours (its default for
    # "cyber"); its level has its own name, as capacity mixes are keyed by level.
    workload=Workload("investigation", "fraud_type"),
    columns=(
        Column("report_id", "VARCHAR", True),
        Column("reported_at", "TIMESTAMPTZ", True, description="UTC"),
        Column("fraud_type", "VARCHAR", True),
        Column("area", "VARCHAR"),
    ),
)

ADAPTER = """\
stream = "fraud_reports"
glob = "fraud*.csv"
datetime_formats = ["%d/%m/%Y %H:%M"]
timezone = "Europe/London"

[columns]
report_id = "Ref"
reported_at = "Reported"
fraud_type = "Type"
area = "Area"
"""


def _extract(path: Path) -> None:
    """Three years of monthly reports, 20-40 a month, in two areas."""
    rng = np.random.default_rng(3)
    lines = ["Ref,Reported,Type,Area"]
    n = 0
    for month in pd.date_range("2021-04-01", "2024-03-01", freq="MS"):
        for _ in range(int(rng.integers(20, 40))):
            n += 1
            day = month + pd.Timedelta(hours=int(rng.integers(24, 24 * 27)))
            area = "Northtown" if n % 3 else "Southbridge"
            lines.append(f"F{n:05d},{day:%d/%m/%Y %H:%M},cyber,{area}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def toy_stream(monkeypatch, tmp_path: Path) -> Path:
    """The registry with `fraud_reports` added, and an extract and map for it."""
    monkeypatch.setitem(STREAMS, FRAUD.name, FRAUD)
    raw = tmp_path / "raw"
    raw.mkdir()
    _extract(raw / "fraud_2021.csv")
    (tmp_path / "fraud.toml").write_text(ADAPTER, encoding="utf-8")
    return tmp_path


def test_every_stream_states_its_workload_choice() -> None:
    for name, schema in STREAMS.items():
        assert schema.workload is None or schema.workload.basis in UNIT_TIME_BASES
        assert schema.grain in ("instant", "month", "period", "date"), name
    with pytest.raises(TypeError):
        StreamSchema("x", key=(), time_column="t", columns=())  # type: ignore[call-arg]


def test_a_stream_added_to_the_registry_flows_to_the_fms_table(toy_stream) -> None:
    assumptions: Assumptions = load_assumptions(NORTHSHIRE)
    with Store(toy_stream / "s.duckdb") as store:
        result = ingest(store, [toy_stream / "raw"], adapter=toy_stream / "fraud.toml")
        assert result.ok and store.count("fraud_reports") > 600
        assert not is_month_only(store, "fraud_reports")
        history = build_hierarchy(
            store, "fraud_reports", "M", levels=((), ("area",), ("fraud_type",))
        )
        assert write_demand(store, history, "fraud_reports", "M") == len(history)
    assert set(history["unique_id"]) == {
        "fraud_reports",
        "fraud_reports/area=Northtown",
        "fraud_reports/area=Southbridge",
        "fraud_reports/fraud_type=cyber",
    }
    assert len(history[history["unique_id"] == "fraud_reports"]) == 36

    model = make_model("seasonal_naive", season_length=12)
    forecasts = model.fit(history[["unique_id", "ds", "y"]]).predict(48, (80, 95))
    assert len(forecasts) == 4 * 48

    lines = demand_lines(forecasts, assumptions)
    assert set(lines["line"]) == {"fraud_reports/fraud_type=cyber"}
    default = assumptions.investigation["default"]
    assert (lines["unit_hours"] == default.hours_per_crime).all()
    assert set(lines["department"]) == {default.department}
    work = department_workload(line_hours(lines, assumptions), assumptions)
    assert work["hours_mean"].gt(0).all()

    assert stream_departments(assumptions)["fraud_reports"] == default.department
    assert stream_label("fraud_reports") == "Fraud reports"
    keyed = {
        "stream": "fraud_reports",
        "area": lambda f: f["unique_id"].str.extract(r"area=(.*)$")[0].fillna("force"),
    }
    fms = build_fms_areas(
        SimpleNamespace(
            history=history[~history["unique_id"].str.contains("fraud_type")].assign(
                **keyed
            ),
            forecasts=forecasts[~forecasts["unique_id"].str.contains("fraud_type")]
            .assign(**keyed)
            .assign(model="seasonal_naive"),
            hours_per_unit=pd.DataFrame(columns=["unique_id", "hours_per_unit"]),
            capacity=_capacity(work, forecasts),
            has_capacity=True,
            area_service=None,
        ),
        assumptions,
    )
    force = fms[fms["area"] == "force"]
    assert set(fms["stream"]) == {"fraud_reports"}
    assert set(fms["area"]) == {"force", "Northtown", "Southbridge"}
    assert list(force["kind"]) == ["actual", *["forecast"] * 4]
    assert set(force["department"]) == {default.department}
    assert force["hours_per_unit"].to_numpy() == pytest.approx(default.hours_per_crime)
    assert force["workload_hours"].gt(0).all()
    assert force.loc[force["kind"] == "forecast", "grade"].ne("").all()


def _capacity(work: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
    """The capacity rows the stage would write for a workload-only department,
    against an establishment of 10 FTE."""
    from demand.capacity.establishment import probability_exceeds
    from demand.series import financial_year

    force = forecasts[forecasts["unique_id"] == "fraud_reports"]
    demand = force.groupby(financial_year(force["ds"]).to_numpy())["mean"].sum()
    span = work["productive_hours_per_fte"] * work["year_fraction"]
    return work.assign(
        basis="workload",
        fte_demand=work["fte_mean"],
        demand=work["financial_year"].map(demand),
        establishment_fte=10.0,
        gap_fte=work["fte_mean"] - 10.0,
        gap_hours=work["hours_mean"] - 10.0 * span,
        p_demand_exceeds_capacity=probability_exceeds(
            work["hours_mean"], work["hours_sd_lo"], work["hours_sd_hi"], 10.0 * span
        ),
    )


def _forecast(unique_id: str) -> pd.DataFrame:
    months = pd.date_range("2025-04-01", periods=12, freq="MS")
    return pd.DataFrame({"unique_id": unique_id, "ds": months, "mean": 10.0})


def test_a_stream_without_workload_is_left_out_and_said(caplog) -> None:
    assumptions = load_assumptions(NORTHSHIRE)
    forecasts = pd.concat([_forecast("asb"), _forecast("missing_persons")])
    with caplog.at_level("INFO", logger="demand.capacity.demand_lines"):
        lines = demand_lines(forecasts, assumptions, {"risk": {"high": 1.0}})
    assert set(lines["stream"]) == {"missing_persons"}
    assert "asb carries no workload" in caplog.text
    with pytest.raises(ValueError, match="forecasts hold none of calls, incidents"):
        demand_lines(_forecast("asb"), assumptions)


def test_an_unknown_unit_time_basis_is_refused(monkeypatch) -> None:
    toy = StreamSchema(
        "toy", ("id",), "at", FRAUD.columns, workload=Workload("guesswork")
    )
    monkeypatch.setitem(STREAMS, "toy", toy)
    with pytest.raises(ValueError, match="unit-time basis 'guesswork'"):
        demand_lines(_forecast("toy"), load_assumptions(NORTHSHIRE))
