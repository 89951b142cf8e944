"""Agent hours for call lines: vectorised Erlang sizing over hours of the week."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from demand.capacity.assumptions import CallLine
from demand.capacity.erlang import evaluate_erlang_c
from demand.capacity.erlang_a import evaluate_erlang_a

__all__ = ["HOURS_PER_WEEK", "agents_for_loads", "erlang_hours"]

HOURS_PER_WEEK = 168


@lru_cache(maxsize=256)
def _thresholds(
    aht: float, target: float, level: float, patience: float | None, agents: int
) -> tuple[float, ...]:
    """Largest load (Erlangs) that n agents carry within target, n = 1..agents.

    The service level falls as load rises for a fixed number of agents, so each
    threshold is found by bisection; the agents a load needs are then the first n
    whose threshold is at least the load.
    """
    out = []
    for n in range(1, agents + 1):
        low, high = 0.0, float(n)
        for _ in range(60):
            mid = (low + high) / 2
            ok = _meets(mid, n, aht, target, level, patience)
            low, high = (mid, high) if ok else (low, mid)
        out.append(low)
    return tuple(out)


def _meets(
    load: float, n: int, aht: float, target: float, level: float, patience: float | None
) -> bool:
    if patience is None:
        return evaluate_erlang_c(load, n, aht, target).service_level >= level
    return evaluate_erlang_a(load, n, aht, target, patience).service_level >= level


def agents_for_loads(loads: np.ndarray, line: CallLine) -> np.ndarray:
    """Fewest agents meeting a call line's answer target, for each offered load.

    Equal to `size_erlang_c` (or `size_erlang_a` with a patience) at every load,
    up to the bisection tolerance at the exact boundary, but vectorised.

    Args:
        loads: Offered loads, Erlangs.
        line: The call line (handling time, target, service level, patience).

    Returns:
        Whole agents per load (0 for zero load).
    """
    loads = np.asarray(loads, float)
    top = int(np.ceil(loads.max() * 1.5 + 10)) if loads.size else 1
    args = (
        line.aht_seconds,
        line.target_seconds,
        line.service_level,
        line.patience_seconds,
    )
    size = 16
    while True:
        table = np.asarray(_thresholds(*args, size))
        if size >= top and (loads.size == 0 or table[-1] >= loads.max()):
            break
        size *= 2
    agents = np.searchsorted(table, loads, side="left") + 1
    return np.where(loads > 0, agents, 0)


def erlang_hours(
    calls: np.ndarray, period_hours: np.ndarray, profile: np.ndarray, line: CallLine
) -> np.ndarray:
    """Agent hours each period needs, sizing each hour of the week by Erlang.

    Args:
        calls: Calls offered in each period.
        period_hours: Length of each period, hours.
        profile: Share of a week's calls in each of the 168 hours (sums to 1).
        line: The call line.

    Returns:
        Agent hours (on the phones) per period.
    """
    per_hour = (calls / period_hours)[:, None] * HOURS_PER_WEEK * profile[None, :]
    loads = per_hour * line.aht_seconds / 3600.0
    agents = agents_for_loads(loads.ravel(), line).reshape(loads.shape)
    return agents.sum(axis=1) * period_hours / HOURS_PER_WEEK
