"""guild's Python API: what the `guild` command does, as functions.

Start, stage and restart runs; select runs with the command line's filters; read a run's flags,
attributes, scalars and files; delete, restore and purge runs. Functions take and return values
(`Run`, dicts, lists) and raise `GuildError` with the message `guild` would print; they never
print, prompt or exit. The command line, the pipeline and batch processes, `guild.ipy` and the
web view all go through here.

    from guild import api

    run = api.run("train", {"lr": 0.1}, cwd="my-project")
    print(run.id, run.status, api.run_flags(run))
    for run in api.runs(ops=["train"], status=["completed"]):
        print(run.short_id, api.run_scalars(run))

Where runs go and where they are prepared is a `RunContext` (`context()`): the directory, the
Guild home and the environment, passed as values, so many runs can be prepared at once in one
process.
"""

from __future__ import annotations

import os

from guild.engine.context import RunContext, terminal_echo
from guild.engine.options import RunOptions
from guild.errors import GuildError, RunAmbiguous, RunNotFound
from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterable, Iterator, Mapping

    from guild.engine.context import Echo
    from guild.engine.run import Prepared
    from guild.scalars.summary import ScalarSummary
    from guild.store.select import RunFilter


def __getattr__(name: str) -> Any:
    # RunFilter is a dataclass: its module is imported only when it is asked for (start-up time).
    if name == "RunFilter":
        from guild.store.select import RunFilter

        return RunFilter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "GuildError", "Run", "RunAmbiguous", "RunContext", "RunFilter", "RunNotFound", "RunOptions",
    "best_run", "context", "delete_runs", "filter_runs", "incomplete_runs", "one_run",
    "prepare", "purge_incomplete", "purge_runs", "restart", "restore_runs", "run", "run_attrs",
    "run_files", "run_flags", "run_options", "run_scalars", "runs", "stage", "stop_runs",
]

_KEEP = object()


def context(*, cwd: str | None = None, home: str | None = None, env: Mapping[str, str] | None = None,
            echo: Echo | None | object = _KEEP) -> RunContext:
    """A run context: `cwd` (default: this process's directory), the Guild `home` (default:
    from GUILD_HOME and the directory, as `guild` finds it), the environment (this process's,
    plus `env`) and `echo`, where op output is echoed (default: this process's stdout/stderr;
    None for no echo)."""
    return RunContext.current(cwd=cwd, home=home, env=env, echo=terminal_echo if echo is _KEEP else echo)


def _ctx(ctx: RunContext | None, cwd: str | None = None, home: str | None = None) -> RunContext:
    if ctx is not None:
        return ctx
    return context(cwd=cwd, home=home)


# ---- running


def run_options(op: str | None = None, flags: Mapping[str, Any] | None = None, *,
                flag_args: Iterable[str] = (), **options: Any) -> RunOptions:
    """`guild run` options: the operation, flag values (Python values, or `NAME=VAL` strings in
    `flag_args` as typed on the command line) and any `guild run` option by its `RunOptions`
    name (`label`, `tags`, `stage`, `max_trials`, `optimizer`, ...). List values make a batch."""
    from guild.flags import encode

    assigns = list(flag_args) + [encode.flag_assign(str(name), val) for name, val in (flags or {}).items()]
    try:
        return RunOptions(opspec=op, flags=assigns, yes=True, **options)
    except TypeError as e:
        raise GuildError(str(e)) from None


def prepare(opts: RunOptions, ctx: RunContext | None = None) -> Prepared:
    """Check and plan a run request without writing anything. The result's `prompt` is the
    confirmation text, `skip` is set when `--needed` finds a matching run, `commands()`,
    `environment()`, `sourcecode()` (and `trials()` for batches) describe what would run, and
    `start()` creates and starts (or stages) the run."""
    from guild.batch import launch

    return launch.prepare(opts, _ctx(ctx))


def check_run_options(opts: RunOptions) -> None:
    """Raise GuildError for `guild run` options that cannot be used together."""
    from guild.engine.run import check_options

    check_options(opts)


def run(op: str | None = None, flags: Mapping[str, Any] | None = None, *, cwd: str | None = None,
        home: str | None = None, quiet: bool = False, ctx: RunContext | None = None, **options: Any) -> Run:
    """Run operation `op` (`train`, `model:train`, `train.py`; None for the project's default)
    with `flags`, from `cwd`, to its end; returns the run (see its `status`). List flag values or
    an `optimizer` make a batch, whose run is returned. With `needed=True`, an existing matching
    run is returned instead of a new one."""
    prepared = prepare(run_options(op, flags, quiet=quiet, **options), _ctx(ctx, cwd, home))
    if prepared.skip is not None:
        return prepared.skip.runs[0]
    return prepared.start()


def stage(op: str | None = None, flags: Mapping[str, Any] | None = None, **kw: Any) -> Run:
    """Stage a run of `op` (created, not started: `restart()` starts it)."""
    return run(op, flags, stage=True, **kw)


def restart(run_or_spec: Run | str, flags: Mapping[str, Any] | None = None, *, cwd: str | None = None,
            home: str | None = None, quiet: bool = False, ctx: RunContext | None = None, **options: Any) -> Run:
    """Start a staged run, or run an existing run again in its directory, with `flags` changed."""
    spec = run_or_spec.path if isinstance(run_or_spec, Run) else run_or_spec
    prepared = prepare(run_options(None, flags, restart=spec, quiet=quiet, **options), _ctx(ctx, cwd, home))
    return prepared.start()


def exit_code(run: Run) -> int:
    """The exit code `guild run` gives for a finished run (0 while it runs or is staged)."""
    from guild.engine.start import exit_code_for

    status = run.get("exit_status")
    return exit_code_for(status) if isinstance(status, int) else 0


# ---- help and tests of an operation


def op_help(opspec: str | None, ctx: RunContext | None = None) -> str:
    """The `--help-op` text of an operation."""
    from guild.engine import plan
    from guild.engine.deps.model import help_op_dependencies
    from guild.flags import help_op

    opdef = plan.load_opdef(opspec, _ctx(ctx))
    return help_op.format_help_op(opdef.full_name, opdef.description, opdef.flags, help_op_dependencies(opdef))


def model_help(opspec: str | None, ctx: RunContext | None = None) -> str:
    """The `--help-model` text of the model of an operation."""
    from guild.project.help import model_help as help_text

    return help_text(opspec, _ctx(ctx).cwd)


def output_scalar_matches(opspec: str | None, lines: Iterable[str],
                          ctx: RunContext | None = None) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """What the op's output-scalars patterns capture from each line of sample output."""
    from guild.engine import plan, test_options

    return test_options.output_scalar_matches(plan.load_opdef(opspec, _ctx(ctx)), lines)


def flags_report(opspec: str | None, ctx: RunContext | None = None) -> tuple[str, str]:
    """(the flags the op's script defines, the op's flag settings): `--test-flags`."""
    from guild.engine import plan, test_options

    ctx = _ctx(ctx)
    return test_options.flags_report(plan.load_opdef(opspec, ctx), ctx)


def save_trials(trials: list[dict[str, Any]], path: str) -> None:
    """Write batch trials to `path` as CSV, or JSON for `*.json`."""
    from guild.batch import preview

    preview.save_trials(trials, os.path.abspath(os.path.expanduser(path)))


# ---- selecting runs


def filter_runs(*, ops: Iterable[str] = (), labels: Iterable[str] = (), unlabeled: bool = False,
                tags: Iterable[str] = (), comments: Iterable[str] = (), marked: bool = False,
                unmarked: bool = False, started: str | None = None, digest: str | None = None,
                status: Iterable[str] = (), not_status: Iterable[str] = (),
                expr: str | None = None) -> RunFilter:
    """A run filter as the command line's filter options make it (`-Fo`, `-Fl`, ..., `-S`,
    `--started RANGE`, `--filter EXPR`). Raises GuildError for a bad range or expression."""
    from guild.store.select import RunFilter

    started_range = None
    if started and started.strip():
        from guild.store import timerange

        try:
            started_range = timerange.parse(started)
        except timerange.RangeError as e:
            raise InvalidRange(str(e)) from None
    compiled = None
    if expr:
        from guild.scalars.summary import run_scalar_value
        from guild.store import filterexpr

        try:
            compiled = filterexpr.compile_filter(expr, run_scalar_value)
        except filterexpr.FilterSyntaxError as e:
            raise GuildError(str(e)) from None
    return RunFilter(
        operations=list(ops), labels=list(labels), unlabeled=unlabeled, tags=list(tags),
        comments=list(comments), marked=marked, unmarked=unmarked, started=started_range,
        digest=digest or None, status=list(status), not_status=list(not_status), expr=compiled,
    )


class InvalidRange(GuildError):
    """A `--started` time range that cannot be read."""

    def __init__(self, detail: str):
        super().__init__(f"invalid RANGE: {detail}")


def runs(*specs: str, filter: RunFilter | None = None, deleted: bool = False, root: str | None = None,
         ctx: RunContext | None = None, **filters: Any) -> list[Run]:
    """Runs newest first: those `specs` select (indexes `1`, ranges `2:5`, id prefixes; all when
    none) among the runs that pass `filter` (or the `filter_runs` keywords in `filters`). From
    the trash with `deleted`, or from another runs directory `root`. RunNotFound for a spec
    that selects nothing."""
    from guild.store import select

    ctx = _ctx(ctx)
    flt = filter if filter is not None else filter_runs(**filters)
    if root is None:
        root = ctx.trash_runs_dir if deleted else ctx.runs_dir
    listed = flt.apply(select.load_runs(root, ctx.runs_parent))
    if not specs:
        return listed
    try:
        return select.select_specs(listed, list(specs))
    except select.SpecNotFound as e:
        raise RunNotFound(e.spec) from None


def one_run(spec: str = "1", **kw: Any) -> Run:
    """The one run `spec` selects (default: the latest), with `runs()`'s other arguments."""
    from guild.store import select

    listed = runs(**kw)
    if not listed:
        raise GuildError("no matching runs")
    try:
        return select.select_one_spec(listed, spec)
    except select.SpecNotFound as e:
        raise RunNotFound(e.spec) from None
    except select.SpecAmbiguous as e:
        raise RunAmbiguous(e.spec, e.runs) from None


def best_run(runs: list[Run], column: str, maximize: bool = False) -> Run:
    """The run with the lowest (or, with `maximize`, highest) value of a compare `column`
    (`loss`, `max acc`, `=lr`, `.label`); runs without a number count as the lowest. Ties go
    to the earlier run in `runs`."""
    from guild.scalars.summary import run_scalar_value
    from guild.store import filterexpr
    from guild.util.text import is_number

    keyed = [(filterexpr.column_value(r, column, run_scalar_value), i, r) for i, r in enumerate(runs)]
    present = [k for k in keyed if is_number(k[0])]
    if maximize:
        return max(present, key=lambda k: (k[0], -k[1]))[2] if present else runs[0]
    missing = [k for k in keyed if not is_number(k[0])]
    if missing:
        return missing[0][2]
    return min(present, key=lambda k: (k[0], k[1]))[2]




# ---- reading runs


def run_flags(run: Run) -> dict[str, Any]:
    """The run's flag values."""
    flags = run.get("flags")
    return dict(flags) if isinstance(flags, dict) else {}


def run_attrs(run: Run) -> dict[str, Any]:
    """Every attribute of the run, by name."""
    return {name: run.get(name) for name in run.attr_names()}


def run_scalars(run: Run) -> list[ScalarSummary]:
    """The run's scalars, one summary per tag (first, last, min, max, avg, total, count)."""
    from guild.scalars.summary import run_scalars as summaries

    return summaries(run.path)


def run_files(run: Run, all_files: bool = False) -> list[str]:
    """The run's files (relative paths, sorted), without Guild's `.guild` dir unless `all_files`."""
    files = sorted(run.iter_files())
    if all_files:
        return files
    return [f for f in files if f != ".guild" and not f.startswith(".guild" + os.sep)]


# ---- managing runs


def delete_runs(runs: list[Run], permanent: bool = False, ctx: RunContext | None = None) -> list[Run]:
    """Move runs to the trash (or delete them for good with `permanent`), stopping those that
    are still running first."""
    from guild.store import manage

    ctx = _ctx(ctx)
    home = ctx.home
    if permanent:
        for r in runs:
            manage.check_in_store(r.path, home)
    stop_runs([r for r in runs if r.status == "running" and not r.remote])
    for r in runs:
        if permanent:
            manage.purge_run(r, home)
        else:
            r.path = manage.trash_run(r, home)
    return runs


def restore_runs(runs: list[Run], ctx: RunContext | None = None) -> list[Run]:
    """Move trashed runs back to the runs directory."""
    from guild.store import manage

    home = _ctx(ctx).home
    for r in runs:
        r.path = manage.restore_run(r, home)
    return runs


def purge_runs(runs: list[Run], ctx: RunContext | None = None) -> list[Run]:
    """Delete trashed runs for good."""
    from guild.store import manage

    home = _ctx(ctx).home
    for r in runs:
        manage.check_in_store(r.path, home)
    for r in runs:
        manage.purge_run(r, home)
    return runs


def incomplete_runs(ctx: RunContext | None = None) -> list[str]:
    """Paths of runs never finished being made in the runs directory (their process was killed
    while making them)."""
    from guild.store.run import incomplete_dirs

    return incomplete_dirs(_ctx(ctx).runs_dir)


def purge_incomplete(paths: list[str], ctx: RunContext | None = None) -> None:
    """Delete leftovers `incomplete_runs()` found (only those directly in the runs directory)."""
    import shutil

    runs_dir = os.path.realpath(_ctx(ctx).runs_dir)
    for path in paths:
        if os.path.dirname(os.path.realpath(path)) != runs_dir:
            raise GuildError(f"cannot delete '{path}': it is not in {runs_dir}")
        shutil.rmtree(path)


def stop_runs(runs: list[Run], timeout: float = 30, force: bool = False) -> dict[str, list[int] | None]:
    """Stop the processes of running runs; by run id, the pids still alive afterwards (None when
    the run had no live process)."""
    from guild.store import manage

    return {r.id: manage.stop_run(r, timeout, force) for r in runs}
