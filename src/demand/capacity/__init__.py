"""Capacity: turn forecast demand into the people and hours needed to meet it."""

__all__ = [
    "assumption_checks",
    "assumptions",
    "call_handling",
    "control_room",
    "erlang",
    "erlang_a",
    "establishment",
    "inputs",
    "response",
    "response_sim",
    "scenarios",
    "service",
    "stage",
    "unit_times",
    "workload",
]
