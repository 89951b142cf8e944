"""Coherent hierarchies: areas add up to the force, grades to the stream total."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.stats import norm

from demand.periods import SEASON_LENGTHS, normalise_freq

__all__ = [
    "METHODS",
    "find_total",
    "reconcile",
    "reconcile_total",
    "seasonal_residuals",
    "shrunk_covariance",
    "summing_matrix",
]

logger = logging.getLogger(__name__)

METHODS = ("bottom_up", "ols", "wls_struct", "mint_shrink")


def _keys(unique_id: str) -> tuple[str, frozenset[str]]:
    """Split "incidents/area=North/grade=G1" into its root and its key=value parts."""
    root, *parts = unique_id.split("/")
    return root, frozenset(parts)


def summing_matrix(unique_ids: list[str] | pd.Index) -> pd.DataFrame:
    """Build the summing matrix S from unique ids named `root/key=value/...`.

    A series aggregates every bottom series of its root whose key=value parts include
    its own, so hierarchies (force > area > area/grade) and grouped structures (force
    = Σ areas = Σ grades) both work. Bottom series are those with the most parts.

    Returns:
        A 0/1 frame, one row per unique id (in the order given), one column per
        bottom series.

    Raises:
        ValueError: the ids span several roots, or a series aggregates nothing.
    """
    ids = list(dict.fromkeys(unique_ids))
    keys = {u: _keys(u) for u in ids}
    roots = {root for root, _ in keys.values()}
    if len(roots) != 1:
        raise ValueError(f"Reconcile one stream at a time; found {sorted(roots)}.")
    depth = max(len(parts) for _, parts in keys.values())
    bottom = [u for u in ids if len(keys[u][1]) == depth]
    s = np.array([[keys[u][1] <= keys[b][1] for b in bottom] for u in ids], dtype=float)
    empty = [u for u, row in zip(ids, s, strict=True) if not row.any()]
    if empty:
        raise ValueError(f"Series {empty[0]!r} aggregates no bottom series.")
    return pd.DataFrame(s, index=ids, columns=bottom)


def shrunk_covariance(residuals: np.ndarray) -> np.ndarray:
    """Schäfer–Strimmer shrinkage of a residual covariance towards its diagonal.

    Args:
        residuals: Array of shape (periods, series), in-sample errors, no NaN.

    Returns:
        The (series × series) covariance, positive definite for any number of
        periods, as MinT-shrink uses it (Wickramasuriya, Athanasopoulos & Hyndman
        2019).
    """
    t = residuals.shape[0]
    x = residuals - residuals.mean(axis=0)
    cov = x.T @ x / t
    sd = np.sqrt(np.clip(np.diag(cov), 1e-12, None))
    z = x / sd
    corr = z.T @ z / t
    w = np.einsum("ti,tj->tij", z, z)
    var_corr = t / (t - 1) ** 3 * ((w - w.mean(axis=0)) ** 2).sum(axis=0)
    off = ~np.eye(len(sd), dtype=bool)
    denom = (corr[off] ** 2).sum()
    lam = 1.0 if denom == 0 else float(np.clip(var_corr[off].sum() / denom, 0, 1))
    shrunk = (1 - lam) * corr
    np.fill_diagonal(shrunk, 1.0)
    return shrunk * np.outer(sd, sd)


def _weights(method: str, s: np.ndarray, residuals: np.ndarray | None) -> np.ndarray:
    n = s.shape[0]
    if method == "ols":
        return np.eye(n)
    if method == "wls_struct":
        return np.diag(s.sum(axis=1))
    if residuals is None:
        raise ValueError("mint_shrink needs in-sample residuals of every series.")
    return shrunk_covariance(residuals)


def _projection(method: str, s: np.ndarray, residuals: np.ndarray | None) -> np.ndarray:
    """Return G, the (bottom × all) matrix mapping base forecasts to bottom ones."""
    n, m = s.shape
    if method == "bottom_up":
        g = np.zeros((m, n))
        bottom_rows = [
            int(np.flatnonzero((s == np.eye(m)[j]).all(axis=1))[0]) for j in range(m)
        ]
        g[np.arange(m), bottom_rows] = 1.0
        return g
    w_inv = np.linalg.pinv(_weights(method, s, residuals))
    return np.linalg.solve(s.T @ w_inv @ s, s.T @ w_inv)


def reconcile(
    forecasts: pd.DataFrame,
    method: str = "mint_shrink",
    residuals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Make one stream's forecasts coherent across its levels.

    Means are projected with G and re-aggregated with S, so every parent equals
    the sum of its children exactly; negative bottom means are set to 0 before
    re-aggregating, which keeps the sums exact. Intervals are Gaussian around the
    reconciled mean, with the variance carried through the same projection: each
    base series' spread is read from its widest interval, and series are assumed
    correlated as their residuals are (independent when no residuals are given).

    Args:
        forecasts: A frame in the `forecasts` shape (`unique_id, ds, model, mean`
            and `lo_<level>, hi_<level>` columns) for every series of one stream.
        method: "bottom_up", "ols", "wls_struct" (weights by how many bottom series
            a series sums) or "mint_shrink" (needs `residuals`).
        residuals: In-sample errors, `unique_id, ds, residual`, for mint_shrink
            and for correlated intervals.

    Returns:
        A frame with the same rows and columns, means and intervals coherent.

    Raises:
        ValueError: unknown method, or the ids do not form one hierarchy.

    Ids of one stream none of which aggregates the others ("calls/area=N",
    "calls/area=S") are returned as they are, with a WARNING saying so; for a
    total and parts named any other way, see `reconcile_total`.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")
    unique = list(forecasts["unique_id"].unique())
    smat = summing_matrix(unique)
    if smat.shape[0] == smat.shape[1]:
        # Every series is a bottom series: there is nothing to add up. Say so
        # rather than pass the forecasts through a no-op projection.
        logger.warning(
            "No hierarchy among the %d series %s: no id names a total of others "
            "(ids shaped root/key=value, e.g. force/area=North); forecasts left "
            "unreconciled.",
            len(unique),
            ", ".join(map(str, unique[:4])) + (", ..." if len(unique) > 4 else ""),
        )
        return forecasts.copy()
    s, ids = smat.to_numpy(), list(smat.index)
    coverages = sorted(int(c[3:]) for c in forecasts.columns if c.startswith("lo_"))
    res = None
    if residuals is not None:
        wide = residuals.pivot(index="ds", columns="unique_id", values="residual")
        # A history shorter than a season leaves no residuals (no columns at all):
        # then intervals are taken as independent and MinT cannot run.
        res = wide.reindex(columns=ids).dropna().to_numpy()
        if len(res) < 2:
            res = None
    g = _projection(method, s, res)
    corr = np.eye(len(ids))
    if res is not None and len(res) > 2:
        cov = shrunk_covariance(res)
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)

    out = []
    for (_, model), block in forecasts.groupby(["ds", "model"], sort=False):
        block = block.set_index("unique_id").loc[ids]
        bottom = np.clip(g @ block["mean"].to_numpy(), 0, None)
        mean = s @ bottom
        new = block.copy()
        new["mean"] = mean
        if coverages:
            widest = coverages[-1]
            z = norm.ppf(0.5 + widest / 200)
            sigma = (block[f"hi_{widest}"] - block[f"lo_{widest}"]).to_numpy() / (2 * z)
            base_cov = corr * np.outer(sigma, sigma)
            sg = s @ g
            sd = np.sqrt(np.clip(np.diag(sg @ base_cov @ sg.T), 0, None))
            for lv in coverages:
                half = norm.ppf(0.5 + lv / 200) * sd
                new[f"lo_{lv}"] = np.clip(mean - half, 0, None)
                new[f"hi_{lv}"] = mean + half
        new["model"] = model
        out.append(new.reset_index())
    result = pd.concat(out, ignore_index=True)
    return (
        result[forecasts.columns]
        .sort_values(["unique_id", "ds"])
        .reset_index(drop=True)
    )


def seasonal_residuals(history: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Return seasonal differences of the last year or so of each series.

    The correlation proxy `reconcile` uses for its intervals (and MinT for its
    weights): `y_t - y_{t-m}` over the last 4 weeks (hourly), 364 days, 104
    weeks or 36 months of `history`. Only `history` is read, so at a backtest
    cutoff pass the training window alone.

    Returns:
        `unique_id, ds, residual`.
    """
    family = normalise_freq(freq)
    m = SEASON_LENGTHS[family]
    wide = history.pivot(index="ds", columns="unique_id", values="y").tail(
        {"h": 4 * 168, "D": 364, "W": 104, "M": 36}[family] + m
    )
    diff = (wide - wide.shift(m)).dropna()
    long = diff.reset_index().melt(id_vars="ds", value_name="residual")
    return long[["unique_id", "ds", "residual"]]


def find_total(series: pd.DataFrame) -> str | None:
    """Return the id of the series that is the sum of all the others, if any.

    A file of a total and its parts (e.g. a force and its areas, named any
    way) is a two-level hierarchy; this finds it from the data: the series
    whose every period equals the sum of the other series' (to 1e-6 of its
    size). Parts that leave some of the total out (the five busiest districts
    of a city) are no hierarchy.

    Args:
        series: A frame satisfying `demand`.

    Returns:
        The total's `unique_id`, or None (fewer than three series, or none is
        the sum of the others).
    """
    wide = series.pivot(index="ds", columns="unique_id", values="y")
    if wide.shape[1] < 3 or wide.isna().any().any():
        return None
    values = wide.to_numpy(dtype=float)
    sums = values.sum(axis=1)
    for j, uid in enumerate(wide.columns):
        others = sums - values[:, j]
        tolerance = 1e-6 * max(float(np.abs(values[:, j]).max()), 1.0)
        if np.allclose(values[:, j], others, rtol=0, atol=tolerance):
            return str(uid)
    return None


def reconcile_total(
    forecasts: pd.DataFrame,
    total: str,
    method: str = "wls_struct",
    residuals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reconcile forecasts of a total and its parts, whatever their ids.

    The ids are read as the two-level hierarchy `total` = Σ the others (see
    `find_total`) and passed to `reconcile`.

    Args:
        forecasts: The `forecasts` shape, every series at the same periods.
        total: The id of the total.
        method: As for `reconcile`.
        residuals: As for `reconcile`, under the same ids as `forecasts`.

    Returns:
        `forecasts` made coherent: the total equals the sum of its parts.
    """
    ids = forecasts["unique_id"].unique()
    if total not in set(ids):
        raise ValueError(f"The total {total!r} is not among the forecast series.")
    names = {u: "t" if u == total else f"t/part={i}" for i, u in enumerate(ids)}
    back = {v: k for k, v in names.items()}
    renamed = forecasts.assign(unique_id=forecasts["unique_id"].map(names))
    if residuals is not None:
        residuals = residuals.assign(unique_id=residuals["unique_id"].map(names))
    out = reconcile(renamed, method, residuals)
    return out.assign(unique_id=out["unique_id"].map(back))
