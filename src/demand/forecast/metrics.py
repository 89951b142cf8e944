"""Accuracy metrics of the benchmark protocol: MASE, sMAPE, RMSE, bias, coverage,
scaled quantile loss and mean scaled interval score."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "QUANTILE_LEVELS",
    "bias",
    "coverage",
    "mase",
    "msis",
    "rmse",
    "scaled_quantile_loss",
    "seasonal_naive_mae",
    "smape",
]

QUANTILE_LEVELS: dict[float, str] = {
    0.025: "lo_95",
    0.1: "lo_80",
    0.5: "mean",
    0.9: "hi_80",
    0.975: "hi_95",
}
"""The quantiles `scaled_quantile_loss` scores and the forecast column that gives
each: the central 80 % and 95 % intervals' bounds and the point forecast."""


def _arrays(*values: ArrayLike) -> list[np.ndarray]:
    """Return float arrays of one shared length."""
    arrays = [np.asarray(v, dtype=float) for v in values]
    if len({a.shape for a in arrays}) > 1:
        raise ValueError(f"Arrays differ in shape: {[a.shape for a in arrays]}.")
    return arrays


def seasonal_naive_mae(y: ArrayLike, season_length: int) -> float:
    """Return the in-sample seasonal-naive MAE, `mean |y_t - y_{t-m}|`: MASE's scale.

    Args:
        y: One series' training counts, oldest first.
        season_length: m, in periods.

    Returns:
        The scale in units of `y`; NaN when there are not more than m values.
    """
    values = np.asarray(y, dtype=float)
    if values.size <= season_length:
        return float("nan")
    return float(np.mean(np.abs(values[season_length:] - values[:-season_length])))


def mase(y: ArrayLike, f: ArrayLike, scale: ArrayLike) -> float:
    """Return the mean absolute scaled error, `mean(|f - y| / s)`.

    Args:
        y: Actuals.
        f: Point forecasts.
        scale: Per point, the seasonal-naive MAE of the training window of the
            point's cutoff (`seasonal_naive_mae`); a scalar is broadcast.

    Returns:
        MASE (unitless; 1 = as good as in-sample seasonal naive). A zero scale
        (a constant training window) gives inf, or NaN where the error is 0 too.
    """
    y_, f_ = _arrays(y, f)
    s = np.broadcast_to(np.asarray(scale, dtype=float), y_.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(np.abs(f_ - y_) / s))


def smape(y: ArrayLike, f: ArrayLike) -> float:
    """Return sMAPE in percent, `mean(200 |f - y| / (|y| + |f|))`, with 0/0 = 0."""
    y_, f_ = _arrays(y, f)
    denominator = np.abs(y_) + np.abs(f_)
    ratio = np.divide(
        200.0 * np.abs(f_ - y_),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(np.mean(ratio))


def rmse(y: ArrayLike, f: ArrayLike) -> float:
    """Return the root mean squared error, in units of `y`."""
    y_, f_ = _arrays(y, f)
    return float(np.sqrt(np.mean((f_ - y_) ** 2)))


def bias(y: ArrayLike, f: ArrayLike) -> float:
    """Return the bias in percent, `100 Σ(f - y) / Σy` (positive: over-forecast).

    Returns NaN when Σy is 0 (0 if the forecasts sum to 0 too).
    """
    y_, f_ = _arrays(y, f)
    total_error, total = float(np.sum(f_ - y_)), float(np.sum(y_))
    if total == 0:
        return 0.0 if total_error == 0 else float("nan")
    return 100.0 * total_error / total


def coverage(y: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    """Return the share (0-1) of actuals inside [lo, hi], bounds included."""
    y_, lo_, hi_ = _arrays(y, lo, hi)
    return float(np.mean((lo_ <= y_) & (y_ <= hi_)))


def scaled_quantile_loss(
    y: ArrayLike, quantiles: dict[float, ArrayLike], scale: ArrayLike
) -> float:
    """Return the scaled quantile (pinball) loss, M5's probabilistic score.

    For each point and quantile q (a probability) with forecast quantile Q, the pinball
    loss is `q (y - Q)` when `y ≥ Q` and `(1 - q) (Q - y)` otherwise; it is
    divided by the point's scale (as MASE's errors are) and averaged over
    points and quantiles. With only the median it is MASE / 2.

    Args:
        y: Actuals.
        quantiles: {q in (0, 1): forecast quantiles}, e.g. `QUANTILE_LEVELS`'
            columns (0.5 is the point forecast).
        scale: Per point, the in-sample seasonal-naive MAE of its cutoff's
            training window; a scalar is broadcast.

    Returns:
        The loss (unitless; lower is better). A zero scale gives inf (NaN where
        the loss is 0 too).
    """
    (y_,) = _arrays(y)
    s = np.broadcast_to(np.asarray(scale, dtype=float), y_.shape)
    losses = []
    for q, values in quantiles.items():
        (Q,) = _arrays(values)
        if Q.shape != y_.shape:
            raise ValueError(f"Quantile {q} has shape {Q.shape}, actuals {y_.shape}.")
        diff = y_ - Q
        losses.append(np.maximum(q * diff, (q - 1.0) * diff))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(np.stack(losses) / s))


def msis(
    y: ArrayLike, lo: ArrayLike, hi: ArrayLike, scale: ArrayLike, alpha: float = 0.05
) -> float:
    """Return M4's mean scaled interval score of the central `1 - alpha` interval.

    Per point: `(hi - lo) + (2 / alpha) (lo - y) [y < lo] + (2 / alpha) (y - hi)
    [y > hi]`, divided by the point's scale and averaged. It rewards narrow
    intervals and charges `2 / alpha` times each miss (40 at 95 %).

    Args:
        y: Actuals.
        lo: Lower bounds of the central `1 - alpha` interval.
        hi: Upper bounds.
        scale: As for `mase`.
        alpha: 1 - the interval's coverage (0.05 for the 95 % interval).

    Returns:
        MSIS (unitless; lower is better).
    """
    y_, lo_, hi_ = _arrays(y, lo, hi)
    s = np.broadcast_to(np.asarray(scale, dtype=float), y_.shape)
    penalty = 2.0 / alpha
    score = (
        (hi_ - lo_)
        + penalty * np.maximum(lo_ - y_, 0.0)
        + penalty * np.maximum(y_ - hi_, 0.0)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(score / s))
