"""The fallback policy: what a model that cannot fit falls back to, and the record."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from demand.forecast.registry import model_for

if TYPE_CHECKING:
    import pandas as pd

    from demand.forecast.base import BaseForecaster

__all__ = ["fit_fallback", "routine_fallbacks"]

logger = logging.getLogger(__name__)

_ROUTINE_FALLBACKS: ContextVar[bool] = ContextVar("routine_fallbacks", default=False)


@contextmanager
def routine_fallbacks() -> Iterator[None]:
    """Log fallbacks at INFO, not WARNING, within the block: for validation
    windows, where short histories make them routine and expected."""
    token = _ROUTINE_FALLBACKS.set(True)
    try:
        yield
    finally:
        _ROUTINE_FALLBACKS.reset(token)


def fit_fallback(
    fallback: str | None,
    failed: str,
    series: pd.DataFrame,
    error: BaseException,
    **shared: Any,
) -> BaseForecaster:
    """Fit the `fallback` model on the series in `series` that `failed` could not fit.

    The one policy for every layer (a series inside a model, a whole series in
    the forecast stage, a choice `auto` could not refit): the fallback is the
    registered model `fallback`, set up like the failed one (`model_for` with
    the same `shared` settings: `freq`, `season_length`, ...); the failure is
    logged at WARNING (INFO inside `routine_fallbacks`) with the series ids, the
    model and the error; and the fallback's alias is what its forecasts carry
    in the `model` column, so the record is never silent.

    Args:
        fallback: Alias of the fallback model; None (or `failed` itself) means
            there is none.
        failed: Alias of the model that could not fit.
        series: The series to fit the fallback on (`demand` rows).
        error: Why `failed` could not fit them.
        **shared: Settings for `model_for`.

    Returns:
        The fitted fallback.

    Raises:
        ValueError: there is no fallback; the message names the series.
    """
    uids = list(dict.fromkeys(series["unique_id"]))
    ids = repr(uids[0]) if len(uids) == 1 else repr(uids)
    if not fallback or fallback == failed:
        # "stream" kept: this text reaches `model_choices.reason` via the stage.
        raise ValueError(f"{failed} could not fit stream {ids}: {error}") from error
    logger.log(
        logging.INFO if _ROUTINE_FALLBACKS.get() else logging.WARNING,
        "%s could not fit stream %s (%s: %s); using fallback %s.",
        failed,
        ids,
        type(error).__name__,
        error,
        fallback,
    )
    return model_for(fallback, **shared).fit(series)
