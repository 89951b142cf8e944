"""Reuse identical fits within one unit of work: the same model on the same data."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from demand.forecast.base import BaseForecaster

__all__ = ["fit_once", "reusing_fits"]

_LOCAL = threading.local()
"""Per thread, `fits`: fitted models of the thread's open `reusing_fits` block by
(class, parameters, data), absent outside a block, so nothing is kept between
tasks. Per thread because a Dask worker may run several tasks on threads at
once: one task's block must neither end nor share another's."""


def _fits() -> dict[tuple[str, str, str], BaseForecaster] | None:
    return getattr(_LOCAL, "fits", None)


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
    if _fits() is not None:
        yield
        return
    _LOCAL.fits = {}
    try:
        yield
    finally:
        del _LOCAL.fits


def _digest(series: pd.DataFrame) -> str:
    """Return a digest of the series, periods and values of a `demand` frame."""
    hashed = pd.util.hash_pandas_object(series[["unique_id", "ds", "y"]], index=False)
    return hashlib.blake2b(hashed.to_numpy().tobytes(), digest_size=16).hexdigest()


def fit_once(model: BaseForecaster, series: pd.DataFrame) -> BaseForecaster:
    """Return `model` fitted on `series`, or an identical earlier fit.

    Outside a `reusing_fits` block this is `model.fit(series)`. Inside one, a
    model of the same class and parameters already fitted on the same rows is
    returned instead (and `model` is left unfitted); callers must treat the
    result as read-only, which `predict` is.
    """
    fits = _fits()
    if fits is None:
        return model.fit(series)
    params = repr(sorted(model.get_params(deep=False).items()))
    key = (type(model).__qualname__, params, _digest(series))
    fitted = fits.get(key)
    if fitted is None:
        fitted = model.fit(series)
        fits[key] = fitted
    return fitted
