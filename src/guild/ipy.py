"""Guild from notebooks (Guild's `guild.ipy`): run Python functions and operations as tracked
runs, and get runs, flags and scalars as pandas DataFrames.

    from guild import ipy

    def train(lr=0.1, epochs=2):
        print("loss: %f" % (1 / (lr * epochs)))

    run, _ = ipy.run(train, lr=0.01)          # a run of train(lr=0.01)
    ipy.run(train, lr=[0.01, 0.1])            # a grid: one run per value
    ipy.run(train, lr="loguniform[1e-4:1e-1]", _optimizer="random", _max_trials=5)
    ipy.run("prepare", size=100)              # an operation of the guild.yml in the cwd

    runs = ipy.runs(operations=["train()"])   # the CLI's filters
    runs.compare()                            # flags and scalars as columns
    runs.scalars_detail()                     # every logged value

This module is the notebook-facing layer over `guild.api` (which takes and returns values:
use it from programs). pandas (the `notebook` extra) is imported only when a DataFrame is made."""

from __future__ import annotations

import os

from guild import api
from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.engine.context import RunContext
    from guild.store.run import Run

__all__ = ["guild_home", "run", "runs", "set_guild_home", "RunRef"]

PANDAS_HINT = "pandas is not installed: pip install pandas (or the notebook extra: pip install -e '.[notebook]')"

_home: str | None = None


def set_guild_home(path: str | None) -> None:
    """Use `path` as the Guild home of this session's runs (None: GUILD_HOME or the default)."""
    global _home
    _home = os.path.abspath(os.path.expanduser(path)) if path else None


def guild_home() -> str:
    return _ctx().home


def _ctx(cwd: str | None = None) -> RunContext:
    return api.context(cwd=cwd, home=_home)


# ---- running


def run(op: Callable | str, *args: Any, **kw: Any) -> Any:
    """Run `op` with flags `kw`: a Python function (in this process) or an operation or script
    name (as `guild run` does). Options are keywords with a leading `_`: `_label`, `_tags`,
    `_optimizer` (`+` grid, `random`, `gp`, `forest`, `gbrt`), `_max_trials`, `_minimize` /
    `_maximize` (a scalar: default `loss`), `_random_seed`, `_cwd` (operations).

    A function gives `(run, result)`; a batch of functions (list values, search spaces or an
    optimizer) a list of them, one per trial. An operation gives its `Run`."""
    if args:
        raise TypeError("flags are keyword arguments: ipy.run(op, name=value, ...)")
    opts = {k[1:]: v for k, v in kw.items() if k.startswith("_")}
    flags = {k: v for k, v in kw.items() if not k.startswith("_")}
    unknown = set(opts) - {"label", "tags", "optimizer", "max_trials", "minimize", "maximize",
                           "random_seed", "cwd", "quiet"}
    if unknown:
        raise TypeError(f"unknown run option '_{sorted(unknown)[0]}'")
    if callable(op):
        from guild.ipy_trials import function_trials

        trials = function_trials(flags, opts)
        if trials is None:
            return _run_function(op, flags, opts)
        return trials.run(lambda trial_flags: _run_function(op, trial_flags, opts))
    return api.run(op, flags, ctx=_ctx(opts.get("cwd")), label=opts.get("label"),
                   tags=list(opts.get("tags") or []), optimizer=opts.get("optimizer"),
                   max_trials=opts.get("max_trials"), minimize=opts.get("minimize"),
                   maximize=opts.get("maximize"), random_seed=opts.get("random_seed"),
                   quiet=bool(opts.get("quiet")))


def _run_function(fn: Callable, flags: dict[str, Any], opts: dict[str, Any]) -> tuple[Run, Any]:
    from guild.engine.funcrun import run_function

    return run_function(fn, flags, _ctx(), label=opts.get("label"), tags=list(opts.get("tags") or []),
                        echo=not opts.get("quiet"))


# ---- runs as DataFrames


class RunRef:
    """A run in a DataFrame's `run` column: shown as its short id, `.run` is the `Run`."""

    __slots__ = ("run",)

    def __init__(self, run: Run):
        self.run = run

    @property
    def id(self) -> str:
        return self.run.id

    def __repr__(self) -> str:
        return self.run.short_id

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunRef) and other.run.id == self.run.id

    def __hash__(self) -> int:
        return hash(self.run.id)


def runs(*specs: str, deleted: bool = False, **filters: Any):
    """The runs (newest first) as a `RunsDataFrame`: columns run, operation, started, status and
    label. `specs` and `filters` are `guild.api.runs`'s (`ops=[...]` or `operations=[...]`, `labels=[...]`,
    `status=[...]`, `started="last hour"`, `marked=True`, `expr="loss < 0.5"`, ...)."""
    if "operations" in filters:  # the name Guild's docs use for `ops`
        filters["ops"] = filters.pop("operations")
    found = api.runs(*specs, deleted=deleted, ctx=_ctx(), **filters)
    return _runs_frame(found)


def _pandas():
    try:
        import pandas
    except ImportError:
        raise GuildError(PANDAS_HINT) from None
    return pandas


def _runs_frame(found: list[Run]):
    from guild.store.describe import operation_desc
    from guild.util import clock

    pd = _pandas()
    rows = [{
        "run": RunRef(r),
        "operation": operation_desc(r),
        "started": pd.Timestamp(clock.format_timestamp(r.get("started"))) if r.get("started") else pd.NaT,
        "status": r.status,
        "label": r.get("label") or "",
    } for r in found]
    return _frame_class()(rows, columns=["run", "operation", "started", "status", "label"])


_FRAME_CLASS = None


def _frame_class():
    """RunsDataFrame, made on first use (it subclasses pandas.DataFrame)."""
    global _FRAME_CLASS
    if _FRAME_CLASS is None:
        _FRAME_CLASS = _make_frame_class(_pandas())
    return _FRAME_CLASS


def _make_frame_class(pd):
    class RunsDataFrame(pd.DataFrame):
        """Runs, one per row; the methods give their details as DataFrames."""

        @property
        def _constructor(self):
            return RunsDataFrame

        def _runs(self) -> list[Run]:
            return [ref.run for ref in self["run"]]

        def compare(self):
            """The `guild compare` table: core columns, flags, attributes and scalars."""
            table = api.compare_table(self._runs(), ctx=_ctx())
            rows = [[RunRef(run), *row[1:]] for run, row in zip(table.runs, table.rows)]
            frame = pd.DataFrame(rows, columns=table.headers)
            if "started" in frame:
                frame["started"] = pd.to_datetime(frame["started"], errors="coerce")
            if "time" in frame:
                frame["time"] = pd.to_timedelta(frame["time"], errors="coerce")
            return frame

        def flags(self):
            """One column per flag."""
            rows = [{"run": RunRef(r), **api.run_flags(r)} for r in self._runs()]
            return pd.DataFrame(rows)

        def scalars(self):
            """One row per run and scalar: first, last, min, max, avg, total and count."""
            names = ["prefix", "tag", "first_val", "first_step", "last_val", "last_step", "min_val",
                     "min_step", "max_val", "max_step", "avg_val", "total", "count"]
            rows = [{"run": RunRef(r), **{n: getattr(s, n) for n in names}}
                    for r in self._runs() for s in api.run_scalars(r, _ctx())]
            return pd.DataFrame(rows, columns=["run", *names])

        def scalars_detail(self):
            """Every logged scalar value: run, path (the source's prefix), tag, val, step."""
            rows = [{"run": RunRef(r), "path": prefix, "tag": tag, "val": val, "step": step}
                    for r in self._runs() for prefix, tag, val, step in api.scalar_values(r)]
            return pd.DataFrame(rows, columns=["run", "path", "tag", "val", "step"])

        def attributes(self):
            """Attributes logged by the runs and set by their operations (`run-attrs`)."""
            rows = [{"run": RunRef(r), **api.logged_attributes(r)} for r in self._runs()]
            return pd.DataFrame(rows)

        def info(self) -> None:
            """Print each run's information, as `guild runs info` shows it."""
            from guild.store.describe import operation_desc

            for i, r in enumerate(self._runs()):
                if i:
                    print()
                print(f"id: {r.id}\noperation: {operation_desc(r)}\nstatus: {r.status}")
                for name in ("label", "started", "stopped"):
                    print(f"{name}: {r.get(name) or ''}")
                print("flags:")
                for name, value in sorted(api.run_flags(r).items()):
                    print(f"  {name}: {value}")
                print("scalars:")
                for s in api.run_scalars(r, _ctx()):
                    print(f"  {s.key}: {s.last_val} (step {s.last_step})")

        def delete(self, permanent: bool = False) -> list[str]:
            """Delete the runs (to the trash, or for good); their ids."""
            return [r.id for r in api.delete_runs(self._runs(), permanent=permanent, ctx=_ctx())]

    return RunsDataFrame
