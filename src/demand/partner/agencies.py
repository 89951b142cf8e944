"""Demand that sits best with another agency: the map, series, trend, forecast."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from demand.partner.assumptions import PartnerAssumptions

__all__ = ["agency_forecasts", "agency_months", "agency_trends", "assign_agency"]

log = logging.getLogger(__name__)


def assign_agency(rows: pd.DataFrame, partner: PartnerAssumptions) -> pd.Series:
    """The agency each row's demand sits best with ("" where none: police).

    The first map that names a row wins: RCRP category, then opening category,
    then qualifiers in the order the assumptions list them.

    Args:
        rows: ``category, rcrp_category, qualifiers`` (qualifiers ';'-separated).
        partner: The `[partner]` assumptions.

    Returns:
        A string series aligned with `rows`.
    """
    agency = rows["rcrp_category"].map(partner.rcrp_categories).astype(object)
    by_category = rows["category"].map(partner.incident_categories).astype(object)
    agency = agency.fillna(by_category)
    flags = rows["qualifiers"].fillna("").str.split(";")
    for flag, name in partner.qualifiers.items():
        hit = flags.map(lambda f, flag=flag: flag in f) & agency.isna()
        agency = agency.mask(hit, name)
    return agency.fillna("").astype(str)


def agency_months(rows: pd.DataFrame, partner: PartnerAssumptions) -> pd.DataFrame:
    """Incidents and police hours per agency and month, with shares of all incidents.

    Args:
        rows: From `read_agency_months`: ``month, category, rcrp_category,
            qualifiers, incidents, officer_hours``.
        partner: The `[partner]` assumptions.

    Returns:
        ``month, agency, incidents, officer_hours, share_of_incidents,
        share_of_hours``: one row per agency of the map and month (0 where none),
        shares (0-1) of all incidents and officer hours of the month.
    """
    agencies = sorted(
        {
            *partner.rcrp_categories.values(),
            *partner.incident_categories.values(),
            *partner.qualifiers.values(),
        }
    )
    tagged = rows.assign(agency=assign_agency(rows, partner))
    totals = tagged.groupby("month")[["incidents", "officer_hours"]].sum()
    grid = pd.MultiIndex.from_product(
        [totals.index, agencies], names=["month", "agency"]
    )
    mapped = tagged[tagged["agency"] != ""]
    out = (
        mapped.groupby(["month", "agency"])[["incidents", "officer_hours"]]
        .sum()
        .reindex(grid, fill_value=0)
        .reset_index()
    )
    month_totals = totals.loc[out["month"]].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_of_incidents"] = out["incidents"] / month_totals[:, 0]
        out["share_of_hours"] = out["officer_hours"] / month_totals[:, 1]
    return out


def agency_trends(months: pd.DataFrame, window_months: int = 24) -> pd.DataFrame:
    """The trend of each agency's share of incidents over the last months.

    A least-squares line through the monthly share; the change is its slope per
    year, with a t statistic (|t| > 2: a change larger than the month-to-month
    noise).

    Args:
        months: From `agency_months`.
        window_months: Months the line is fitted on (the latest ones).

    Returns:
        ``agency, months, share_now, share_change_per_year, t_statistic,
        growing`` (growing: slope > 0 and t > 2).
    """
    rows = []
    for agency, group in months.groupby("agency"):
        recent = group.sort_values("month").tail(window_months)
        share = recent["share_of_incidents"].to_numpy(float)
        x = np.arange(share.size) / 12.0
        if share.size < 3 or np.all(share == share[0]):
            slope, t = 0.0, 0.0
        else:
            slope, intercept = np.polyfit(x, share, 1)
            residual = share - (intercept + slope * x)
            se = np.sqrt(
                residual.var(ddof=2) / np.sum((x - x.mean()) ** 2)
            )  # standard error of the slope
            t = float(slope / se) if se > 0 else 0.0
        rows.append(
            {
                "agency": agency,
                "months": int(share.size),
                "share_now": float(share[-12:].mean()) if share.size else np.nan,
                "share_change_per_year": float(slope),
                "t_statistic": t,
                "growing": bool(slope > 0 and t > 2),
            }
        )
    return pd.DataFrame(rows)


def _model_for(n_months: int) -> str:
    """The registered model a series of `n_months` supports: ETS with a yearly
    season needs two years; seasonal naive more than one; naive otherwise."""
    if n_months >= 24:
        return "auto_ets"
    return "seasonal_naive" if n_months > 12 else "naive"


def agency_forecasts(
    months: pd.DataFrame, horizon_months: int, model: str | None = None
) -> pd.DataFrame:
    """Forecast each agency's monthly incidents with a registered forecaster.

    Args:
        months: From `agency_months`.
        horizon_months: Months ahead (0: no forecast).
        model: Alias of a registered model (`demand.forecast.MODELS`); None
            picks by history: `auto_ets` from 24 months, `seasonal_naive` from
            13, `naive` below. A series the model cannot fit falls back as the
            model's `fallback` says (logged).

    Returns:
        The `forecasts` shape without `run_id` (80 % interval), with
        ``agency``; empty when `horizon_months` is 0 or there is no agency.
    """
    columns = ["unique_id", "ds", "model", "mean", "lo_80", "hi_80", "agency"]
    if horizon_months == 0 or months.empty:
        return pd.DataFrame(columns=columns)
    from demand.forecast import make_model

    series = pd.DataFrame(
        {
            "unique_id": "partner/agency=" + months["agency"],
            "ds": months["month"],
            "y": months["incidents"].astype(float),
        }
    )
    if model is None:
        model = _model_for(months["month"].nunique())
        log.info("agency forecasts: %s on %d months", model, months["month"].nunique())
    fitted = make_model(model).fit(series)
    out = fitted.predict(horizon_months, level=(80,))
    out["agency"] = out["unique_id"].str.removeprefix("partner/agency=")
    return out[columns]
