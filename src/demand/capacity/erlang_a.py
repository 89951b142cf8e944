"""Erlang A (M/M/N+M, exponential patience) performance and staffing of a queue."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from demand.capacity.erlang import QueuePerformance, evaluate_erlang_c, size_erlang_c

__all__ = [
    "DEFAULT_MAX_ABANDON",
    "evaluate_erlang_a",
    "meets_call_targets",
    "size_erlang_a",
]

DEFAULT_MAX_ABANDON = 0.05
"""Largest share (0-1) of callers a sizing may let abandon: without a ceiling,
Erlang A "meets" a long target by letting impatient callers hang up (a 101 line of
300 calls/h, AHT 360 s, patience 300 s would be sized at 26 agents with 16 % lost)."""

# Truncate the birth-death chain once the tail beyond it holds < exp(-40) of the mass.
_TAIL_LOG_MASS = -40.0
# Guard for memory: an overloaded interval with very patient callers needs about
# (A - N) * patience / AHT states; past this, Erlang A is not the right tool.
_MAX_STATES = 4_000_000


def _stationary(load: float, agents: int, abandon_per_aht: float) -> np.ndarray:
    """Return the stationary distribution p[n] of calls in the system, n = 0, 1, ...

    The chain has birth rate A and death rate min(n, N) + max(n - N, 0) * theta, with
    time in units of the handling time (mu = 1) and theta = AHT / mean patience.
    """
    mode = agents + max(0.0, (load - agents) / abandon_per_aht)
    length = int(max(mode, load) + 10.0 * math.sqrt(load) + 64)
    log_load = math.log(load)
    while True:
        if length > _MAX_STATES:
            raise ValueError(
                "patience_seconds is too long for this overloaded interval; "
                "add agents or use Erlang C (no patience)."
            )
        n = np.arange(1, length, dtype=float)
        death = np.minimum(n, agents) + np.maximum(n - agents, 0.0) * abandon_per_aht
        log_p = np.concatenate(([0.0], np.cumsum(log_load - np.log(death))))
        last_ratio = load / (agents + (length - agents) * abandon_per_aht)
        # Terms beyond the end shrink at least geometrically with last_ratio.
        if length > agents + 1 and last_ratio < 1.0:
            tail = log_p[-1] - log_p.max() - math.log1p(-last_ratio)
            if tail < _TAIL_LOG_MASS:
                break
        length *= 2
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def _answered_within(
    agents: int, abandon_per_aht: float, target_aht: float, position: np.ndarray
) -> np.ndarray:
    """Return P(answered within the target) for a call queueing at ``position``.

    With j - 1 calls ahead, the call moves up at rate N + (j - 1) theta and abandons at
    rate theta. Its wait to reach an agent is then a sum of exponentials with rates in
    arithmetic progression, whose density is proportional to e^{-N s} (1 - e^{-theta s})
    ^ (j - 1); weighting by survival e^{-theta s} and substituting u = 1 - e^{-theta s}
    gives N / (N + j theta) * I_x(j, N / theta + 1) with x = 1 - e^{-theta t}.
    """
    x = -math.expm1(-abandon_per_aht * target_aht)
    shape = agents / abandon_per_aht + 1.0
    reach = agents / (agents + position * abandon_per_aht)
    return reach * special.betainc(position, shape, x)


def evaluate_erlang_a(
    load_erlangs: float,
    agents: int,
    aht_seconds: float,
    target_seconds: float,
    patience_seconds: float,
) -> QueuePerformance:
    """Return Erlang A (M/M/N+M) performance for ``agents``, finite at any load.

    Definitions: the service level is the share of all offered calls answered within
    the target (a call that abandons counts as missed, even if it hangs up early);
    ASA is the mean wait over all offered calls, Lq / lambda, where an abandoning call's
    wait is its time in the queue; p_abandon = theta Lq / lambda; occupancy is the
    carried load A (1 - p_abandon) / N.

    Args:
        load_erlangs: Offered load A, in Erlangs.
        agents: Whole agents answering calls.
        aht_seconds: Average handling time, in seconds.
        target_seconds: Answer-time target, in seconds.
        patience_seconds: Mean time a caller waits before hanging up, in seconds.

    Returns:
        The performance; at zero load, service level 1 and everything else 0. With no
        agents every call abandons (service level 0, ASA = patience).

    Raises:
        ValueError: If ``agents`` is not a whole number >= 0, or if the chain would
            need more than a few million states (overloaded, very patient callers).
    """
    if agents < 0 or int(agents) != agents:
        raise ValueError(f"agents must be a whole number >= 0, got {agents!r}.")
    if load_erlangs <= 0.0:
        return QueuePerformance(agents, 1.0, 0.0, 0.0, 0.0, 0.0)
    theta = aht_seconds / patience_seconds
    if agents == 0:
        return QueuePerformance(0, 0.0, float(patience_seconds), 0.0, 1.0, 1.0)
    p = _stationary(load_erlangs, agents, theta)
    queued = p[agents:]
    position = np.arange(1, queued.size + 1, dtype=float)
    queue_length = float(np.dot(position - 1.0, queued))
    p_abandon = theta * queue_length / load_erlangs
    delayed_answered = np.dot(
        queued,
        _answered_within(agents, theta, target_seconds / aht_seconds, position),
    )
    service_level = float(p[:agents].sum() + delayed_answered)
    return QueuePerformance(
        agents=agents,
        service_level=min(1.0, max(0.0, service_level)),
        asa_seconds=queue_length / load_erlangs * aht_seconds,
        occupancy=min(1.0, load_erlangs * (1.0 - p_abandon) / agents),
        p_wait=min(1.0, float(queued.sum())),
        p_abandon=min(1.0, p_abandon),
    )


def meets_call_targets(
    load_erlangs: float,
    agents: int,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    patience_seconds: float | None = None,
    max_abandon: float = DEFAULT_MAX_ABANDON,
    max_occupancy: float | None = None,
) -> bool:
    """Return whether ``agents`` meet every target of a call line at one load.

    The one rule every sizer (the calculator, the API and the capacity stage)
    applies: more agents than the offered load (a queue staffed at or below its
    load only "works" by losing callers), the service level reached, at most
    ``max_abandon`` of callers abandoning (Erlang A) and occupancy within the cap.
    Each condition gets easier with more agents and harder with more load.

    Args:
        load_erlangs: Offered load A, in Erlangs (> 0).
        agents: Whole agents answering calls.
        aht_seconds: Average handling time, in seconds.
        target_seconds: Answer-time target, in seconds.
        service_level: Required share (0-1) of offered calls answered within target.
        patience_seconds: Mean caller patience in seconds (Erlang A), or None
            (Erlang C, callers never abandon).
        max_abandon: Largest share (0-1) of offered calls that may abandon.
        max_occupancy: Optional cap (0-1] on occupancy.

    Returns:
        True when every condition holds.
    """
    if agents <= load_erlangs:
        return False
    if patience_seconds is None:
        perf = evaluate_erlang_c(load_erlangs, agents, aht_seconds, target_seconds)
    else:
        perf = evaluate_erlang_a(
            load_erlangs, agents, aht_seconds, target_seconds, patience_seconds
        )
    return (
        perf.service_level >= service_level
        and perf.p_abandon <= max_abandon
        and (max_occupancy is None or perf.occupancy <= max_occupancy)
    )


def size_erlang_a(
    load_erlangs: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    patience_seconds: float,
    max_occupancy: float | None = None,
    max_abandon: float = DEFAULT_MAX_ABANDON,
) -> int:
    """Return the fewest whole agents meeting every target under Erlang A.

    The targets are those of `meets_call_targets`: more agents than the load, the
    service level, the abandonment ceiling and the occupancy cap. Each gets easier
    with more agents, so a bracketing search from the Erlang C answer finds the
    minimum in a few evaluations.

    Args:
        load_erlangs: Offered load A, in Erlangs.
        aht_seconds: Average handling time, in seconds.
        target_seconds: Answer-time target, in seconds.
        service_level: Required share (0-1) of offered calls answered within target.
        patience_seconds: Mean caller patience, in seconds.
        max_occupancy: Optional cap (0-1] on occupancy (carried load per agent).
        max_abandon: Largest share (0-1) of offered calls that may abandon
            (default `DEFAULT_MAX_ABANDON`, 5 %).

    Returns:
        The minimal N meeting every target; 0 at zero load.
    """
    if load_erlangs <= 0.0:
        return 0

    def meets(agents: int) -> bool:
        return meets_call_targets(
            load_erlangs,
            agents,
            aht_seconds,
            target_seconds,
            service_level,
            patience_seconds,
            max_abandon,
            max_occupancy,
        )

    least = math.floor(load_erlangs) + 1  # never at or below the offered load
    high = max(
        least, size_erlang_c(load_erlangs, aht_seconds, target_seconds, service_level)
    )
    step = 1
    while not meets(high):
        high += step
        step *= 2
    low = high - 1
    step = 1
    while low >= least and meets(low):
        high = low
        low = max(least - 1, low - step)
        step *= 2
    # Invariant: meets(high) and not meets(low) (low < least never meets).
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high
