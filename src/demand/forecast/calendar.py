"""Deterministic calendar features: bank holidays, special days and Fourier terms."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_SUBDIVISIONS",
    "calendar_features",
    "fourier_terms",
    "holiday_frame",
    "holiday_names",
]

logger = logging.getLogger(__name__)

DEFAULT_SUBDIVISIONS: dict[str, str] = {"GB": "ENG", "UK": "ENG"}
"""Subdivision used when a country is given alone: England and Wales bank holidays
for Great Britain (Scotland and Northern Ireland differ; write "GB-SCT", "GB-NIR")."""


def _country_subdiv(country: str) -> tuple[str, str | None]:
    """Split "GB-SCT" into ("GB", "SCT"); "GB" alone gets its default subdivision."""
    code, _, subdiv = country.strip().upper().partition("-")
    return code, subdiv or DEFAULT_SUBDIVISIONS.get(code)


def holiday_names(country: str | None, years: range) -> dict[pd.Timestamp, str]:
    """Return {date: holiday name} of the public holidays of `country` in `years`.

    Args:
        country: ISO 3166 code, optionally with a subdivision ("US", "GB",
            "GB-SCT"); "GB" means England and Wales. None means no holidays.
        years: Calendar years to cover.

    Raises:
        ValueError: the `holidays` package does not know `country`.
    """
    if not country:
        return {}
    import holidays

    code, subdiv = _country_subdiv(country)
    try:
        table = holidays.country_holidays(code, subdiv=subdiv, years=list(years))
    except NotImplementedError as exc:
        raise ValueError(
            f"Unknown holiday country {country!r}; use an ISO 3166 code such as "
            "'GB' (England and Wales), 'GB-SCT' or 'US', or None."
        ) from exc
    return {pd.Timestamp(day): str(name) for day, name in table.items()}


def holiday_frame(country: str | None, years: range) -> pd.DataFrame:
    """Return holidays as Prophet wants them: columns `holiday` (name) and `ds`."""
    names = holiday_names(country, years)
    return pd.DataFrame(
        {"holiday": list(names.values()), "ds": pd.to_datetime(list(names))},
        columns=["holiday", "ds"],
    )


def fourier_terms(position: np.ndarray, period: float, n_terms: int) -> np.ndarray:
    """Return sin/cos pairs of harmonics 1..n_terms of `position / period`.

    Args:
        position: Time in any unit (e.g. hours since an epoch, day of year).
        period: Length of the cycle in the same unit.
        n_terms: Number of harmonics; the result has 2·n_terms columns.
    """
    angle = 2.0 * np.pi * np.asarray(position, dtype=float)[:, None] / period
    k = np.arange(1, n_terms + 1)[None, :]
    return (
        np.hstack([np.sin(k * angle), np.cos(k * angle)])
        if n_terms
        else (np.empty((angle.shape[0], 0)))
    )


def calendar_features(
    ds: pd.DatetimeIndex, freq: str, country: str | None, year_terms: int = 4
) -> pd.DataFrame:
    """Return deterministic calendar features of period starts `ds`.

    Nothing here depends on observed demand, so the features of future periods
    are known at any cutoff.

    Columns: `dow` (0 Monday), `hour`, `month`, `dom` (day of month), yearly
    Fourier terms `year_sin_k`/`year_cos_k` of the day of year, `holiday`
    (1 on a bank holiday), `holiday_before`/`holiday_after` (the day before /
    after one), `christmas` (24-26 Dec), `new_year` (31 Dec-1 Jan) and
    `year_end` (27-30 Dec). Daily-only or hourly-only columns are still present
    (constant) for monthly data, so the shape depends only on the arguments.

    Args:
        ds: Period starts.
        freq: Frequency code (`h`, `D`, `W`, `M`).
        country: Holiday country (see `holiday_names`); None for none.
        year_terms: Harmonics of the yearly cycle.
    """
    day = ds.normalize()
    years = range(int(ds.year.min()) - 1, int(ds.year.max()) + 2)
    bank = pd.DatetimeIndex(sorted(holiday_names(country, years)))
    one = pd.Timedelta(days=1)
    month, dom = ds.month.to_numpy(), ds.day.to_numpy()
    daily = freq in ("h", "D")
    doy = (ds.day_of_year.to_numpy() - 1) + (ds.hour.to_numpy() / 24.0)
    columns = {
        "dow": ds.day_of_week.to_numpy() if daily else np.zeros(len(ds), int),
        "hour": ds.hour.to_numpy(),
        "month": month,
        "dom": dom if daily else np.zeros(len(ds), int),
    }
    year = fourier_terms(doy, 365.25, year_terms)
    for k in range(year_terms):
        columns[f"year_sin_{k + 1}"] = year[:, k]
        columns[f"year_cos_{k + 1}"] = year[:, year_terms + k]
    flags = {
        "holiday": day.isin(bank),
        "holiday_before": (day + one).isin(bank),
        "holiday_after": (day - one).isin(bank),
        "christmas": (month == 12) & (dom >= 24) & (dom <= 26),
        "new_year": ((month == 12) & (dom == 31)) | ((month == 1) & (dom == 1)),
        "year_end": (month == 12) & (dom >= 27) & (dom <= 30),
    }
    for name, flag in flags.items():
        columns[name] = np.asarray(flag, dtype=float) if daily else np.zeros(len(ds))
    if not daily:  # a month holds its holidays: count them instead
        counts = pd.Series(1.0, index=bank).resample("MS").sum()
        columns["holiday"] = counts.reindex(day, fill_value=0.0).to_numpy()
    return pd.DataFrame(columns, index=ds)
