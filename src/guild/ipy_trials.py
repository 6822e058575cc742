"""Batches of Python function runs for `guild.ipy.run`: list values make a grid (`_optimizer` `+`,
the default), search spaces (`"uniform[0:1]"`, `"loguniform[1e-4:1e-1]"`, `[0:10]`) a random
search (`random`) or a Bayesian one (`gp`, `forest`, `gbrt`: the next point from the scalar
`_minimize`/`_maximize`, default `loss`, of the trials so far). Trials run one after another."""

from __future__ import annotations

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.store.run import Run

_SEQUENTIAL = ("gp", "forest", "gbrt")


def function_trials(flags: dict[str, Any], opts: dict[str, Any]) -> "Trials | None":
    """The batch `flags` and `opts` ask for, or None for a single run."""
    from guild.batch import space
    from guild.flags import decode

    decoded = {name: decode.decode_flag_value(v) if isinstance(v, str) else v for name, v in flags.items()}
    optimizer = opts.get("optimizer")
    has_lists = any(isinstance(v, list) for v in decoded.values())
    if optimizer is None and not has_lists and not space.has_dimensions(decoded):
        return None
    optimizer = optimizer or ("+" if has_lists else "random")
    if optimizer not in ("+", "random", *_SEQUENTIAL):
        raise GuildError(f"unknown optimizer '{optimizer}' for a function (use +, random, gp, forest or gbrt)")
    return Trials(decoded, optimizer, opts)


class Trials:
    def __init__(self, flags: dict[str, Any], optimizer: str, opts: dict[str, Any]):
        self.flags = flags
        self.optimizer = optimizer
        self.max_trials = opts.get("max_trials")
        self.seed = opts.get("random_seed")
        maximize = opts.get("maximize")
        self.objective = str(maximize or opts.get("minimize") or "loss")
        self.negate = bool(maximize)

    def run(self, run_one: Callable[[dict[str, Any]], tuple[Run, Any]]) -> list[tuple[Run, Any]]:
        from guild.batch import trials as trials_mod

        if self.optimizer == "+":
            points = trials_mod.grid_trials(self.flags, self.max_trials, self.seed)
        elif self.optimizer == "random":
            points = trials_mod.random_trials(self.flags, self.max_trials or 20, self.seed)
        else:
            return self._sequential(run_one)
        return [run_one(point) for point in points]

    def _sequential(self, run_one) -> list[tuple[Run, Any]]:
        import random

        from guild.batch import bayesian, space

        bayesian.check_available(self.optimizer)
        dims, fixed = space.require_dimensions(self.flags)
        rng = random.Random(self.seed)
        np_rng = None
        results: list[tuple[Run, Any]] = []
        xs: list[list[Any]] = []
        ys: list[float] = []
        for i in range(self.max_trials or 20):
            if i < 3 or not ys:
                point = space.random_point(dims, rng, first=i == 0)
            else:
                if np_rng is None:
                    import numpy as np

                    np_rng = np.random.default_rng(self.seed)
                values = bayesian.suggest(self.optimizer, dims, xs, ys, {}, np_rng)
                point = dict(zip((d.name for d in dims), values))
            run, result = run_one({**fixed, **point})
            results.append((run, result))
            y = self._objective(run)
            if y is not None:
                xs.append([point[d.name] for d in dims])
                ys.append(y)
        return results

    def _objective(self, run: Run) -> float | None:
        from guild.scalars.summary import run_scalars, scalar_value

        val = scalar_value(run_scalars(run.path), self.objective)
        if not isinstance(val, (int, float)) or isinstance(val, bool):
            return None
        return -float(val) if self.negate else float(val)
