"""Control-room staffing: the quick Erlang calculator and sizing of interval tables."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from numbers import Integral, Real

import pandas as pd

from demand.capacity.erlang import (
    QueuePerformance,
    evaluate_erlang_c,
    offered_load_erlangs,
    rostered_fte,
    size_erlang_c,
)
from demand.capacity.erlang_a import (
    DEFAULT_MAX_ABANDON,
    evaluate_erlang_a,
    size_erlang_a,
)

__all__ = ["ControlRoomResult", "size_control_room", "staff_intervals"]

_METRIC_COLUMNS = [
    "load_erlangs",
    "agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "p_wait",
    "p_abandon",
    "rostered_fte",
]


@dataclass(frozen=True)
class ControlRoomResult:
    """Agents and performance for one interval of a control room.

    Attributes:
        agents: Agents answering calls (the minimal number meeting the target, or the
            number given).
        service_level: Share (0-1) of all offered calls answered within the target.
        asa_seconds: Mean wait over all offered calls, in seconds; ``inf`` when
            overloaded.
        occupancy: Share (0-1) of agent time spent handling calls.
        p_wait: Probability (0-1) that a call has to queue.
        p_abandon: Probability (0-1) that a call abandons (0.0 under Erlang C).
        rostered_fte: Staff to roster, ``ceil(agents / (1 - shrinkage))``.
    """

    agents: int
    service_level: float
    asa_seconds: float
    occupancy: float
    p_wait: float
    p_abandon: float
    rostered_fte: int

    def as_dict(self, *, json_safe: bool = False) -> dict[str, float | int | None]:
        """Return the seven fields as a dict, in declaration order.

        Args:
            json_safe: Write non-finite floats (an overloaded ``asa_seconds``) as
                ``None``, i.e. JSON ``null``; Python's ``json`` would otherwise emit
                ``Infinity``, which is not valid JSON.
        """
        fields = asdict(self)
        if json_safe:
            return {
                key: None
                if isinstance(value, float) and not math.isfinite(value)
                else value
                for key, value in fields.items()
            }
        return fields


def _check_number(name: str, value: float, low: float, high: float, rule: str) -> None:
    """Raise ValueError unless ``value`` is a finite number that satisfies ``rule``."""
    ok = isinstance(value, Real) and not isinstance(value, bool)
    ok = ok and math.isfinite(value)
    inside = {
        ">= 0": lambda v: v >= low,
        "> 0": lambda v: v > low,
        "in (0, 1)": lambda v: low < v < high,
        "in [0, 1)": lambda v: low <= v < high,
        "in (0, 1]": lambda v: low < v <= high,
    }[rule]
    if not ok or not inside(value):
        raise ValueError(f"{name} must be a number {rule}, got {value!r}.")


def _validate(
    calls: float,
    interval_minutes: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    patience_seconds: float | None,
    agents: int | None,
    shrinkage: float,
    max_occupancy: float | None,
    max_abandon: float = DEFAULT_MAX_ABANDON,
) -> None:
    """Raise ValueError with one sentence on what to fix for the first bad input."""
    _check_number("calls", calls, 0.0, math.inf, ">= 0")
    _check_number("interval_minutes", interval_minutes, 0.0, math.inf, "> 0")
    _check_number("aht_seconds", aht_seconds, 0.0, math.inf, "> 0")
    _check_number("target_seconds", target_seconds, 0.0, math.inf, ">= 0")
    _check_number("service_level", service_level, 0.0, 1.0, "in (0, 1)")
    if patience_seconds is not None:
        _check_number("patience_seconds", patience_seconds, 0.0, math.inf, "> 0")
    if agents is not None and (
        isinstance(agents, bool) or not isinstance(agents, Integral) or agents < 0
    ):
        raise ValueError(f"agents must be a whole number >= 0, got {agents!r}.")
    _check_number("shrinkage", shrinkage, 0.0, 1.0, "in [0, 1)")
    if max_occupancy is not None:
        _check_number("max_occupancy", max_occupancy, 0.0, 1.0, "in (0, 1]")
    _check_number("max_abandon", max_abandon, 0.0, 1.0, "in (0, 1]")


def _whole(agents: object) -> int | None:
    """Return a table's agents value as an int (14.0 -> 14), or raise if not whole."""
    if agents is None or isinstance(agents, Integral):
        return None if agents is None else int(agents)
    if isinstance(agents, Real) and float(agents).is_integer():
        return int(float(agents))
    raise ValueError(f"agents must be a whole number >= 0, got {agents!r}.")


def _performance(
    load: float,
    agents: int,
    aht_seconds: float,
    target_seconds: float,
    patience_seconds: float | None,
) -> QueuePerformance:
    """Evaluate Erlang A when a patience is given, else Erlang C."""
    if patience_seconds is None:
        return evaluate_erlang_c(load, agents, aht_seconds, target_seconds)
    return evaluate_erlang_a(
        load, agents, aht_seconds, target_seconds, patience_seconds
    )


def size_control_room(
    calls: float,
    interval_minutes: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    patience_seconds: float | None = None,
    agents: int | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    max_abandon: float = DEFAULT_MAX_ABANDON,
) -> ControlRoomResult:
    """Return the agents one interval needs, or the performance of a given number.

    Erlang A (callers abandon after an exponential patience) when ``patience_seconds``
    is given, else Erlang C (callers wait for ever).

    Args:
        calls: Calls offered in the interval.
        interval_minutes: Length of the interval, in minutes.
        aht_seconds: Average handling time (talk plus wrap-up), in seconds.
        target_seconds: Answer-time target, in seconds (e.g. 10 for 999).
        service_level: Required share (0-1) of offered calls answered within the
            target, e.g. 0.90; used only when ``agents`` is not given.
        patience_seconds: Mean time a caller waits before hanging up, in seconds.
        agents: Agents on the phones; if given, report their performance instead of
            sizing.
        shrinkage: Share [0-1) of rostered time not on the phones.
        max_occupancy: Optional occupancy cap (0-1] applied when sizing.
        max_abandon: Largest share (0-1] of callers that may abandon, applied when
            sizing under Erlang A (default 0.05). Sizing never staffs at or below
            the offered load.

    Returns:
        The result; ``asa_seconds`` is ``inf`` under Erlang C when agents <= load.

    Raises:
        ValueError: If an input is out of range; the message says which and how.
    """
    _validate(
        calls,
        interval_minutes,
        aht_seconds,
        target_seconds,
        service_level,
        patience_seconds,
        agents,
        shrinkage,
        max_occupancy,
        max_abandon,
    )
    load = offered_load_erlangs(calls, interval_minutes, aht_seconds)
    if agents is None:
        if patience_seconds is None:
            agents = size_erlang_c(
                load, aht_seconds, target_seconds, service_level, max_occupancy
            )
        else:
            agents = size_erlang_a(
                load,
                aht_seconds,
                target_seconds,
                service_level,
                patience_seconds,
                max_occupancy,
                max_abandon,
            )
    agents = int(agents)
    perf = _performance(load, agents, aht_seconds, target_seconds, patience_seconds)
    return ControlRoomResult(
        agents=agents,
        service_level=float(perf.service_level),
        asa_seconds=float(perf.asa_seconds),
        occupancy=float(perf.occupancy),
        p_wait=float(perf.p_wait),
        p_abandon=float(perf.p_abandon),
        rostered_fte=rostered_fte(agents, shrinkage),
    )


def staff_intervals(
    frame: pd.DataFrame,
    *,
    interval_minutes: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    patience_seconds: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    max_abandon: float = DEFAULT_MAX_ABANDON,
    calls_column: str = "calls",
    agents_column: str | None = None,
) -> pd.DataFrame:
    """Size (or evaluate) every interval of a table of calls, one row per interval.

    Each row is treated as a stationary queue of its own (the SIPP approach): fine for
    call handling, whose handling times are short next to the interval.

    Args:
        frame: One row per interval (e.g. per hour of the week) with calls offered in
            ``calls_column``; other columns are kept unchanged.
        interval_minutes: Length of each interval, in minutes.
        aht_seconds: Average handling time, in seconds.
        target_seconds: Answer-time target, in seconds.
        service_level: Required share (0-1) of calls answered within the target.
        patience_seconds: Mean caller patience in seconds; gives Erlang A if set.
        shrinkage: Share [0-1) of rostered time not on the phones.
        max_occupancy: Optional occupancy cap (0-1] applied when sizing.
        max_abandon: Largest share (0-1] of callers that may abandon (Erlang A).
        calls_column: Column holding calls offered per interval.
        agents_column: If set, evaluate the agents in this column instead of sizing.

    Returns:
        A copy of ``frame`` with columns ``load_erlangs, agents, service_level,
        asa_seconds, occupancy, p_wait, p_abandon, rostered_fte`` added (replacing any
        of the same name, except ``agents_column``, which is read first).

    Raises:
        KeyError: If a named column is missing.
        ValueError: If an input or a row's calls or agents are out of range.
    """
    for column in (calls_column, agents_column):
        if column is not None and column not in frame.columns:
            raise KeyError(
                f"column {column!r} not found; pass calls_column/agents_column."
            )
    given = [None] * len(frame) if agents_column is None else frame[agents_column]
    rows = []
    for label, calls, agents in zip(
        frame.index, frame[calls_column], given, strict=True
    ):
        try:
            result = size_control_room(
                calls=float(calls),
                interval_minutes=interval_minutes,
                aht_seconds=aht_seconds,
                target_seconds=target_seconds,
                service_level=service_level,
                patience_seconds=patience_seconds,
                agents=_whole(agents),
                shrinkage=shrinkage,
                max_occupancy=max_occupancy,
                max_abandon=max_abandon,
            )
        except ValueError as error:
            raise ValueError(f"row {label!r}: {error}") from error
        load = offered_load_erlangs(float(calls), interval_minutes, aht_seconds)
        rows.append({"load_erlangs": load, **result.as_dict()})
    metrics = pd.DataFrame(rows, columns=_METRIC_COLUMNS, index=frame.index)
    out = frame.drop(columns=[c for c in _METRIC_COLUMNS if c in frame.columns])
    return pd.concat([out, metrics], axis=1)
