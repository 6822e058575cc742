"""Search spaces: the dimensions a batch's flags define (integer, real, log-real, categorical),
their initial values, random sampling, and the unit-cube features the optimizer models use
(pipelines-and-batches.md §5.2)."""

from __future__ import annotations

import math
import random
from collections import namedtuple

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


_DimensionFields = namedtuple(
    "Dimension", "name kind low high log categories initial has_initial",
    defaults=(None, None, False, (), None, False),
)


class Dimension(_DimensionFields):
    """A search dimension; `kind` is "int", "real" or "cat". A named tuple: start-up time."""

    __slots__ = ()

    def sample(self, rng: random.Random) -> Any:
        if self.kind == "cat":
            return rng.choice(self.categories)
        if self.kind == "int":
            return rng.randint(self.low, self.high)
        if self.log:
            return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        return rng.uniform(float(self.low), float(self.high))

    def contains(self, value: Any) -> bool:
        if self.kind == "cat":
            return any(value == c and type(value) is type(c) for c in self.categories)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return self.low <= value <= self.high

    @property
    def width(self) -> int:
        """How many features a value of this dimension takes (one-hot for categories)."""
        return len(self.categories) if self.kind == "cat" else 1

    def features(self, value: Any) -> list[float]:
        """The value in the unit cube: scaled numbers, one-hot categories."""
        if self.kind == "cat":
            return [1.0 if value == c and type(value) is type(c) else 0.0 for c in self.categories]
        if self.log:
            lo, hi, v = math.log(self.low), math.log(self.high), math.log(value)
        else:
            lo, hi, v = float(self.low), float(self.high), float(value)
        return [(v - lo) / (hi - lo) if hi > lo else 0.0]


def function_of(value: Any) -> tuple[str | None, list] | None:
    from guild.flags import search

    return search.parse_function(value) if isinstance(value, str) else None


def is_dimension(value: Any) -> bool:
    return isinstance(value, list) or function_of(value) is not None


def has_dimensions(flags: dict[str, Any]) -> bool:
    return any(is_dimension(v) for v in flags.values())


def function_dimension(name: str, func: tuple[str | None, list]) -> Dimension:
    """The dimension of a flag function; unknown functions and bad args fail as Guild's do."""
    from guild.util import log

    fname, args = func
    fname = fname or "uniform"
    if fname not in ("uniform", "loguniform"):
        log.error(f"unknown function '{fname}' used for flag {name}")
        raise GuildError("", quiet=True)
    if len(args) not in (2, 3):
        log.error(f"{fname} requires 2 or 3 args, got {tuple(args)} for flag {name}")
        raise GuildError("", quiet=True)
    low, high = args[0], args[1]
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in (low, high)) or not low < high:
        raise GuildError(
            f"invalid function args in '{name}={fname}[{low}:{high}]': "
            f"the lower bound {low} has to be less than the upper bound {high}"
        )
    if fname == "loguniform" and low <= 0:
        raise GuildError(f"invalid function args in '{name}={fname}[{low}:{high}]': "
                         f"the lower bound {low} has to be greater than 0")
    initial = args[2] if len(args) == 3 else None
    is_int = fname == "uniform" and isinstance(low, int) and isinstance(high, int)
    return Dimension(
        name, "int" if is_int else "real", low, high, log=fname == "loguniform",
        initial=initial, has_initial=initial is not None,
    )


def parse_space(flags: dict[str, Any]) -> tuple[list[Dimension], dict[str, Any]]:
    """The dimensions of `flags` ordered by flag name, and the flags that are not dimensions."""
    dims: list[Dimension] = []
    fixed: dict[str, Any] = {}
    for name in sorted(flags):
        val = flags[name]
        func = function_of(val)
        if func is not None:
            dims.append(function_dimension(name, func))
        elif isinstance(val, list) and val:
            dims.append(Dimension(name, "cat", categories=tuple(val)))
        else:
            fixed[name] = None if isinstance(val, list) else val
    return dims, fixed


def require_dimensions(flags: dict[str, Any]) -> tuple[list[Dimension], dict[str, Any]]:
    """`parse_space`, failing when there is nothing to search (random, gp, forest, gbrt)."""
    dims, fixed = parse_space(flags)
    if not dims:
        from guild.flags.encode import flags_desc
        from guild.util import log

        log.error(
            f"flags for batch ({flags_desc(flags)}) do not contain any search dimensions\n"
            "Try specifying a range for one or more flags as NAME=[MIN:MAX]."
        )
        raise GuildError("", quiet=True)
    return dims, fixed


def random_point(dims: list[Dimension], rng: random.Random, first: bool = False) -> dict[str, Any]:
    """One random value per dimension; with `first`, initial values win."""
    return {d.name: d.initial if first and d.has_initial else d.sample(rng) for d in dims}
