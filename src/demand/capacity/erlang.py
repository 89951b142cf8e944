"""Erlang B and Erlang C formulas for control-room staffing, with fractional agents."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize, special

__all__ = [
    "QueuePerformance",
    "erlang_b",
    "erlang_c",
    "evaluate_erlang_c",
    "offered_load_erlangs",
    "rostered_fte",
    "size_erlang_c",
    "size_erlang_c_fractional",
]

# Below this load the upper incomplete gamma function is evaluated directly; above it,
# by a continued fraction that never forms exp(-load) (it underflows past 745 Erlangs).
_SMALL_LOAD_ERLANGS = 3.0
# Slack for ceilings of ratios such as 14 / 0.7 = 20.000000000000004 in binary floats.
_CEIL_SLACK = 1e-9


@dataclass(frozen=True)
class QueuePerformance:
    """Steady-state performance of one interval's queue.

    Attributes:
        agents: Agents answering calls (may be fractional for Erlang C).
        service_level: Share (0-1) of all offered calls answered within the target.
        asa_seconds: Mean wait over all offered calls, in seconds; ``inf`` when
            overloaded.
        occupancy: Share (0-1) of agent time spent handling calls.
        p_wait: Probability (0-1) that a call has to queue.
        p_abandon: Probability (0-1) that a call hangs up before it is answered.
    """

    agents: float
    service_level: float
    asa_seconds: float
    occupancy: float
    p_wait: float
    p_abandon: float

    def as_dict(self) -> dict[str, float]:
        """Return the fields as a plain dict, in declaration order."""
        return asdict(self)


def offered_load_erlangs(
    calls: float, interval_minutes: float, aht_seconds: float
) -> float:
    """Return the offered load: calls per second times handling time.

    Args:
        calls: Calls offered in the interval.
        interval_minutes: Length of the interval, in minutes.
        aht_seconds: Average handling time (talk plus wrap-up), in seconds.

    Returns:
        The offered load A, in Erlangs.
    """
    return calls * aht_seconds / (interval_minutes * 60.0)


def _ceil(value: float) -> int:
    """Return the ceiling of ``value``, ignoring binary rounding noise above an int."""
    return math.ceil(value - _CEIL_SLACK * max(1.0, abs(value)))


def rostered_fte(agents: float, shrinkage: float) -> int:
    """Return the rostered staff needed so that ``agents`` are on the phones.

    Args:
        agents: Agents needed answering calls.
        shrinkage: Share (0-1) of paid time lost to breaks, training, absence and so on.

    Returns:
        ``ceil(agents / (1 - shrinkage))``, e.g. 20 for 14 agents and shrinkage 0.30.

    Raises:
        ValueError: If ``shrinkage`` is outside [0, 1) or ``agents`` is negative.
    """
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage!r}.")
    if not agents >= 0:
        raise ValueError(f"agents must be zero or more, got {agents!r}.")
    return _ceil(agents / (1.0 - shrinkage))


def _scaled_upper_gamma(a: float, x: float) -> float:
    """Return exp(x) x**-a Gamma(a, x) by Legendre's continued fraction, x > a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _erlang_b_base(load: float, fraction: float) -> float:
    """Return Erlang B for ``0 <= fraction < 1`` agents (Jagerman's continuous form).

    B(x, A) = A**x * exp(-A) / Gamma(x + 1, A), which is the usual Erlang B at integers.
    """
    if fraction == 0.0:
        return 1.0
    if load < _SMALL_LOAD_ERLANGS:
        upper = special.gammaincc(fraction + 1.0, load) * special.gamma(fraction + 1.0)
        return 1.0 / (math.exp(load) * load**-fraction * upper)
    return 1.0 / (load * _scaled_upper_gamma(fraction + 1.0, load))


def _erlang_b_curve(load: float, max_agents: int, fraction: float = 0.0) -> np.ndarray:
    """Return Erlang B for ``fraction + k`` agents, k = 0..max_agents (recursion)."""
    out = np.empty(max_agents + 1)
    blocking = _erlang_b_base(load, fraction)
    out[0] = blocking
    for k in range(1, max_agents + 1):
        blocking = load * blocking / (fraction + k + load * blocking)
        out[k] = blocking
    return out


def erlang_b(load_erlangs: float, agents: float) -> float:
    """Return the Erlang B blocking probability, continuous in ``agents``.

    Integer agents use the stable recursion B(k) = A B(k-1) / (k + A B(k-1)); fractional
    agents start it from the incomplete-gamma form at the fractional part.

    Args:
        load_erlangs: Offered load A, in Erlangs.
        agents: Agents (servers); any real number >= 0.

    Returns:
        Probability (0-1) that a call finds every agent busy in a loss system.

    Raises:
        ValueError: If the load or the agents are negative (or NaN).
    """
    if not (load_erlangs >= 0.0 and agents >= 0.0):
        raise ValueError("load_erlangs and agents must be numbers >= 0.")
    if load_erlangs == 0.0:
        return 1.0 if agents == 0 else 0.0
    whole = math.floor(agents)
    return float(_erlang_b_curve(load_erlangs, whole, agents - whole)[-1])


def _erlang_c_from_b(load: float, agents: float, blocking: float) -> float:
    """Return Erlang C from Erlang B; 1 when overloaded (agents <= load)."""
    if agents <= load:
        return 1.0
    return agents * blocking / (agents - load * (1.0 - blocking))


def erlang_c(load_erlangs: float, agents: float) -> float:
    """Return the Erlang C probability that a call waits, continuous in ``agents``.

    Args:
        load_erlangs: Offered load A, in Erlangs.
        agents: Agents; any real number >= 0.

    Returns:
        C = N B / (N - A (1 - B)), and exactly 1.0 when ``agents <= load_erlangs``
        (the queue grows without bound, so every call waits), except 0.0 at zero load.

    Raises:
        ValueError: If the load or the agents are negative (or NaN).
    """
    blocking = erlang_b(load_erlangs, agents)  # also validates the inputs
    if load_erlangs == 0.0:
        return 0.0
    return _erlang_c_from_b(load_erlangs, agents, blocking)


def _c_performance(
    load: float,
    agents: float,
    wait_prob: float,
    aht_seconds: float,
    target_seconds: float,
) -> QueuePerformance:
    """Assemble Erlang C performance from the probability of waiting."""
    if load <= 0.0:
        return QueuePerformance(agents, 1.0, 0.0, 0.0, 0.0, 0.0)
    if agents <= load:
        # Overloaded: the queue grows without bound, so the mean wait is infinite.
        return QueuePerformance(agents, 0.0, math.inf, 1.0 if agents else 0.0, 1.0, 0.0)
    spare = agents - load
    service_level = 1.0 - wait_prob * math.exp(-spare * target_seconds / aht_seconds)
    return QueuePerformance(
        agents=agents,
        service_level=min(1.0, max(0.0, service_level)),
        asa_seconds=wait_prob * aht_seconds / spare,
        occupancy=load / agents,
        p_wait=wait_prob,
        p_abandon=0.0,
    )


def evaluate_erlang_c(
    load_erlangs: float, agents: float, aht_seconds: float, target_seconds: float
) -> QueuePerformance:
    """Return Erlang C (M/M/N, infinitely patient callers) performance for ``agents``.

    Args:
        load_erlangs: Offered load A, in Erlangs.
        agents: Agents answering calls; fractional values use the continuous extension.
        aht_seconds: Average handling time, in seconds.
        target_seconds: Answer-time target of the service level, in seconds.

    Returns:
        SL(t) = 1 - C exp(-(N - A) t / AHT), ASA = C AHT / (N - A), occupancy A / N.
        Overloaded (N <= A): service level 0, p_wait 1, ASA ``inf``, occupancy 1 (0 when
        there are no agents). Zero load: service level 1 and everything else 0.
    """
    wait_prob = erlang_c(load_erlangs, agents)
    return _c_performance(load_erlangs, agents, wait_prob, aht_seconds, target_seconds)


def _occupancy_floor(load: float, max_occupancy: float | None) -> int:
    """Return the fewest whole agents whose occupancy A / N is within the cap."""
    if max_occupancy is None:
        return 0
    return _ceil(load / max_occupancy)


def size_erlang_c(
    load_erlangs: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    max_occupancy: float | None = None,
) -> int:
    """Return the fewest whole agents meeting the service level under Erlang C.

    Args:
        load_erlangs: Offered load A, in Erlangs.
        aht_seconds: Average handling time, in seconds.
        target_seconds: Answer-time target, in seconds.
        service_level: Required share (0-1) of calls answered within the target.
        max_occupancy: Optional cap (0-1] on occupancy A / N.

    Returns:
        The minimal N with SL(N) >= ``service_level`` and A / N <= ``max_occupancy``;
        0 at zero load.
    """
    if load_erlangs <= 0.0:
        return 0
    floor = max(
        math.floor(load_erlangs) + 1, _occupancy_floor(load_erlangs, max_occupancy)
    )
    blocking = 1.0
    agents = 0
    while True:
        agents += 1
        blocking = load_erlangs * blocking / (agents + load_erlangs * blocking)
        if agents < floor:
            continue
        wait_prob = _erlang_c_from_b(load_erlangs, agents, blocking)
        perf = _c_performance(
            load_erlangs, agents, wait_prob, aht_seconds, target_seconds
        )
        if perf.service_level >= service_level:
            return agents


def size_erlang_c_fractional(
    load_erlangs: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    max_occupancy: float | None = None,
) -> float:
    """Return the fractional agents at which the Erlang C service level hits the target.

    Uses the continuous extension of Erlang B/C, so requirements add up smoothly across
    queues and intervals before rounding (integer sizing remains the default answer).
    Arguments and units as `size_erlang_c`.

    Returns:
        The real x > A with SL(x) = ``service_level`` (or A / ``max_occupancy`` if
        larger); 0.0 at zero load. It lies in (N - 1, N] for the integer answer N.
    """
    if load_erlangs <= 0.0:
        return 0.0
    whole = size_erlang_c(load_erlangs, aht_seconds, target_seconds, service_level)
    low = max(float(load_erlangs), whole - 1.0)

    def gap(agents: float) -> float:
        perf = evaluate_erlang_c(load_erlangs, agents, aht_seconds, target_seconds)
        return perf.service_level - service_level

    if gap(whole) <= 0.0:
        agents = float(whole)
    else:
        agents = optimize.brentq(gap, low, whole, xtol=1e-10, rtol=1e-12)
    cap = 0.0 if max_occupancy is None else load_erlangs / max_occupancy
    return max(agents, cap)
