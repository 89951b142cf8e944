"""The forecaster interface: the `demand` frame check and the base of every model."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from demand.forecast.fallback import fit_fallback
from demand.periods import (
    FIXED_STEPS,
    FREQ_ADJECTIVES,
    SEASON_LENGTHS,
    future_ds,
    normalise_freq,
    period_offset,
)

__all__ = [
    "SEASON_LENGTHS",
    "BaseForecaster",
    "NotFittedError",
    "check_demand",
    "future_ds",
    "interval_columns",
    "intervals_around",
    "map_streams",
    "normalise_freq",
    "period_offset",
    "validate_demand",
]

logger = logging.getLogger(__name__)

DEMAND_COLUMNS = ("unique_id", "ds", "y")


def interval_columns(level: Iterable[float]) -> list[str]:
    """Return the interval columns for `level`, e.g. `lo_80, hi_80, lo_95, hi_95`."""
    return [f"{side}_{lv:g}" for lv in level for side in ("lo", "hi")]


def intervals_around(
    point: np.ndarray,
    level: Iterable[float],
    bounds: Callable[[float], tuple[np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Return one series' forecast values: `mean` and `lo_<lv>, hi_<lv>` per coverage.

    The tail every per-series model shares. `bounds(lv)` gives the raw lower
    and upper bounds at coverage `lv` (percent); a bound on the wrong side of
    `point` is moved to it, so lo ≤ mean ≤ hi always holds.
    """
    out = {"mean": point}
    for lv in level:
        lo, hi = bounds(lv)
        out[f"lo_{lv:g}"] = np.minimum(lo, point)
        out[f"hi_{lv:g}"] = np.maximum(hi, point)
    return out


def _step_ok(ds: pd.Series, family: str, first_of_series: pd.Series) -> pd.Series:
    """Return True where `ds` is one period after the previous row, or first."""
    if family == "M":
        months = ds.dt.year * 12 + ds.dt.month
        ok = months.diff().eq(1) & ds.dt.is_month_start & ds.eq(ds.dt.normalize())
        return ok | (first_of_series & ds.dt.is_month_start & ds.eq(ds.dt.normalize()))
    return ds.diff().eq(FIXED_STEPS[family]) | first_of_series


def _infer_family(ds: pd.Series, first_of_series: pd.Series) -> str:
    """Return the frequency family of the most common step between consecutive rows."""
    steps = ds.diff()[~first_of_series]
    if steps.empty:
        raise ValueError(
            "Cannot infer the frequency: every stream has a single row; pass freq."
        )
    step = steps.mode().iloc[0]
    for family, length in FIXED_STEPS.items():
        if step == length:
            return family
    if pd.Timedelta(days=28) <= step <= pd.Timedelta(days=31):
        return "M"
    raise ValueError(
        f"Cannot infer the frequency: the usual step between periods is {step}; "
        "demand must be hourly, daily, weekly or monthly (or pass freq)."
    )


def validate_demand(
    frame: pd.DataFrame, freq: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Check a `demand` frame and return a sorted copy with its frequency family.

    See `check_demand`; this also returns the frequency code (`h`, `D`, `W`, `M`).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"demand must be a pandas DataFrame, not {type(frame).__name__}."
        )
    missing = [c for c in DEMAND_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"demand lacks column(s) {', '.join(missing)}; it must be long format "
            "with unique_id, ds (period start) and y (count, 0 for empty periods)."
        )
    if frame.empty:
        raise ValueError("demand has no rows.")
    for col in DEMAND_COLUMNS:
        n_null = int(frame[col].isna().sum())
        if n_null:
            raise ValueError(
                f"demand column {col} has {n_null} null value(s); y must be an "
                "explicit 0 for empty periods and every row needs unique_id and ds."
            )
    out = frame.copy()
    try:
        ds = pd.to_datetime(out["ds"])
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"demand column ds holds values that are not dates: {exc}"
        ) from exc
    out["ds"] = ds.dt.as_unit("ns")
    y = pd.to_numeric(out["y"], errors="coerce")
    if y.isna().any() or not np.isfinite(y.to_numpy(dtype=float)).all():
        raise ValueError(
            "demand column y must hold finite numbers (counts per period)."
        )
    out["y"] = y.astype(float)
    dup = out.duplicated(["unique_id", "ds"])
    if dup.any():
        row = out.loc[dup].iloc[0]
        raise ValueError(
            f"demand has {int(dup.sum())} duplicate (unique_id, ds) row(s), e.g. "
            f"({row['unique_id']!r}, {row['ds']}); aggregate to one row per period."
        )
    out = out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    first = out["unique_id"].ne(out["unique_id"].shift())
    family = (
        normalise_freq(freq) if freq is not None else _infer_family(out["ds"], first)
    )
    bad = ~_step_ok(out["ds"], family, first)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        where = f"stream {out.at[i, 'unique_id']!r} at {out.at[i, 'ds']}" + (
            "" if first.iat[i] else f" (previous period {out.at[i - 1, 'ds']})"
        )
        raise ValueError(
            f"demand is not a regular {FREQ_ADJECTIVES[family]} grid: {where}. Fill "
            "missing periods with explicit 0 rows; monthly ds must be the first of "
            "the month."
        )
    return out, family


def check_demand(frame: pd.DataFrame, freq: str | None = None) -> pd.DataFrame:
    """Validate a `demand` frame and return a sorted copy.

    Args:
        frame: Long-format demand: `unique_id`, `ds` (period start), `y` (count);
            extra level columns are kept and ignored.
        freq: Frequency (`h`, `D`, `W`, `M` or a pandas alias); inferred from `ds`
            when None.

    Returns:
        A copy satisfying `demand`, sorted by (unique_id, ds), with `ds` as
        datetime64[ns] and `y` as float. The argument is never modified.

    Raises:
        ValueError: a column is missing, a value is null or not a number, a
            (unique_id, ds) pair repeats, or a series is not a regular grid.
    """
    return validate_demand(frame, freq)[0]


def map_streams(
    func: Callable[..., Any], series: pd.DataFrame, with_ds: bool = False
) -> dict[Hashable, Any]:
    """Apply `func` to each series' `y` (oldest first), one series at a time.

    Series are independent, so this is the one place to parallelise later
    (joblib, Dask). `func` must be a pure function of its arguments.

    Args:
        func: Called as `func(y)`, or `func(y, ds)` with `with_ds`.
        series: A frame satisfying `demand`, sorted by (unique_id, ds).
        with_ds: Also pass the series' period starts as a `DatetimeIndex`
            (for models with calendar features).

    Returns:
        {unique_id: func(y)} in unique_id order.
    """
    out = {}
    for uid, group in series.groupby("unique_id", sort=True, observed=True):
        y = group["y"].to_numpy(dtype=float)
        out[uid] = func(y, pd.DatetimeIndex(group["ds"])) if with_ds else func(y)
    return out


def _fit_or_error(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap `func` so a failure is returned as the exception instead of raised."""

    def wrapped(*args: Any) -> Any:
        try:
            return func(*args)
        except Exception as exc:  # any failure sends the series to its fallback
            return exc

    return wrapped


class BaseForecaster(BaseEstimator):
    """Base of every forecaster: validation, per-series fitting, fallback, output shape.

    Subclasses store hyper-parameters in `__init__` and write either the per-series
    maths (`_fit_series`, `_predict_series`) or whole-frame `_fit`/`_predict`.
    A subclass that sets the class attribute `fit_series_with_ds = True` gets
    `_fit_series(y, ds)`, with `ds` the series' period starts (calendar features).
    Hyper-parameters read here when present, documented here for every model:

    Args:
        season_length: Periods per season (e.g. 7 for daily data with a weekly
            cycle); None means the default for the frequency (`SEASON_LENGTHS`:
            h 168, D 7, W 52, M 12).
        freq: Frequency (`h`, `D`, `W`, `M`); None infers it from `ds`.
        fallback: Alias of the model for series it cannot fit (too short, or
            the fit fails); None raises. See `fit_fallback`.
        alias: Value written to the `model` column.

    Fitted attributes: `freq_` (family), `season_length_` (periods), `last_ds_`
    ({unique_id: last period start}), `states_` ({unique_id: model state}) and
    `fallbacks_` ({unique_id: fitted fallback forecaster}).
    """

    def _store_hyperparameters(self, arguments: dict[str, Any]) -> None:
        """Store the constructor's `arguments` (its `locals()`) unchanged, each
        under its own name: all an `__init__` does (STYLE.md §2)."""
        for name in self._get_param_names():
            setattr(self, name, arguments[name])

    def fit(self, series: pd.DataFrame) -> BaseForecaster:
        """Fit each series in `series` on its own; refitting replaces the fit.

        Args:
            series: A frame satisfying `demand`.

        Returns:
            self.

        Raises:
            ValueError: `series` does not satisfy `demand`, or a series failed and
                there is no fallback (or the fallback failed too).
        """
        data, family = validate_demand(series, getattr(self, "freq", None))
        self._forget_fit()
        self.freq_ = family
        season = getattr(self, "season_length", None)
        self.season_length_ = int(season) if season else SEASON_LENGTHS[family]
        last = data.groupby("unique_id", sort=True, observed=True)["ds"].max()
        self.last_ds_ = last.to_dict()
        try:
            self._fit(data)
        except BaseException:
            self._forget_fit()  # a failed fit leaves the forecaster unfitted
            raise
        return self

    def _forget_fit(self) -> None:
        """Delete every fitted attribute (public names ending in `_`)."""
        for name in [
            k for k in vars(self) if k.endswith("_") and not k.startswith("_")
        ]:
            delattr(self, name)

    def predict(self, h: int, level: Iterable[float] = (80, 95)) -> pd.DataFrame:
        """Forecast the `h` periods after each series' last period.

        Args:
            h: Horizon, in periods of the fitted frequency (positive).
            level: Central interval coverages in percent, each in (0, 100).

        Returns:
            The `forecasts` shape without `run_id`: `unique_id, ds, model, mean`
            then `lo_<level>, hi_<level>` per coverage in `level`; exactly `h` rows per
            series; every value truncated at 0 and lo ≤ mean ≤ hi.

        Raises:
            NotFittedError: called before `fit`.
            ValueError: `h` or `level` is out of range.
        """
        check_is_fitted(self)
        if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
            raise ValueError(
                f"h must be a positive whole number of periods, not {h!r}."
            )
        level = tuple(level)
        if any(not 0 < lv < 100 for lv in level):
            raise ValueError(
                f"Each level must be a percentage in (0, 100); got {level}."
            )
        out = self._predict(int(h), level)
        numeric = ["mean", *interval_columns(level)]
        out[numeric] = out[numeric].clip(lower=0.0)  # counts are never negative
        return out[["unique_id", "ds", "model", *numeric]].reset_index(drop=True)

    # -- per-series machinery; subclasses usually write only the two hooks below --

    fit_series_with_ds: bool = False
    """Whether `_fit_series` also receives the series' `ds` (a DatetimeIndex)."""

    def _fit_series(self, y: np.ndarray, *args: Any) -> Any:
        """Fit one series' counts `y` (oldest first) and return its state.

        With `fit_series_with_ds`, the second argument is the series' `ds`.
        """
        raise NotImplementedError

    def _predict_series(self, state: Any, h: int, level: tuple[float, ...]) -> dict:
        """Return {'mean': array(h), 'lo_80': ..., ...} for one fitted series."""
        raise NotImplementedError

    def _fit(self, series: pd.DataFrame) -> None:
        """Fit each series with `_fit_series`; send failures to the fallback model."""
        results = map_streams(
            _fit_or_error(self._fit_series), series, with_ds=self.fit_series_with_ds
        )
        self.states_ = {
            u: r for u, r in results.items() if not isinstance(r, Exception)
        }
        alias = getattr(self, "alias", type(self).__name__)
        self.fallbacks_ = {
            uid: fit_fallback(
                getattr(self, "fallback", None),
                alias,
                series[series["unique_id"] == uid],
                result,
                freq=self.freq_,
                season_length=self.season_length_,
            )
            for uid, result in results.items()
            if isinstance(result, Exception)
        }

    def _predict(self, h: int, level: tuple[float, ...]) -> pd.DataFrame:
        """Forecast every series: by `_predict_series`, or by its fallback."""
        alias = getattr(self, "alias", type(self).__name__)
        frames = []
        for uid, state in self.states_.items():
            values = self._predict_series(state, h, level)
            frame = pd.DataFrame(values)
            frame.insert(0, "model", alias)
            frame.insert(0, "ds", future_ds(self.last_ds_[uid], h, self.freq_))
            frame.insert(0, "unique_id", uid)
            frames.append(frame)
        frames += [model.predict(h, level) for model in self.fallbacks_.values()]
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["unique_id", "ds"], kind="stable")
