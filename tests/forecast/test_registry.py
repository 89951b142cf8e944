"""The model registry, its one set-up helper and the one fallback policy."""

from __future__ import annotations

import logging
import subprocess
import sys

import pandas as pd
import pytest

from demand.forecast import MODELS, BaseForecaster, model_for
from demand.forecast.fallback import fit_fallback, routine_fallbacks


def test_importing_forecast_imports_no_model_until_one_is_asked_for():
    code = (
        "import sys, demand.forecast as f\n"
        "heavy = ('statsmodels', 'prophet', 'demand.forecast.select',"
        " 'demand.forecast.statistical')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
        "f.MODELS['auto_ets']\n"
        "print('demand.forecast.statistical' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "True"]


def test_model_for_sets_the_settings_a_model_takes_and_skips_the_rest():
    snaive = model_for("seasonal_naive", freq="D", country="GB", season_length=7)
    assert (snaive.freq, snaive.season_length) == ("D", 7)
    prophet = model_for("prophet", freq="W", country=None, random_state=3)
    assert (prophet.freq, prophet.country, prophet.random_state) == ("W", None, 3)


def test_model_for_gives_hourly_ets_heuristic_initial_states():
    assert model_for("auto_ets", freq="h").initialization_method == "heuristic"
    assert model_for("auto_ets", freq="D").initialization_method == "estimated"
    assert model_for("auto_ets").initialization_method == "estimated"


def test_the_registry_takes_a_class_and_gives_it_back(monkeypatch):
    class Mine(BaseForecaster):
        def __init__(self, alias: str = "mine"):
            self.alias = alias

    monkeypatch.setitem(MODELS, "mine", Mine)
    assert MODELS["mine"] is Mine and "mine" in list(MODELS)
    assert model_for("mine", freq="D").alias == "mine"


def _series(uid: str = "a", n: int = 30) -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": 5.0})


def test_fit_fallback_logs_a_warning_naming_stream_model_and_error(caplog):
    with caplog.at_level(logging.INFO, logger="demand.forecast.fallback"):
        model = fit_fallback(
            "naive", "broken", _series("north"), RuntimeError("boom"), freq="D"
        )
    assert model.alias == "naive" and model.freq == "D"
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert all(w in record.message for w in ("'north'", "broken", "boom", "naive"))


def test_fit_fallback_is_info_in_routine_windows_and_raises_without_fallback(caplog):
    with caplog.at_level(logging.INFO, logger="demand.forecast.fallback"):
        with routine_fallbacks():
            fit_fallback("naive", "broken", _series(), RuntimeError("x"), freq="D")
    assert [r.levelname for r in caplog.records] == ["INFO"]
    with pytest.raises(ValueError, match="broken could not fit stream 'a': boom"):
        fit_fallback(None, "broken", _series(), RuntimeError("boom"))
    with pytest.raises(ValueError, match="could not fit"):
        fit_fallback("broken", "broken", _series(), RuntimeError("boom"))
