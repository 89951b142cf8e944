"""Capacity: turn forecast demand into the people and hours needed to meet it."""

__all__ = ["control_room", "erlang", "erlang_a"]
