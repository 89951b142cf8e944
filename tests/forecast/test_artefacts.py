"""Saved models: written a part at a time as they arrive, loaded back whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from demand.forecast.artefacts import ModelWriter, load_models, write_metadata
from demand.forecast.baselines import SeasonalNaive

KEY = ("crimes", "D", "count", "seasonal_naive")


def _fitted(uid: str) -> SeasonalNaive:
    ds = pd.date_range("2024-01-01", periods=21, freq="D")
    series = pd.DataFrame({"unique_id": uid, "ds": ds, "y": range(21)})
    return SeasonalNaive(season_length=7).fit(series)


def test_models_are_written_in_parts_and_load_back_whole(tmp_path: Path) -> None:
    writer = ModelWriter(tmp_path, part_series=2)
    uids = [f"crimes/area={a}" for a in "ABCDE"]
    for uid in uids:
        writer.add(KEY, uid, _fitted(uid))
    entry = writer.finish(KEY, "fingerprint")
    assert entry["saved"] and entry["series"] == uids
    assert entry["files"] == [
        f"crimes__D__count__seasonal_naive.part{k}.joblib" for k in range(3)
    ]
    write_metadata(tmp_path, {"crimes__D__count__seasonal_naive.joblib": entry})
    loaded = load_models(tmp_path, {KEY: "fingerprint"})[KEY]
    assert sorted(loaded) == uids
    assert loaded["crimes/area=C"].predict(7)["mean"].tolist() == list(range(14, 21))


def test_a_group_that_cannot_be_saved_is_marked_and_leaves_no_parts(
    tmp_path: Path,
) -> None:
    writer = ModelWriter(tmp_path, part_series=1)
    writer.add(KEY, "crimes/area=A", _fitted("crimes/area=A"))
    broken = _fitted("crimes/area=B")
    broken.unpicklable_ = lambda: None  # a lambda cannot be pickled
    writer.add(KEY, "crimes/area=B", broken)
    writer.add(KEY, "crimes/area=C", _fitted("crimes/area=C"))
    entry = writer.finish(KEY, "fingerprint")
    assert not entry["saved"] and "Pickl" in entry["save_error"]
    assert entry["files"] == [] and list(tmp_path.iterdir()) == []
    assert entry["series"] == ["crimes/area=A", "crimes/area=B", "crimes/area=C"]
