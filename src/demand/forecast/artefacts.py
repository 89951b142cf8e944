"""Saved models: one joblib file per fitted group, with metadata to check reuse."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from demand.code_version import stage_code_version
from demand.forecast.base import BaseForecaster

__all__ = [
    "VERSIONED_LIBRARIES",
    "ArtefactError",
    "ModelWriter",
    "artefact_name",
    "data_fingerprint",
    "library_versions",
    "load_models",
    "write_metadata",
]

logger = logging.getLogger(__name__)

VERSIONED_LIBRARIES = (
    "demand",
    "numpy",
    "pandas",
    "scikit-learn",
    "statsmodels",
    "prophet",
    "joblib",
)
"""Libraries whose versions a saved model records and a reuse must match: a model
pickled by one version may load, yet forecast differently, under another."""

GroupKey = tuple[str, str, str, str]
"""(stream, freq, measure, model alias) of one saved file."""


class ArtefactError(ValueError):
    """Saved models are missing, or cannot be reused for this data or environment."""


def library_versions() -> dict[str, str | None]:
    """Return the installed version of each of `VERSIONED_LIBRARIES` (None if absent).

    Read from package metadata, so nothing heavy (prophet) is imported.
    """
    versions: dict[str, str | None] = {}
    for name in VERSIONED_LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def data_fingerprint(series: pd.DataFrame) -> str:
    """Return a SHA-256 of a `demand` frame's `unique_id, ds, y`, order-independent.

    Two frames with the same rows (in any order) have the same fingerprint; any
    changed, added or removed period changes it.
    """
    frame = series[["unique_id", "ds", "y"]].sort_values(["unique_id", "ds"])
    frame = frame.assign(ds=pd.to_datetime(frame["ds"]).dt.as_unit("ns"))
    hashed = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


def artefact_name(key: GroupKey) -> str:
    """Return the file name of a group's saved models, e.g.
    `calls__D__count__auto_ets.joblib`."""
    return "__".join(key) + ".joblib"


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return repr(value)


PART_SERIES = 32
"""Fitted models of one group held before they are written as one part file."""


class ModelWriter:
    """Save a run's fitted models as they arrive, a part file at a time.

    The stage hands over each series' model as soon as the engine returns it;
    once `part_series` models are held, each group's are written to its next
    `<artefact stem>.part<k>.joblib` and let go, so the driver holds fewer than
    `part_series` models, however many series and groups a run has. Which
    series share a part follows the order results arrived (on Dask, the order
    batches finished); the models saved are the same.

    Args:
        folder: `<models_dir>/<run_id>/`; created as needed.
        part_series: Models per part file (default `PART_SERIES`).
    """

    def __init__(self, folder: Path, part_series: int | None = None) -> None:
        self.folder = folder
        self.part_series = part_series or PART_SERIES
        self._pending: dict[GroupKey, dict[str, BaseForecaster]] = {}
        self._files: dict[GroupKey, list[str]] = {}
        self._series: dict[GroupKey, list[str]] = {}
        self._params: dict[GroupKey, Any] = {}
        self._errors: dict[GroupKey, str] = {}

    def add(self, key: GroupKey, unique_id: str, model: BaseForecaster) -> None:
        """Take one series' fitted model; write the held parts when they are full."""
        if key not in self._params:
            self._params[key] = _json_safe(model.get_params())
        self._series.setdefault(key, []).append(unique_id)
        if key in self._errors:
            return  # the group cannot be saved: its models are dropped at once
        self._pending.setdefault(key, {})[unique_id] = model
        if sum(map(len, self._pending.values())) >= self.part_series:
            for held in list(self._pending):  # groups' batches arrive interleaved
                self._write_part(held)

    def _write_part(self, key: GroupKey) -> None:
        fitted = self._pending.pop(key, {})
        if not fitted or key in self._errors:
            return
        files = self._files.setdefault(key, [])
        name = artefact_name(key).removesuffix(".joblib") + f".part{len(files)}.joblib"
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            joblib.dump(fitted, self.folder / name, compress=3)
        except Exception as exc:  # noqa: BLE001 - forecasts stand; only reuse is lost
            self._errors[key] = f"{type(exc).__name__}: {exc}"
            for stale in [*files, name]:
                (self.folder / stale).unlink(missing_ok=True)
            files.clear()
            logger.warning(
                "Could not save %s (%s); it cannot be reused.",
                artefact_name(key),
                self._errors[key],
            )
            return
        files.append(name)

    def finish(
        self, key: GroupKey, fingerprint: str, detail: dict | None = None
    ) -> dict[str, Any]:
        """Write the group's last part; return its metadata entry.

        Args:
            key: (stream, freq, measure, model alias) of the group.
            fingerprint: `data_fingerprint` of the history it was fitted on.
            detail: Extra JSON-able metadata (choices, backtest scores).

        Returns:
            The entry for `write_metadata` (under `artefact_name(key)`), listing
            the group's part `files`.
        """
        self._write_part(key)
        error = self._errors.pop(key, None)
        return {
            "saved": error is None,
            "save_error": error,
            "files": self._files.pop(key, []),
            "stream": key[0],
            "freq": key[1],
            "measure": key[2],
            "model": key[3],
            "parameters": self._params.pop(key, {}),
            "series": sorted(self._series.pop(key, [])),
            "data_fingerprint": fingerprint,
            **_json_safe(detail or {}),
        }


def write_metadata(
    folder: Path, entries: Mapping[str, dict[str, Any]], run_id: str = ""
) -> Path:
    """Write `metadata.json` for the groups a `ModelWriter` saved.

    Written last: a run that stops part-way leaves no metadata, so its files
    are never reused.

    Args:
        folder: `<models_dir>/<run_id>/`.
        entries: {artefact file name: entry returned by `ModelWriter.finish`}.
        run_id: The run that fitted them.

    Returns:
        The metadata file's path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": stage_code_version("forecast"),
        "versions": library_versions(),
        "models": dict(entries),
    }
    path = folder / "metadata.json"
    path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    logger.info("Saved %d model files to %s.", len(entries), folder)
    return path


def load_models(
    folder: Path, fingerprints: Mapping[GroupKey, str]
) -> dict[GroupKey, dict[str, BaseForecaster]]:
    """Load saved models for reuse, refusing any that would not be the same fit.

    Args:
        folder: `<models_dir>/<run_id>/` written by a `ModelWriter`.
        fingerprints: Per group wanted, `data_fingerprint` of today's history.

    Returns:
        Per group, {unique_id: fitted forecaster}.

    Raises:
        ArtefactError: the folder or a group's file is missing, a library version
            or the forecasting code differs from the one that saved them
            (`stage_code_version("forecast")`), or a group's data fingerprint
            differs (the stored series changed since: refit instead).
    """
    path = folder / "metadata.json"
    if not path.is_file():
        raise ArtefactError(
            f"No saved models at {folder}; check reuse_models names a run whose "
            "models were saved, or leave it empty to refit."
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    now = library_versions()
    changed = [
        f"{lib} {was} → {now.get(lib)}"
        for lib, was in meta["versions"].items()
        if now.get(lib) != was
    ]
    if changed:
        raise ArtefactError(
            f"Saved models in {folder} were made with other library versions "
            f"({', '.join(changed)}); refit them (leave reuse_models empty)."
        )
    code = stage_code_version("forecast")
    if meta.get("code_version") != code:
        raise ArtefactError(
            f"Saved models in {folder} were made by other forecasting code "
            f"({meta.get('code_version')} → {code}); a model may keep another "
            "state there. Refit them (leave reuse_models empty)."
        )
    out = {}
    for key, fingerprint in fingerprints.items():
        name = artefact_name(key)
        entry = meta["models"].get(name)
        if entry is None:
            raise ArtefactError(
                f"{folder} has no saved model {name}; refit, or forecast only the "
                "streams, frequencies and models that run saved."
            )
        if not entry.get("saved", True):
            raise ArtefactError(
                f"{name} could not be saved by run {meta['run_id']} "
                f"({entry.get('save_error')}); refit instead of reusing it."
            )
        if entry["data_fingerprint"] != fingerprint:
            raise ArtefactError(
                f"The {key[0]} {key[1]} {key[2]} series changed since run "
                f"{meta['run_id']} saved {name} (data fingerprint differs); refit "
                "instead of reusing its models."
            )
        fitted: dict[str, BaseForecaster] = {}
        for file in entry.get("files", [name]):  # parts, or one file (older runs)
            fitted |= joblib.load(folder / file)
        out[key] = fitted
    logger.info("Loaded %d saved model files from %s.", len(out), folder)
    return out
