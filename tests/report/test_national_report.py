"""The national roll-up of a store after a real report run (the shared `report_run`)."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.national import national_rollup


def test_national_ranges_are_the_fms_table_s_for_the_year_ahead(report_run) -> None:
    table = national_rollup({"northshire": report_run.db})
    fms = pd.read_csv(report_run.folder / "fms_areas.csv")
    force = fms[fms["area"].eq("force")].set_index(["stream", "financial_year"])
    ahead = force.loc[pd.MultiIndex.from_frame(table[["stream", "year_ahead"]])]
    assert len(table) == 5 and (ahead["kind"] == "forecast").all()
    for mine, theirs in (
        ("demand_ahead_lo_80", "demand_lo_80"),
        ("demand_ahead_hi_80", "demand_hi_80"),
        ("change_lo_80", "change_lo_80"),
        ("change_hi_80", "change_hi_80"),
    ):
        assert table[mine].notna().all(), mine
        assert table[mine].to_numpy() == pytest.approx(ahead[theirs].to_numpy()), mine
    assert (table["demand_ahead_lo_80"] <= table["demand_ahead"]).all()
    assert (table["demand_ahead"] <= table["demand_ahead_hi_80"]).all()
