"""Known answers, laws and a simulation check for the Erlang B, C and A maths."""

from __future__ import annotations

import heapq
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, linalg, special

from demand.capacity.control_room import (
    ControlRoomResult,
    size_control_room,
    staff_intervals,
)
from demand.capacity.erlang import (
    erlang_b,
    erlang_c,
    evaluate_erlang_c,
    offered_load_erlangs,
    rostered_fte,
    size_erlang_c,
    size_erlang_c_fractional,
)
from demand.capacity.erlang_a import (
    DEFAULT_MAX_ABANDON,
    evaluate_erlang_a,
    size_erlang_a,
)

PROB = 1e-4  # tolerance on probabilities quoted to four or more places (notes §8)
FAST = settings(max_examples=60, deadline=None, derandomize=True)

loads = st.floats(min_value=0.05, max_value=400.0)
aht = st.floats(min_value=20.0, max_value=900.0)
targets = st.floats(min_value=0.0, max_value=300.0)
patiences = st.floats(min_value=5.0, max_value=3600.0)


def _erlang_b_direct(load: float, agents: int) -> float:
    """Erlang B by the direct sum in log space (independent of the recursion)."""
    k = np.arange(agents + 1)
    log_terms = k * math.log(load) - special.gammaln(k + 1)
    return math.exp(log_terms[-1] - special.logsumexp(log_terms))


def _erlang_b_integral(load: float, agents: float) -> float:
    """Erlang B for real agents by quadrature of Jagerman's integral.

    1 / B(x, A) = integral over u >= 0 of exp(-u) (1 + u / A) ** x du.
    """

    peak = max(0.0, agents - load)  # the integrand's maximum, used to scale it

    def log_integrand(u: float) -> float:
        return -u + agents * math.log1p(u / load)

    def integrand(u: float) -> float:
        return math.exp(log_integrand(u) - log_integrand(peak))

    options = {"limit": 400, "epsabs": 0.0, "epsrel": 1e-12}
    left = integrate.quad(integrand, 0.0, peak, **options)[0] if peak else 0.0
    right = integrate.quad(integrand, peak, math.inf, **options)[0]
    return math.exp(-log_integrand(peak)) / (left + right)


def _erlang_c_direct(load: float, agents: int) -> float:
    """Erlang C by the textbook sum formula (notes §5.1, second form)."""
    k = np.arange(agents)
    head = np.exp(k * math.log(load) - special.gammaln(k + 1)).sum()
    tail = math.exp(agents * math.log(load) - special.gammaln(agents + 1))
    tail *= agents / (agents - load)
    return tail / (head + tail)


# --- Erlang B and C known answers (notes §5.2) ----------------------------------------


@pytest.mark.parametrize(
    ("load", "agents", "expected"),
    [(1, 1, 0.5), (1, 2, 0.2), (2, 5, 0.0367), (10, 14, 0.0568), (5, 10, 0.0184)],
)
def test_erlang_b_matches_published_tables(load, agents, expected):
    assert erlang_b(load, agents) == pytest.approx(expected, abs=PROB)


def test_mitan_classic_performance_at_55_agents():
    load = offered_load_erlangs(calls=360, interval_minutes=30, aht_seconds=240)
    assert load == pytest.approx(48.0)
    perf = evaluate_erlang_c(load, 55, aht_seconds=240, target_seconds=20)
    assert perf.p_wait == pytest.approx(0.23870, abs=PROB)
    assert perf.service_level == pytest.approx(0.8668, abs=PROB)
    assert perf.asa_seconds == pytest.approx(8.184, abs=5e-4)
    assert perf.occupancy == pytest.approx(0.8727, abs=PROB)
    assert perf.p_wait == pytest.approx(_erlang_c_direct(48, 55), rel=1e-12)
    assert perf.as_dict()["asa_seconds"] == perf.asa_seconds
    slower = evaluate_erlang_c(load, 55, aht_seconds=240, target_seconds=15)
    assert slower.service_level == pytest.approx(0.8459, abs=PROB)


def test_erlang_c_a10_n12_known_values():
    assert erlang_b(10, 12) == pytest.approx(0.119741, abs=PROB)
    assert erlang_c(10, 12) == pytest.approx(0.44939, abs=PROB)
    perf = evaluate_erlang_c(10, 12, aht_seconds=300, target_seconds=30)
    assert perf.service_level == pytest.approx(0.63207, abs=PROB)


@pytest.mark.parametrize(
    ("calls", "minutes", "aht_s", "target_s", "level", "agents", "sl", "sl_one_fewer"),
    [
        (360, 30, 240, 20, 0.80, 54, 0.8172, 0.7518),  # Mitan sizing
        (100, 30, 180, 20, 0.80, 14, 0.8884, 0.7956),  # Call Centre Helper
        (300, 60, 120, 10, 0.90, 15, 0.9327, 0.8752),  # 999-style, A = 10
        (120, 60, 180, 10, 0.90, 10, 0.9189, 0.8341),  # 999-style, A = 6
        (600, 60, 150, 10, 0.90, 32, 0.9204, 0.8795),  # 999-style, A = 25
    ],
)
def test_erlang_c_sizing_is_minimal(
    calls, minutes, aht_s, target_s, level, agents, sl, sl_one_fewer
):
    result = size_control_room(calls, minutes, aht_s, target_s, level)
    assert result.agents == agents
    assert result.service_level == pytest.approx(sl, abs=PROB)
    assert result.service_level >= level
    fewer = size_control_room(calls, minutes, aht_s, target_s, level, agents=agents - 1)
    assert fewer.service_level == pytest.approx(sl_one_fewer, abs=PROB)
    assert fewer.service_level < level


def test_999_case_p_wait_and_answer_time():
    result = size_control_room(300, 60, 120, 10, 0.90)
    assert result.p_wait == pytest.approx(0.1020, abs=PROB)
    assert result.asa_seconds == pytest.approx(2.45, abs=5e-3)


def test_low_load_needs_one_agent():
    result = size_control_room(6, 30, 60, 20, 0.80)
    assert result.agents == 1
    assert result.service_level == pytest.approx(0.847, abs=5e-4)


def test_call_centre_helper_with_shrinkage_and_occupancy_caps():
    capped_85 = size_control_room(
        100, 30, 180, 20, 0.80, shrinkage=0.30, max_occupancy=0.85
    )
    assert (capped_85.agents, capped_85.rostered_fte) == (14, 20)
    assert capped_85.service_level == pytest.approx(0.888, abs=5e-4)
    assert capped_85.occupancy == pytest.approx(0.714, abs=5e-4)
    assert capped_85.p_wait == pytest.approx(0.174, abs=5e-4)
    capped_70 = size_control_room(
        100, 30, 180, 20, 0.80, shrinkage=0.30, max_occupancy=0.70
    )
    assert (capped_70.agents, capped_70.rostered_fte) == (15, 22)
    assert capped_70.service_level == pytest.approx(0.941, abs=5e-4)
    assert capped_70.occupancy == pytest.approx(0.667, abs=5e-4)
    assert capped_70.p_wait == pytest.approx(0.102, abs=5e-4)


def test_mitan_occupancy_cap_of_75_percent_gives_64():
    assert size_erlang_c(48, 240, 20, 0.80, max_occupancy=0.75) == 64
    assert size_control_room(360, 30, 240, 20, 0.8, max_occupancy=0.75).agents == 64


def test_rostered_fte_rounds_up_and_ignores_float_noise():
    assert 21 / (1 - 0.3) > 30  # the binary-float trap a bare ceil falls into
    assert rostered_fte(21, 0.30) == 30
    assert rostered_fte(14, 0.30) == 20
    assert rostered_fte(15, 0.30) == 22
    assert rostered_fte(48, 0.25) == 64
    assert rostered_fte(14, 0.0) == 14
    assert rostered_fte(0, 0.5) == 0
    with pytest.raises(ValueError, match="^shrinkage must be"):
        rostered_fte(14, 1.0)
    with pytest.raises(ValueError, match="^agents must be"):
        rostered_fte(-1, 0.3)


# --- Erlang A known answers -----------------------------------------------------------


def test_erlang_a_known_answers_at_14_agents():
    result = size_control_room(100, 30, 180, 20, 0.8, patience_seconds=300, agents=14)
    assert result.p_wait == pytest.approx(0.14526, abs=PROB)
    assert result.p_abandon == pytest.approx(0.013984, abs=PROB)
    assert result.occupancy == pytest.approx(0.704297, abs=PROB)
    assert result.asa_seconds / 60 == pytest.approx(0.069919, abs=PROB)
    # The notes' SL(20 s) = 0.916792 is P(answered within 20 s) over ALL offered calls,
    # abandoned calls counted as missed: our definition, matched to 1e-6.
    assert result.service_level == pytest.approx(0.916792, abs=1e-6)


def test_erlang_a_known_answers_at_13_agents():
    result = size_control_room(100, 30, 180, 20, 0.8, patience_seconds=300, agents=13)
    assert result.p_wait == pytest.approx(0.2258, abs=PROB)
    assert result.p_abandon == pytest.approx(0.0250, abs=PROB)
    assert result.occupancy == pytest.approx(0.7500, abs=PROB)
    assert result.asa_seconds / 60 == pytest.approx(0.1248, abs=PROB)
    assert rostered_fte(13, 0.30) == 19


@FAST
@given(
    load=st.floats(0.05, 150.0),
    aht_s=aht,
    target_s=targets,
    level=st.floats(0.05, 0.99),
    patience_s=patiences,
    cap=st.one_of(st.none(), st.floats(0.3, 1.0)),
)
def test_erlang_a_sizing_is_minimal(load, aht_s, target_s, level, patience_s, cap):
    agents = size_erlang_a(load, aht_s, target_s, level, patience_s, cap)
    meets = evaluate_erlang_a(load, agents, aht_s, target_s, patience_s)
    assert agents > load
    assert meets.service_level >= level
    assert meets.p_abandon <= DEFAULT_MAX_ABANDON
    assert cap is None or meets.occupancy <= cap
    if agents - 1 > load:
        misses = evaluate_erlang_a(load, agents - 1, aht_s, target_s, patience_s)
        capped = cap is not None and misses.occupancy > cap
        lost = misses.p_abandon > DEFAULT_MAX_ABANDON
        assert misses.service_level < level or capped or lost


def test_erlang_a_sizing_with_impatient_callers_is_held_by_the_abandon_ceiling():
    # 100 Erlangs, patience 5 s: delayed callers leave quickly, so Erlang A needs
    # fewer agents than Erlang C (107); how many fewer is set by how many callers
    # may be lost, and never at or below the load.
    sized = {m: size_erlang_a(100, 180, 20, 0.8, 5, max_abandon=m) for m in (1, 0.05)}
    assert 100 < sized[1] < sized[0.05] < size_erlang_c(100, 180, 20, 0.8)
    perf = evaluate_erlang_a(100, sized[0.05], 180, 20, 5)
    assert perf.service_level >= 0.8
    assert perf.p_abandon <= 0.05
    assert evaluate_erlang_a(100, sized[0.05] - 1, 180, 20, 5).p_abandon > 0.05


def test_101_line_is_not_sized_at_26_agents_with_16_percent_abandoning():
    # Issue 15 finding 6: 300 calls/h, AHT 360 s (30 Erlangs), 80 % in 180 s,
    # patience 300 s. Without a ceiling: 26 agents, 16 % of callers lost.
    result = size_control_room(300, 60, 360, 180, 0.8, patience_seconds=300)
    assert result.p_abandon <= DEFAULT_MAX_ABANDON
    assert result.agents > 30
    fewer = size_control_room(
        300, 60, 360, 180, 0.8, patience_seconds=300, agents=result.agents - 1
    )
    assert fewer.p_abandon > DEFAULT_MAX_ABANDON or fewer.service_level < 0.8
    looser = size_control_room(
        300, 60, 360, 180, 0.8, patience_seconds=300, max_abandon=0.10
    )
    assert 30 < looser.agents < result.agents
    assert looser.p_abandon <= 0.10


@FAST
@given(
    load=st.floats(0.05, 150.0),
    aht_s=aht,
    target_s=targets,
    level=st.floats(0.05, 0.99),
    patience_s=patiences,
    ceiling=st.floats(0.01, 1.0),
)
def test_erlang_a_sizing_never_staffs_at_or_below_the_offered_load(
    load, aht_s, target_s, level, patience_s, ceiling
):
    agents = size_erlang_a(
        load, aht_s, target_s, level, patience_s, max_abandon=ceiling
    )
    assert agents > load
    assert evaluate_erlang_a(load, agents, aht_s, target_s, patience_s).p_abandon <= (
        ceiling
    )


def test_erlang_cli_takes_an_abandon_ceiling_and_an_occupancy_cap():
    from click.testing import CliRunner

    from demand.cli import cli as main

    args = [
        "erlang",
        "--calls", "300", "--aht-seconds", "360", "--target-seconds", "180",
        "--service-level", "0.8", "--patience-seconds", "300", "--json",
    ]  # fmt: skip
    default = json.loads(CliRunner().invoke(main, args).output)
    assert default["p_abandon"] <= 0.05 and default["agents"] > 30
    loose = json.loads(CliRunner().invoke(main, [*args, "--max-abandon", "0.2"]).output)
    assert loose["agents"] < default["agents"]
    capped = json.loads(
        CliRunner().invoke(main, [*args, "--max-occupancy", "0.8"]).output
    )
    assert capped["occupancy"] <= 0.8 and capped["agents"] > default["agents"]
    bad = CliRunner().invoke(main, [*args, "--max-abandon", "0"])
    assert bad.exit_code == 1 and "max_abandon" in bad.output


def test_erlang_a_can_need_more_agents_than_erlang_c_for_a_high_target():
    # Abandoned calls count as missed, so with impatient callers a 99% target
    # costs more than Erlang C says.
    erlang_c_agents = size_erlang_c(10, 180, 60, 0.99)
    erlang_a_agents = size_erlang_a(10, 180, 60, 0.99, patience_seconds=5)
    assert (erlang_c_agents, erlang_a_agents) == (16, 18)
    perf = evaluate_erlang_a(10, erlang_a_agents, 180, 60, 5)
    assert perf.service_level >= 0.99


def test_erlang_a_occupancy_cap_is_respected_minimally():
    agents = size_erlang_a(10, 180, 20, 0.8, 300, max_occupancy=0.6)
    assert evaluate_erlang_a(10, agents, 180, 20, 300).occupancy <= 0.6
    assert evaluate_erlang_a(10, agents - 1, 180, 20, 300).occupancy > 0.6


def _served_within_by_matrix_exponential(
    agents: int, theta: float, target: float, position: int
) -> float:
    """P(served within target) from the tagged-call chain, by a matrix exponential."""
    # States: queue positions 1..position, then "served" (absorbing); abandon = lost.
    size = position + 1
    q = np.zeros((size, size))
    for j in range(1, position + 1):
        i = j - 1
        q[i, i] = -(agents + j * theta)
        q[i, i - 1 if j > 1 else position] = agents + (j - 1) * theta
    start = np.zeros(size)
    start[position - 1] = 1.0
    return float((start @ linalg.expm(q * target))[position])


def test_erlang_a_answer_probability_matches_tagged_call_chain():
    # Cross-check the closed form (incomplete beta) used for the service level
    # against a direct matrix exponential of the tagged call's absorbing chain.
    from demand.capacity.erlang_a import _answered_within

    agents, theta, target = 14, 0.6, 0.11
    positions = np.arange(1, 9, dtype=float)
    closed = _answered_within(agents, theta, target, positions)
    direct = [
        _served_within_by_matrix_exponential(agents, theta, target, int(j))
        for j in positions
    ]
    np.testing.assert_allclose(closed, direct, rtol=1e-9, atol=1e-12)


def _simulate_erlang_a(
    calls_per_second: float,
    agents: int,
    aht_s: float,
    target_s: float,
    patience_s: float,
    n_calls: int,
    seed: int,
) -> tuple[float, float, float, float]:
    """First-come-first-served M/M/N+M by the agent-free-time recursion."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / calls_per_second, n_calls)).tolist()
    handling = rng.exponential(aht_s, n_calls).tolist()
    patience = rng.exponential(patience_s, n_calls).tolist()
    free_at = [0.0] * agents
    in_time = abandoned = queued = 0
    waited = 0.0
    for arrive, handle, patient in zip(arrivals, handling, patience, strict=True):
        start = max(arrive, free_at[0])
        wait = start - arrive
        queued += wait > 0
        if wait > patient:
            abandoned += 1
            waited += patient
            continue
        waited += wait
        in_time += wait <= target_s
        heapq.heapreplace(free_at, start + handle)
    return in_time / n_calls, abandoned / n_calls, waited / n_calls, queued / n_calls


@pytest.mark.parametrize("agents", [14, 8])
def test_erlang_a_matches_discrete_event_simulation(agents):
    # One million calls. Standard errors measured over ten seeds (scaled from runs of
    # 300,000 calls): service level 0.0013, P(wait) 0.0017, P(abandon) 0.0008,
    # ASA 1.8%; each tolerance below is about four of them.
    sl, abandon, asa_s, wait = _simulate_erlang_a(
        100 / 1800, agents, 180, 20, 300, n_calls=1_000_000, seed=7
    )
    perf = evaluate_erlang_a(10, agents, 180, 20, 300)
    assert perf.service_level == pytest.approx(sl, abs=0.006)
    assert perf.p_abandon == pytest.approx(abandon, abs=0.0035)
    assert perf.p_wait == pytest.approx(wait, abs=0.007)
    assert perf.asa_seconds == pytest.approx(asa_s, rel=0.075)


# --- Overload, zero load, large loads, validation -----------------------------------


def test_erlang_c_overload_returns_explicit_values():
    for agents in (5, 10, 9.5):
        perf = evaluate_erlang_c(10, agents, 180, 20)
        assert (perf.service_level, perf.p_wait, perf.occupancy) == (0.0, 1.0, 1.0)
        assert perf.asa_seconds == math.inf
    result = size_control_room(100, 30, 180, 20, 0.8, agents=10)
    assert result.asa_seconds == math.inf
    assert json.loads(json.dumps(result.as_dict(json_safe=True)))["asa_seconds"] is None


def test_as_dict_has_exactly_the_calculator_keys():
    result = size_control_room(100, 30, 180, 20, 0.8)
    assert isinstance(result, ControlRoomResult)
    assert list(result.as_dict()) == [
        "agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "p_wait",
        "p_abandon",
        "rostered_fte",
    ]
    assert result.as_dict()["p_abandon"] == 0.0
    assert result.as_dict() == result.as_dict(json_safe=True)
    with pytest.raises(AttributeError):
        result.agents = 3  # frozen


@pytest.mark.parametrize("patience", [None, 300.0])
def test_zero_load_needs_zero_agents(patience):
    result = size_control_room(0, 30, 180, 20, 0.9, patience_seconds=patience)
    assert (result.agents, result.rostered_fte) == (0, 0)
    assert result.service_level == 1.0
    assert (result.asa_seconds, result.p_wait, result.p_abandon) == (0.0, 0.0, 0.0)
    assert size_erlang_c_fractional(0.0, 180, 20, 0.9) == 0.0


def test_negative_agents_or_load_are_rejected_by_the_formulas():
    with pytest.raises(ValueError):
        erlang_b(10, -1)
    with pytest.raises(ValueError):
        erlang_c(-1, 5)
    with pytest.raises(ValueError):
        evaluate_erlang_a(10, 2.5, 180, 20, 300)


def test_erlang_a_refuses_an_overloaded_queue_of_near_infinite_patience():
    with pytest.raises(ValueError, match="^patience_seconds is too long"):
        evaluate_erlang_a(10, 5, 180, 20, patience_seconds=1e9)


def test_erlang_a_with_no_agents_loses_every_call():
    result = size_control_room(100, 30, 180, 20, 0.8, patience_seconds=300, agents=0)
    assert (result.service_level, result.p_wait, result.p_abandon) == (0.0, 1.0, 1.0)
    assert result.asa_seconds == 300.0


def test_large_loads_are_stable():
    # 3,000 Erlangs: factorials overflow and exp(-A) underflows; the recursion does not.
    assert erlang_b(3000, 3050) == pytest.approx(_erlang_b_direct(3000, 3050), rel=1e-9)
    assert erlang_b(3000, 2999.5) == pytest.approx(_erlang_b_integral(3000, 2999.5))
    agents = size_erlang_c(3000, 180, 10, 0.9)
    assert 3000 < agents < 3100
    perf = evaluate_erlang_a(3000, 2900, 180, 10, 120)
    values = [perf.service_level, perf.asa_seconds, perf.p_wait, perf.p_abandon]
    assert all(math.isfinite(v) for v in values)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"calls": -1}, "calls"),
        ({"calls": math.nan}, "calls"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"aht_seconds": -180}, "aht_seconds"),
        ({"target_seconds": -1}, "target_seconds"),
        ({"service_level": 1.0}, "service_level"),
        ({"service_level": 80}, "service_level"),
        ({"patience_seconds": 0}, "patience_seconds"),
        ({"agents": -1}, "agents"),
        ({"agents": 2.5}, "agents"),
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"max_occupancy": 0}, "max_occupancy"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
    ],
)
def test_bad_inputs_raise_one_sentence_naming_the_input(kwargs, name):
    args = {
        "calls": 100,
        "interval_minutes": 30,
        "aht_seconds": 180,
        "target_seconds": 20,
        "service_level": 0.8,
    }
    with pytest.raises(ValueError, match=rf"^{name} must be "):
        size_control_room(**{**args, **kwargs})


# --- Fractional agents --------------------------------------------------------------


@FAST
@given(load=loads, agents=st.integers(min_value=0, max_value=500))
def test_fractional_erlang_b_agrees_at_integers(load, agents):
    exact = _erlang_b_direct(load, agents)
    assert erlang_b(load, float(agents)) == pytest.approx(exact, rel=1e-9)
    nudged = erlang_b(load, agents + 1e-9)
    assert nudged == pytest.approx(exact, rel=1e-6)


@FAST
@given(load=st.floats(0.01, 4000.0), agents=st.floats(0.0, 4100.0))
def test_fractional_erlang_b_matches_jagerman_integral(load, agents):
    assert erlang_b(load, agents) == pytest.approx(
        _erlang_b_integral(load, agents), rel=1e-8
    )


@FAST
@given(
    load=loads, start=st.floats(min_value=0.0, max_value=500.0), step=st.floats(0.01, 1)
)
def test_fractional_erlang_b_and_c_decrease_with_agents(load, start, step):
    assert erlang_b(load, start + step) <= erlang_b(load, start) * (1 + 1e-12)
    assert erlang_c(load, start + step) <= erlang_c(load, start) + 1e-12


@FAST
@given(load=loads, aht_s=aht, target_s=targets, level=st.floats(0.05, 0.99))
def test_fractional_sizing_lies_below_the_integer_answer(load, aht_s, target_s, level):
    whole = size_erlang_c(load, aht_s, target_s, level)
    fractional = size_erlang_c_fractional(load, aht_s, target_s, level)
    assert whole - 1 < fractional <= whole
    assert fractional > load
    perf = evaluate_erlang_c(load, fractional, aht_s, target_s)
    assert perf.service_level == pytest.approx(level, abs=1e-6)


def test_fractional_sizing_is_smooth_in_load():
    curve = [size_erlang_c_fractional(a, 180, 20, 0.8) for a in np.linspace(1, 20, 96)]
    assert np.all(np.diff(curve) > 0)
    assert np.max(np.diff(curve)) < 0.5  # no integer jumps


# --- Laws (property tests) ------------------------------------------------------------


@FAST
@given(load=loads, aht_s=aht, target_s=targets, extra=st.floats(0.0, 30.0))
def test_erlang_c_more_agents_never_hurt(load, aht_s, target_s, extra):
    agents = math.floor(load) + extra
    one = evaluate_erlang_c(load, agents, aht_s, target_s)
    more = evaluate_erlang_c(load, agents + 1, aht_s, target_s)
    assert more.service_level >= one.service_level - 1e-12
    assert more.asa_seconds <= one.asa_seconds * (1 + 1e-12)


@FAST
@given(
    load=st.floats(0.05, 120.0),
    agents=st.integers(0, 140),
    aht_s=aht,
    target_s=targets,
    patience_s=patiences,
)
def test_erlang_a_more_agents_never_hurt_and_stays_finite(
    load, agents, aht_s, target_s, patience_s
):
    one = evaluate_erlang_a(load, agents, aht_s, target_s, patience_s)
    more = evaluate_erlang_a(load, agents + 1, aht_s, target_s, patience_s)
    assert more.service_level >= one.service_level - 1e-9
    assert more.asa_seconds <= one.asa_seconds * (1 + 1e-9) + 1e-12
    assert more.occupancy <= one.occupancy + 1e-9 or agents == 0
    for perf in (one, more):
        probabilities = [
            perf.service_level,
            perf.occupancy,
            perf.p_wait,
            perf.p_abandon,
        ]
        assert all(0.0 <= p <= 1.0 for p in probabilities)
        # Every call waits at most its own patience, so the mean does too.
        assert 0.0 <= perf.asa_seconds <= patience_s * (1 + 1e-9)


@FAST
@given(
    load=st.floats(0.05, 200.0), extra=st.integers(1, 20), aht_s=aht, target_s=targets
)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(load, extra, aht_s, target_s):
    # The gap shrinks like 1 / patience, with a constant that explodes as N -> A.
    agents = math.floor(load) + extra
    if agents - load < 0.25:
        agents += 1
    c = evaluate_erlang_c(load, agents, aht_s, target_s)
    a = evaluate_erlang_a(load, agents, aht_s, target_s, patience_seconds=aht_s * 1e9)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-4)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-4)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-3, abs=1e-6)
    assert a.p_abandon < 1e-4


@FAST
@given(
    load=st.floats(0.05, 120.0),
    extra=st.integers(1, 20),
    aht_s=aht,
    target_s=targets,
    patience_s=patiences,
)
def test_erlang_a_misses_no_more_than_erlang_c_plus_its_abandonment(
    load, extra, aht_s, target_s, patience_s
):
    # Coupling: abandonment only shortens the queue, so a call's potential wait in
    # Erlang A is at most its wait in Erlang C; it can miss where Erlang C hits only
    # by abandoning. Hence SL_A + P(abandon) >= SL_C, always.
    agents = math.floor(load) + extra
    c = evaluate_erlang_c(load, agents, aht_s, target_s)
    a = evaluate_erlang_a(load, agents, aht_s, target_s, patience_s)
    assert a.service_level + a.p_abandon >= c.service_level - 1e-9
    assert a.p_wait <= c.p_wait + 1e-9
    assert a.asa_seconds <= c.asa_seconds * (1 + 1e-9)


def test_erlang_a_service_level_beats_erlang_c_in_the_notes_case_but_not_always():
    a = evaluate_erlang_a(10, 14, 180, 20, 300)
    c = evaluate_erlang_c(10, 14, 180, 20)
    assert a.service_level > c.service_level
    # With a long target, Erlang C answers nearly everyone in time but Erlang A
    # loses its abandoned calls: "SL_A >= SL_C" is not a law under our definition.
    a_long = evaluate_erlang_a(10, 14, 180, 600, 300)
    c_long = evaluate_erlang_c(10, 14, 180, 600)
    assert a_long.service_level < c_long.service_level


@FAST
@given(load=st.floats(1.0, 200.0), patience_s=st.floats(5.0, 1800.0), aht_s=aht)
def test_erlang_a_stays_finite_when_overloaded(load, patience_s, aht_s):
    agents = max(0, math.floor(load * 0.7))
    perf = evaluate_erlang_a(load, agents, aht_s, 10.0, patience_s)
    assert math.isfinite(perf.asa_seconds)
    assert 0.0 <= perf.service_level < 1.0
    assert 0.0 < perf.p_abandon <= 1.0


# --- Table helper -------------------------------------------------------------------


def test_staff_intervals_sizes_every_hour_of_the_week():
    hours = np.arange(168)
    calls = np.round(40 + 30 * np.sin(2 * np.pi * hours / 24)).astype(int)
    calls[:3] = 0
    frame = pd.DataFrame({"hour_of_week": hours, "calls": calls})
    before = frame.copy()
    out = staff_intervals(
        frame,
        interval_minutes=60,
        aht_seconds=120,
        target_seconds=10,
        service_level=0.9,
        shrinkage=0.3,
    )
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(out.columns) == [
        "hour_of_week",
        "calls",
        "load_erlangs",
        "agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "p_wait",
        "p_abandon",
        "rostered_fte",
    ]
    assert (out["agents"].iloc[:3] == 0).all()
    row = out.iloc[100]
    single = size_control_room(int(row["calls"]), 60, 120, 10, 0.9, shrinkage=0.3)
    assert single.as_dict() == {k: row[k] for k in single.as_dict()}
    assert (out["service_level"] >= 0.9).all()


def test_staff_intervals_evaluates_given_agents_with_erlang_a():
    frame = pd.DataFrame({"calls": [100.0, 100.0], "on_phones": [14.0, 13]})
    out = staff_intervals(
        frame,
        interval_minutes=30,
        aht_seconds=180,
        target_seconds=20,
        service_level=0.8,
        patience_seconds=300,
        agents_column="on_phones",
    )
    assert out["agents"].tolist() == [14, 13]
    assert out["service_level"].iloc[0] == pytest.approx(0.916792, abs=1e-6)
    with pytest.raises(ValueError, match="^row 0: agents must be a whole number"):
        staff_intervals(
            frame.assign(on_phones=[14.5, 13]),
            interval_minutes=30,
            aht_seconds=180,
            target_seconds=20,
            service_level=0.8,
            agents_column="on_phones",
        )
    with pytest.raises(KeyError):
        staff_intervals(
            frame.rename(columns={"calls": "n"}),
            interval_minutes=30,
            aht_seconds=180,
            target_seconds=20,
            service_level=0.8,
        )


# --- One sizer: the calculator, the API and the capacity stage ----------------------


@pytest.mark.parametrize(
    ("patience_s", "ceiling", "cap"),
    [(300.0, 0.05, None), (120.0, 0.10, 0.85), (None, 0.05, None), (60.0, 0.02, 0.9)],
)
def test_stage_sizer_equals_the_calculator_on_hundreds_of_loads(
    patience_s, ceiling, cap
):
    # Issue 15 finding 7: with a patience the stage's vectorised sizer differed
    # from `demand erlang` by 1-3 agents on 113 of 480 loads.
    from demand.capacity.assumptions import CallLine
    from demand.capacity.call_handling import agents_for_loads

    line = CallLine(
        aht_seconds=360.0,
        target_seconds=180.0,
        service_level=0.8,
        source="test",
        patience_seconds=patience_s,
        max_abandon_fraction=ceiling,
        max_occupancy_fraction=cap,
    )
    loads = np.random.default_rng(15).uniform(0.05, 45.0, 240)
    stage = agents_for_loads(loads, line)
    calculator = [
        size_control_room(
            load * 3600 / 360,  # calls in an hour
            60,
            360,
            180,
            0.8,
            patience_seconds=patience_s,
            max_abandon=ceiling,
            max_occupancy=cap,
        ).agents
        for load in loads
    ]
    assert stage.tolist() == calculator
    assert (stage > loads).all()
