"""Reuse identical fits within one unit of work: the same model on the same data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from demand.forecast.base import BaseForecaster

__all__ = ["fit_once", "reusing_fits"]

_FITS: dict[tuple[str, str, str], BaseForecaster] | None = None
"""Fitted models of the open `reusing_fits` block by (class, parameters, data);
None outside a block, so nothing is kept between tasks."""


@contextmanager
def reusing_fits() -> Iterator[None]:
    """Within the block, `fit_once` fits each (model, data) pair only once.

    Backtest-and-select repeats many fits exactly: `auto` validates its
    candidates at cutoffs that its own backtest windows validate again (the
    daily protocol's cutoffs are 28 days apart, like auto's inner ones), and it
    refits a choice on data a later window validated. Every model here is a
    pure function of its parameters and data (randomness through
    `random_state`), so a repeated fit can be replaced by the first one without
    changing any forecast. Blocks nest; the outermost one owns the fits, which
    are dropped when it closes (memory stays bounded by one task).
    """
    global _FITS
    if _FITS is not None:
        yield
        return
    _FITS = {}
    try:
        yield
    finally:
        _FITS = None


def _digest(series: pd.DataFrame) -> str:
    """Return a digest of the streams, periods and values of a `demand` frame."""
    hashed = pd.util.hash_pandas_object(series[["unique_id", "ds", "y"]], index=False)
    return hashlib.blake2b(hashed.to_numpy().tobytes(), digest_size=16).hexdigest()


def fit_once(model: BaseForecaster, series: pd.DataFrame) -> BaseForecaster:
    """Return `model` fitted on `series`, or an identical earlier fit.

    Outside a `reusing_fits` block this is `model.fit(series)`. Inside one, a
    model of the same class and parameters already fitted on the same rows is
    returned instead (and `model` is left unfitted); callers must treat the
    result as read-only, which `predict` is.
    """
    if _FITS is None:
        return model.fit(series)
    params = repr(sorted(model.get_params(deep=False).items()))
    key = (type(model).__qualname__, params, _digest(series))
    fitted = _FITS.get(key)
    if fitted is None:
        fitted = model.fit(series)
        _FITS[key] = fitted
    return fitted
