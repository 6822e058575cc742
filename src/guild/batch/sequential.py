"""The loop of the sequential optimizers `gp`, `forest` and `gbrt`: per trial, gather previous
trials and their objective, decide on a random start or a model suggestion, then create and run
the trial (pipelines-and-batches.md §5.4)."""

from __future__ import annotations

import os
import random

from guild.batch import space, trials as trials_mod
from guild.batch.optimizers import Optimizer
from guild.errors import GuildError
from guild.store.run import Run
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.batch.pool import TrialPool


class Objective:
    """The scalar a batch minimizes: `COL` or `-COL` (maximize), COL in compare column syntax."""

    def __init__(self, spec: str):
        from guild.scalars import colspec

        self.spec = spec
        self.negate = spec.startswith("-")
        text = spec[1:] if self.negate else spec
        try:
            cols = colspec.parse_cols(text)
        except colspec.ColSpecError as e:
            self._fail(str(e))
        if len(cols) != 1:
            self._fail("too many columns" if cols else "missing column")
        self.col = cols[0]

    def _fail(self, msg: str):
        log.error(f"invalid objective '{self.spec}': {msg}")
        raise GuildError("", quiet=True)

    @property
    def key(self) -> str:
        return self.col.key

    def value(self, run: Run) -> float | None:
        """The run's objective value, negated for maximize; None when the run lacks it."""
        from guild.scalars.summary import run_scalars, scalar_value

        val = scalar_value(run_scalars(run.path), self.col.key, self.col.qual, self.col.step)
        if val is None or isinstance(val, bool) or not isinstance(val, (int, float)):
            return None
        return -float(val) if self.negate else float(val)


def run(batch: Run, proto: Run, opt: Optimizer, flags: dict[str, Any], max_trials: int | None,
        seed: int | None, runs_dir: str, pool: TrialPool) -> int:
    """Create and run up to `max_trials` trials on `pool`, each from the results known when a
    slot frees (one at a time with one slot); returns the batch's exit code."""
    from guild.batch import bayesian

    bayesian.check_available(opt.name)
    dims, fixed = space.require_dimensions(flags)
    opt_flags = dict(batch.get("flags") or {})
    objective = Objective(str(batch.get("objective") or "loss"))
    find_prev = _prev_trials_finder(str(opt_flags.get("prev-trials") or "sourcecode"), batch, proto, runs_dir)
    max_trials = max_trials if max_trials is not None else opt.default_max_trials or 20
    random_starts = _int_flag(opt_flags.get("random-starts"), 3)
    py_rng = random.Random(seed)
    np_rng = None
    seen: dict[str, float | None] = {}  # objective by run id: completed runs do not change
    for i in range(max_trials):
        pool.wait_for_slot()
        if pool.stopped:
            break
        succeeded = pool.finished - pool.failed
        prev = find_prev()
        usable = _observations(prev, dims, objective, seen)
        if i < min(random_starts, max_trials):
            log.info(f"Random start for optimization ({succeeded + 1} of {random_starts})")
            point = space.random_point(dims, py_rng)
        elif not prev:
            log.info("Random start for optimization (missing previous trials)")
            point = space.random_point(dims, py_rng)
        elif not usable[0]:
            log.info(f"Random start for optimization (cannot find objective '{objective.key}')")
            point = space.random_point(dims, py_rng)
        else:
            log.info(f"Found {len(prev)} previous trial(s) for use in optimization")
            if np_rng is None:
                import numpy as np

                np_rng = np.random.default_rng(seed)
            values = bayesian.suggest(opt.name, dims, usable[0], usable[1], opt_flags, np_rng)
            point = dict(zip((d.name for d in dims), values))
        if i == 0:
            point.update({d.name: d.initial for d in dims if d.has_initial})
        trial = trials_mod.create_trial(batch, proto, {**fixed, **point}, runs_dir)
        pool.start(trial)
        if pool.stopped:
            break
    return pool.drain()


def _int_flag(val: Any, default: int) -> int:
    try:
        return int(val)
    except (TypeError, ValueError):
        return default


def _observations(prev: list[Run], dims: list[space.Dimension], objective: Objective,
                  seen: dict[str, float | None]):
    """(points, ys) of the previous runs that have every dimension value and the objective."""
    xs, ys = [], []
    for run in prev:
        flags = run.get("flags") or {}
        if not all(d.name in flags and d.contains(flags[d.name]) for d in dims):
            continue
        if run.id not in seen:
            seen[run.id] = objective.value(run)
        y = seen[run.id]
        if y is None:
            continue
        xs.append([flags[d.name] for d in dims])
        ys.append(y)
    return xs, ys


def _prev_trials_finder(mode: str, batch: Run, proto: Run, runs_dir: str) -> Callable[[], list[Run]]:
    """A function listing the completed previous trials, oldest first, per `prev-trials`."""
    from guild.store.run import iter_runs

    if mode == "batch":
        def candidates():
            return _linked_runs(batch.path)
    elif mode == "operation":
        op = _op_desc(proto)

        def candidates():
            return [r for r in iter_runs(runs_dir) if r.opref and _op_desc(r) == op]
    else:
        digest = proto.get("sourcecode_digest")
        if not digest:
            log.error(f"Cannot find runs for batch proto in {proto.path}: missing sourcecode digest")
            raise GuildError("", quiet=True)

        def candidates():
            return [r for r in iter_runs(runs_dir) if r.get("sourcecode_digest") == digest]

    def find() -> list[Run]:
        runs = [r for r in candidates() if r.status == "completed" and r.batch_proto is None]
        runs.sort(key=lambda r: r.get("started") or r.get("initialized") or 0)
        return runs

    return find


def _linked_runs(batch_dir: str) -> list[Run]:
    runs = []
    for name in sorted(os.listdir(batch_dir)):
        link = os.path.join(batch_dir, name)
        if os.path.islink(link) and os.path.isdir(os.path.join(link, ".guild")):
            target = os.path.realpath(link)
            runs.append(Run(os.path.basename(target), target))
    return runs


def _op_desc(run: Run) -> str:
    return run.opref.base_desc() if run.opref else ""
