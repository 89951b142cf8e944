"""Which force the generator writes: its name, areas, size and growth."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from demand.synth.params import AREAS, StreamRate

__all__ = ["NORTHSHIRE", "ForceProfile", "force_profiles", "parse_areas"]

AREA_KINDS = ("urban", "rural")

# Stems for the areas and names of generated forces: invented, like Northshire.
_STEMS = (
    "North", "South", "East", "West", "High", "Low", "Old", "New", "Long", "Brook",
    "Ash", "Elm", "Oak", "Stone", "Mill", "Fair", "Green", "Red", "White", "Black",
)  # fmt: skip
_ENDS = ("town", "bridge", "moor", "dale", "field", "ford", "wick", "ham", "ley", "by")
_SHIRE_ENDS = ("shire", "land", "mark", "vale")
NORTHSHIRE_AREAS = tuple(AREAS.items())


@dataclass(frozen=True)
class ForceProfile:
    """A synthetic force: Northshire's streams and calendar at another size and shape.

    Args:
        name: The force's name, written to `truth.json` and used as its folder.
        areas: (area name, "urban" or "rural") in a fixed order.
        area_shares: Share of every stream's events in each area (sums to 1), or
            None for Northshire's own shares per stream (its four areas only).
        scale: Demand and establishment relative to Northshire (1.0 = Northshire).
        growth_shift_per_year: Added to every stream's yearly growth (0.01 = +1 point).
    """

    name: str = "Northshire"
    areas: tuple[tuple[str, str], ...] = NORTHSHIRE_AREAS
    area_shares: tuple[float, ...] | None = None
    scale: float = 1.0
    growth_shift_per_year: float = 0.0

    def __post_init__(self) -> None:
        names = [name for name, _ in self.areas]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"A force needs distinct area names; got {names}.")
        bad = [kind for _, kind in self.areas if kind not in AREA_KINDS]
        if bad:
            raise ValueError(f"An area is urban or rural; got {bad[0]!r}.")
        if not self.scale > 0:
            raise ValueError(f"scale must be above 0; got {self.scale}.")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", self.name):
            raise ValueError(f"A force name is letters, digits, _ or -: {self.name!r}.")
        if self.area_shares is None:
            if self.areas != NORTHSHIRE_AREAS:
                raise ValueError("A force with its own areas needs area_shares.")
            return
        shares = np.asarray(self.area_shares, dtype=float)
        if len(shares) != len(names) or (shares < 0).any():
            raise ValueError("area_shares needs one non-negative share per area.")
        if abs(shares.sum() - 1) > 1e-9:
            raise ValueError(f"area_shares must sum to 1; they sum to {shares.sum()}.")

    @property
    def area_names(self) -> tuple[str, ...]:
        """Area names in order."""
        return tuple(name for name, _ in self.areas)

    @property
    def rural(self) -> np.ndarray:
        """Whether each area is rural, in order (bool array)."""
        return np.array([kind == "rural" for _, kind in self.areas])

    def shares_of(self, rate: StreamRate) -> dict[str, float]:
        """Share of a stream's events in each area, by name."""
        return dict(zip(self.area_names, rate.area_shares, strict=True))

    def rate(self, rate: StreamRate) -> StreamRate:
        """Return Northshire's arrival process `rate` for this force."""
        return replace(
            rate,
            target_per_day=rate.target_per_day * self.scale,
            growth_per_year=rate.growth_per_year + self.growth_shift_per_year,
            area_shares=self.area_shares or rate.area_shares,
        )

    def describe(self) -> dict:
        """The profile as written to `truth.json`."""
        return {
            "name": self.name,
            "areas": dict(self.areas),
            "area_shares": (
                None
                if self.area_shares is None
                else dict(zip(self.area_names, self.area_shares, strict=True))
            ),
            "scale": self.scale,
            "growth_shift_per_year": self.growth_shift_per_year,
        }


NORTHSHIRE = ForceProfile()


def parse_areas(text: str) -> tuple[tuple[str, str], ...]:
    """Parse `"Name:urban,Other:rural"` into area pairs (the CLI's `--areas`).

    Raises:
        ValueError: an item is not `name:urban` or `name:rural`.
    """
    pairs = []
    for item in text.split(","):
        name, _, kind = item.strip().partition(":")
        if not name.strip() or kind.strip() not in AREA_KINDS:
            raise ValueError(
                f"--areas takes name:urban or name:rural items, e.g. "
                f"'Northtown:urban,Eastmoor:rural'; got {item.strip()!r}."
            )
        pairs.append((name.strip(), kind.strip()))
    return tuple(pairs)


def force_profiles(n: int, seed: int) -> list[ForceProfile]:
    """Return `n` forces of different sizes and shapes, the first of them Northshire.

    Sizes are log-uniform from 0.25 to 4 times Northshire (England and Wales run from
    about a tenth to many times a mid-sized force); 2 to 8 areas with Dirichlet
    shares; growth shifted by a normal draw of sd 1 point a year. The same `n` and
    `seed` always give the same forces, and force k is the same whatever `n` is.
    """
    if n < 1:
        raise ValueError(f"--forces must be at least 1 (got {n}).")
    profiles = [NORTHSHIRE]
    used = {NORTHSHIRE.name}
    for k in range(1, n):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1000 + k,)))
        name = _unique(_name(rng, _SHIRE_ENDS), used)
        n_areas = int(rng.integers(2, 9))
        area_names: set[str] = set()
        areas = []
        for _ in range(n_areas):
            area = _unique(_name(rng, _ENDS), area_names)
            areas.append((area, "urban" if rng.random() < 0.45 else "rural"))
        shares = rng.dirichlet(np.full(n_areas, 4.0))
        shares = np.round(shares, 6)
        shares[-1] = round(1 - shares[:-1].sum(), 6)
        profiles.append(
            ForceProfile(
                name=name,
                areas=tuple(areas),
                area_shares=tuple(float(s) for s in shares),
                scale=round(float(np.exp(rng.uniform(np.log(0.25), np.log(4.0)))), 3),
                growth_shift_per_year=round(float(rng.normal(0, 0.01)), 4),
            )
        )
    return profiles


def _name(rng: np.random.Generator, ends: tuple[str, ...]) -> str:
    return str(rng.choice(_STEMS)) + str(rng.choice(ends))


def _unique(name: str, used: set[str]) -> str:
    candidate, k = name, 2
    while candidate in used:
        candidate, k = f"{name}{k}", k + 1
    used.add(candidate)
    return candidate
