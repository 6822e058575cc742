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
    "best_run", "compare_table", "context", "delete_runs", "download", "filter_runs", "incomplete_runs", "merge", "merge_plan", "MergeError", "opdef", "opref_of", "project_guide", "project_models", "project_opdefs", "one_run",
    "prepare", "purge_incomplete", "purge_runs", "refresh_runs", "restart", "restore_runs", "run", "run_attrs",
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

    ctx = _ctx(ctx)
    if not opts.restart:
        ctx.ensure_home()  # a first run makes the Guild home it is given
    return launch.prepare(opts, ctx)


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


def opdef(opspec: str | None, ctx: RunContext | None = None):
    """The operation `opspec` names from the context's directory, as a run would use it (flags
    imported from its script, dependency flags added)."""
    from guild.engine import plan

    return plan.load_opdef(opspec, _ctx(ctx))


def opref_of(opdef):
    """The reference a run of `opdef` records (`store.opref.OpRef`)."""
    from guild.engine import plan

    return plan.opref_for(opdef)


def project_opdefs(ctx: RunContext | None = None) -> list:
    """The operations of the guild.yml in the context's directory ([] when there is none)."""
    from guild.project.guildfile import load_guildfile

    path = os.path.join(_ctx(ctx).cwd, "guild.yml")
    if not os.path.isfile(path):
        return []
    return [op for model in load_guildfile(path).models for op in model.operations.values()]


def project_guide(path: str | None = None, *, all_ops: bool = False, markdown: bool = False,
                  title: str | None = None, heading_level: int = 1,
                  ctx: RunContext | None = None) -> str:
    """The `guild help` text of the guild.yml at `path` (a file or its directory; default: the
    context's directory)."""
    from guild.project.guide import project_guide as guide
    from guild.project.guildfile import load_guildfile

    cwd = _ctx(ctx).cwd
    target = os.path.join(cwd, path) if path else cwd
    gf_path = os.path.join(target, "guild.yml") if os.path.isdir(target) else target
    if not os.path.isfile(gf_path):
        if path:
            raise GuildError(f"cannot find a guild.yml at '{path}' (Guild packages are not supported)")
        raise GuildError("there is no guild.yml in this directory - try 'guild help PATH'")
    where = "the current directory" if not path else os.path.relpath(os.path.dirname(gf_path), cwd)
    return guide(load_guildfile(gf_path), where, all_ops=all_ops, markdown=markdown, title=title,
                 heading_level=heading_level)


def project_models(ctx: RunContext | None = None) -> list:
    """The named models of the guild.yml in the context's directory ([] when there is none)."""
    from guild.project.guildfile import load_guildfile

    path = os.path.join(_ctx(ctx).cwd, "guild.yml")
    if not os.path.isfile(path):
        return []
    return [model for model in load_guildfile(path).models if model.name]


def download(url: str, sha256: str | None = None, ctx: RunContext | None = None) -> tuple[str, str]:
    """(sha256, local path) of `url`, downloaded into the Guild home's resource cache (once)."""
    from guild.engine.deps import url_cache
    from guild.engine.deps.files import ResolveError, file_sha256
    from guild.engine.deps.sources import resources_cache

    try:
        path = url_cache.download(url, url, sha256, resources_cache(_ctx(ctx).home))
    except ResolveError as e:
        raise GuildError(f"cannot download {url}: {e}") from None
    return sha256 or file_sha256(path), path


def model_help(opspec: str | None, ctx: RunContext | None = None) -> str:
    """The `--help-model` text of the model of an operation."""
    from guild.project.help import model_help as help_text

    return help_text(opspec, _ctx(ctx).cwd)


def output_scalar_matches(opspec: str | None, lines: Iterable[str],
                          ctx: RunContext | None = None) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """What the op's output-scalars patterns capture from each line of sample output."""
    from guild.engine import plan, test_options

    return test_options.output_scalar_matches(plan.load_opdef(opspec, _ctx(ctx)), lines)


def output_attr_matches(opspec: str | None, lines: Iterable[str],
                        ctx: RunContext | None = None) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """What the op's output-attrs rules capture from each line of sample output."""
    from guild.engine import plan, test_options

    return test_options.output_attr_matches(plan.load_opdef(opspec, _ctx(ctx)), lines)


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
                expr: str | None = None, ctx: RunContext | None = None) -> RunFilter:
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
        from guild.store import filterexpr

        try:
            compiled = filterexpr.compile_filter(expr, _scalar_value_fn(ctx))
        except filterexpr.FilterSyntaxError as e:
            raise GuildError(str(e)) from None
    return RunFilter(
        operations=list(ops), labels=list(labels), unlabeled=unlabeled, tags=list(tags),
        comments=list(comments), marked=marked, unmarked=unmarked, started=started_range,
        digest=digest or None, status=list(status), not_status=list(not_status), expr=compiled,
    )


def _scalar_value_fn(ctx: RunContext | None):
    """`scalars.summary.run_scalar_value` through the home's scalar cache (opened when first
    needed: a filter over no runs opens nothing)."""
    from guild.scalars.summary import run_scalar_value

    opened: list = []

    def value(run: Run, key: str, qual: str = "last") -> Any:
        if not opened:
            opened.append(scalar_cache(ctx))
        return run_scalar_value(run, key, qual, opened[0])

    return value


class InvalidRange(GuildError):
    """A `--started` time range that cannot be read."""

    def __init__(self, detail: str):
        super().__init__(f"invalid RANGE: {detail}")


def runs(*specs: str, filter: RunFilter | None = None, deleted: bool = False, root: str | None = None,
         ctx: RunContext | None = None, check: str = "full", **filters: Any) -> list[Run]:
    """Runs newest first: those `specs` select (indexes `1`, ranges `2:5`, id prefixes; all when
    none) among the runs that pass `filter` (or the `filter_runs` keywords in `filters`). From
    the trash with `deleted`, or from another runs directory `root`. RunNotFound for a spec
    that selects nothing."""
    from guild.store import select

    ctx = _ctx(ctx)
    flt = filter if filter is not None else filter_runs(**filters)
    if root is None:
        root = ctx.trash_runs_dir if deleted else ctx.runs_dir
    index = _run_index(ctx, root)
    for _ in range(3):
        listed = flt.apply(select.load_runs(root, ctx.runs_parent, index))
        if not specs:
            return listed
        try:
            selected = select.select_specs(listed, list(specs))
        except select.SpecNotFound as e:
            raise RunNotFound(e.spec) from None
        # What a command acts on is checked against the run dirs (`check`: "full", or "quick"
        # for what only a rename changes); a stale entry that now sorts or filters otherwise
        # means the selection itself may change: select again.
        if index is None:
            break
        stamps = {r.path: r.timestamp for r in selected}
        changed = index.refresh(selected, full=check == "full")
        if all(stamps.get(r.path) == r.timestamp for r in changed) and len(flt.apply(changed)) == len(changed):
            break
    return selected


def refresh_runs(runs: list[Run], full: bool = True) -> bool:
    """Check runs listed by `runs()` against their directories before showing them (with
    `full=False`, only what a rename changes: cheap enough for every run of a compare);
    True when any was stale (it now holds what its files say, and a new `runs()` call lists
    it where it now belongs)."""
    index = getattr(runs[0], "_index", None) if runs else None
    if index is None:
        return False
    return bool(index.refresh(runs, full))


_indexes: dict[str, Any] = {}


def _run_index(ctx: RunContext, root: str):
    """The run index of the context's home, for its runs and trash dirs (None for other dirs, a
    GUILD_RUNS_PARENT listing, or an index that cannot be used)."""
    if ctx.runs_parent or ctx.is_set("NO_RUN_INDEX"):
        return None
    if os.path.abspath(root) not in (os.path.abspath(ctx.runs_dir), os.path.abspath(ctx.trash_runs_dir)):
        return None
    if not os.path.isdir(root):
        return None  # nothing to index: no cache made in a home without runs
    home = ctx.home
    if home not in _indexes:
        from guild.store import index

        _indexes[home] = index.for_home(home)
    return _indexes[home]


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
    from guild.store import filterexpr
    from guild.util.text import is_number

    value = _scalar_value_fn(None)
    keyed = [(filterexpr.column_value(r, column, value), i, r) for i, r in enumerate(runs)]
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


def run_scalars(run: Run, ctx: RunContext | None = None) -> list[ScalarSummary]:
    """The run's scalars, one summary per tag (first, last, min, max, avg, total, count); event
    files are read through the home's scalar cache."""
    from guild.scalars.summary import run_scalars as summaries

    return summaries(run.path, cache=scalar_cache(ctx), sources_key=_sources_key(run))


def scalar_values(run: Run) -> Iterator[tuple[str, str, float, int]]:
    """Every scalar value the run logged, as (source prefix, tag, value, step), file by file."""
    from guild.scalars import events

    for prefix, path, names in events.find_sources(run.path):
        for name in names:
            try:
                for tag, val, step, _wall in events.iter_events(os.path.join(path, name)):
                    yield prefix, tag, val, step
            except events.EventDecodeError:
                break


def logged_attributes(run: Run) -> dict[str, Any]:
    """The attributes a run logged (output attributes) and those its operation set
    (`run-attrs`), by name."""
    from guild.scalars.summary import run_attributes

    attrs: dict[str, Any] = {}
    opdef_attrs = run.get("opdef_attrs")
    if isinstance(opdef_attrs, dict):
        attrs.update({str(k): v for k, v in opdef_attrs.items()})
    for prefix, name, text in run_attributes(run.path):
        attrs[name if prefix in ("", ".guild") else f"{prefix}#{name}"] = text
    return attrs


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


# ---- comparing runs


def compare_table(runs: list[Run], opts=None, ctx: RunContext | None = None):
    """The `guild compare` table of `runs` (a `scalars.compare.Table`: headers, raw rows) with
    `opts` (a `scalars.compare.CompareOptions`; default columns when None). An op's `compare:`
    columns come from its guild.yml as it is now. Event files are read through the home's
    scalar cache, which also keeps the last tables made (`scalars.table_cache`)."""
    from guild.scalars.compare import CompareOptions, finish_table, table_rows

    opts = opts or CompareOptions()
    refresh_runs(runs, full=False)
    cache = scalar_cache(_ctx(ctx)) if runs else None
    # A table holds formatted times: it is for this time zone only.
    zone = _TIME_ZONE()
    op_compare = _OpCompare()

    def run_data(some: list[Run]) -> list:
        return _run_data(some, zone, cache, op_compare)

    if cache is None:
        return finish_table(table_rows(run_data(runs), opts), runs, opts)
    from guild.scalars import table_cache

    return finish_table(table_cache.compare_rows(cache, runs, opts, zone, op_compare, run_data), runs, opts)


def _run_data(runs: list[Run], zone: str, cache, op_compare: _OpCompare) -> list:
    """The `scalars.compare.RunData` of `runs`, each run's row through `cache` when it has one."""
    from guild.scalars.compare import RunData
    from guild.store.describe import computed_attr, operation_desc

    index = getattr(runs[0], "_index", None) if runs else None
    if index is not None:
        index.prefetch(runs)
    if cache is not None:
        cache.preload(r.path for r in runs)
    data = []
    for run in runs:
        opref = run.opref
        from_ = opref.pkg_name if opref is not None and opref.pkg_type in ("guildfile", "script") else None
        key = (opref.pkg_name, opref.model_name, opref.op_name) if opref is not None and opref.pkg_type == "guildfile" else None
        columns = op_compare[key] if key is not None else None
        op_desc = operation_desc(run)
        data.append(RunData(run, op_desc, from_, columns, computed_attr,
                            cache=cache, sources_key=_sources_key(run), row_context=f"{zone}|{op_desc}|{from_}"))
    return data


class _OpCompare(dict):
    """op key (guild file, model, op) -> the op's `compare:` columns, read once each."""

    def __missing__(self, key: tuple):
        value = self[key] = _op_compare(*key)
        return value


def _TIME_ZONE() -> str:
    import time

    return f"{time.timezone}/{time.altzone}/{time.daylight}"


def _sources_key(run: Run) -> str | None:
    """What the scalar sources of a run that is not moving on its own are cached under (None:
    find them each time)."""
    sig = getattr(run, "checked_signature", None)
    if sig is None or run.status_moves:
        return None
    return sig


_scalar_caches: dict[str, Any] = {}


def scalar_cache(ctx: RunContext | None = None):
    """The home's scalar cache (`scalars.cache.ScalarCache`), or None when turned off
    (`NO_SCALAR_CACHE=1`) or unusable."""
    ctx = _ctx(ctx)
    if ctx.is_set("NO_SCALAR_CACHE"):
        return None
    home = ctx.home
    if home not in _scalar_caches:
        from guild.scalars.cache import ScalarCache

        cache = ScalarCache(home)
        if cache.conn is None:
            cache = None
        else:
            import atexit

            atexit.register(cache.save)  # what filters and `runs info` read is kept too
        _scalar_caches[home] = cache
    return _scalar_caches[home]


def _op_compare(path: str, model: str, op: str):
    """The op's `compare:` list from its current guild file, or None when it cannot be found."""
    from guild.project.opspec import find_opdef

    if not os.path.isfile(path):
        return None
    try:
        opdef = find_opdef(path, model, op)
    except GuildError:
        return None
    if opdef is None:
        return None
    raw = opdef.raw.get("compare") if isinstance(opdef.raw, dict) else None
    # A plain string keeps its raw form: it is iterated character by character (§6.3 quirk).
    return raw if isinstance(raw, str) else opdef.compare


# ---- merging a run into a project


class MergeError(GuildError):
    """A merge that cannot be done as asked: `kind` says why (see `merge_plan`), `paths` the
    files concerned."""

    def __init__(self, kind: str, message: str, hint: str | None = None, paths: list[str] | None = None):
        super().__init__(message, hint=hint)
        self.kind = kind
        self.paths = paths or []


def merge_plan(run: Run, target_dir: str | None = None, *, sourcecode: bool = True, deps: bool = True,
               generated: bool = False, replace: bool = False, ctx: RunContext | None = None):
    """What merging `run` into `target_dir` (default: the current directory, which must be the
    run's project) copies and skips. Unless `replace`, files the merge would replace must be
    unchanged since git last staged them, or, outside git, not exist at all. MergeError kinds:
    `not-project`, `other-project`, `no-project-dir`, `replacement-paths`, `unstaged-paths`."""
    from guild.store import merge
    from guild.util import vcs

    ctx = _ctx(ctx)
    target = ctx.path(target_dir) if target_dir else _merge_target(run, ctx.cwd)
    plan = merge.plan_merge(run, target, sourcecode=sourcecode, deps=deps, generated=generated)
    if replace:
        return plan
    where = "the current directory" if not target_dir else f"'{target_dir}'"
    existing = plan.replaced()
    unstaged = vcs.unstaged_paths(target, existing)
    if unstaged is None and existing:
        raise MergeError("replacement-paths", f"files in {where} would be replaced:" + _indented(existing),
                         "Use --replace to skip this check.", existing)
    if unstaged:
        raise MergeError("unstaged-paths", f"files in {where} have unstaged changes:" + _indented(unstaged),
                         "Stage or stash these changes or use --replace to skip this check.", unstaged)
    return plan


def _indented(paths: list[str]) -> str:
    return "".join(f"\n  {p}" for p in paths)


def _merge_target(run: Run, cwd: str) -> str:
    """The current directory, when it is the run's project."""
    from guild.store.describe import project_dir

    opref = run.opref
    if opref is None or opref.pkg_type not in ("guildfile", "script"):
        raise MergeError(
            "not-project", f"run {run.id} does not originate from a project - cannot merge to the current "
                           "directory by default",
            "Use --target-dir to skip this check or try 'guild merge --help' for more information.")
    project = project_dir(run)
    if not project:
        raise MergeError("no-project-dir", f"unexpected missing project directory for run {run.id} "
                                           f"({opref.encode()})", "Skip this check by using --target-dir")
    if os.path.realpath(project) != os.path.realpath(cwd):
        raise MergeError(
            "other-project", f"run {run.id} was created from a different project ({project}) - cannot merge "
                             "to the current directory by default",
            "Use '--target-dir .' to override this check or try 'guild merge --help' for more information.")
    return cwd


def merge(plan, on_copy=None) -> list[str]:
    """Copy a merge plan's files; returns the target paths copied. `on_copy(file)` is called
    before each copy."""
    from guild.store import merge as merge_mod

    return merge_mod.copy_files(plan, on_copy)


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
