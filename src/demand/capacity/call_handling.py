"""Agent hours for call lines: vectorised Erlang sizing over hours of the week."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from demand.capacity.assumptions import CallLine
from demand.capacity.erlang_a import meets_call_targets

__all__ = ["HOURS_PER_WEEK", "agents_for_loads", "erlang_hours", "line_targets"]

HOURS_PER_WEEK = 168


def line_targets(line: CallLine) -> tuple:
    """The sizing arguments of a call line, in `meets_call_targets` order after
    the load and the agents: handling time, target, level, patience, abandonment
    ceiling and occupancy cap."""
    return (
        line.aht_seconds,
        line.target_seconds,
        line.service_level,
        line.patience_seconds,
        line.max_abandon_fraction,
        line.max_occupancy_fraction,
    )


@lru_cache(maxsize=8192)
def _threshold(targets: tuple, agents: int) -> float:
    """Largest load (Erlangs) that ``agents`` carry within every target.

    Every target gets harder as load rises for fixed agents, and no load at or
    above ``agents`` meets them, so bisection on [0, agents] finds the boundary
    to the last bit of a float (60 halvings).
    """
    low, high = 0.0, float(agents)
    for _ in range(60):
        mid = (low + high) / 2
        if meets_call_targets(mid, agents, *targets):
            low = mid
        else:
            high = mid
    return low


def agents_for_loads(loads: np.ndarray, line: CallLine) -> np.ndarray:
    """Fewest agents meeting a call line's targets, for each offered load.

    The same rule as `size_control_room` and `demand erlang` (both use
    `meets_call_targets`: more agents than the load, service level, abandonment
    ceiling, occupancy cap), vectorised by tabulating the largest load each number
    of agents carries; equal to the scalar sizer at every load except within a
    float's last bit of a boundary (tested over hundreds of random loads).

    Args:
        loads: Offered loads, Erlangs.
        line: The call line (handling time, targets, patience, ceilings).

    Returns:
        Whole agents per load (0 for zero load).
    """
    loads = np.asarray(loads, float)
    targets = line_targets(line)
    top = float(loads.max()) if loads.size else 0.0
    table: list[float] = []
    while not table or table[-1] < top or len(table) < 16:
        if len(table) > 4 * top + 1000:  # no number of agents meets the targets
            raise ValueError(
                "no number of agents meets this call line's targets; "
                "raise max_abandon_fraction or lower the service level."
            )
        table.append(_threshold(targets, len(table) + 1))
    agents = np.searchsorted(np.asarray(table), loads, side="left") + 1
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
