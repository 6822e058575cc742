"""What the view's JSON API answers, as plain values made through `guild.api`: pages of the runs
table (filtered with the CLI's `--filter` grammar, sorted and paged here, not in the browser),
a run's details, its scalar series, its output from an offset, its files, and compare tables."""

from __future__ import annotations

import mimetypes
import os

from guild import api
from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext
    from guild.store.run import Run

PAGE_MAX = 500
PREVIEW_MAX = 1 << 20  # bytes of a text file sent for preview
CORE_SORTS = ("started", "operation", "status", "label", "time", "id")


class NotFound(Exception):
    """A run or file that is not there (HTTP 404)."""


class BadRequest(Exception):
    """A query that cannot be answered (HTTP 400), with a message for the page."""


class Source:
    """The runs a view shows: those of the home its command line selected."""

    def __init__(self, ctx: RunContext, specs: list[str], filter_args: dict[str, Any]):
        self.ctx = ctx
        self.specs = specs
        self.filter_args = filter_args

    def runs(self, expr: str | None = None) -> list[Run]:
        args = dict(self.filter_args)
        if expr:
            args["expr"] = f"({args['expr']}) and ({expr})" if args.get("expr") else expr
        try:
            flt = api.filter_runs(**args, ctx=self.ctx)
        except GuildError as e:
            raise BadRequest(e.message) from None
        try:
            return api.runs(*self.specs, filter=flt, ctx=self.ctx, check="quick")
        except GuildError as e:
            raise BadRequest(e.message) from None

    def run(self, run_id: str) -> Run:
        if not run_id or not all(c in "0123456789abcdef" for c in run_id):
            raise NotFound(run_id)
        for root in (self.ctx.runs_dir,):
            path = os.path.join(root, run_id)
            if os.path.isdir(os.path.join(path, ".guild")):
                from guild.store.run import Run

                return Run(run_id, path)
        raise NotFound(run_id)


# ---- the runs table


def runs_page(source: Source, *, expr: str | None = None, sort: str = "started", desc: bool = True,
              offset: int = 0, limit: int = 100) -> dict[str, Any]:
    """One page of the runs table: `total`, `runs` (rows with flags and last scalar values) and
    the flag and scalar `columns` of the page's runs."""
    runs = source.runs(expr)
    limit = max(1, min(int(limit), PAGE_MAX))
    offset = max(0, int(offset))
    if sort != "started" or not desc:
        runs = _sorted(runs, sort, desc, source.ctx)
    page = runs[offset: offset + limit]
    api.refresh_runs(page)
    rows = [run_row(r, source.ctx) for r in page]
    flags = sorted({name for row in rows for name in row["flags"]})
    scalars = sorted({name for row in rows for name in row["scalars"]})
    return {"total": len(runs), "offset": offset, "runs": rows, "columns": {"flags": flags, "scalars": scalars}}


def _sorted(runs: list[Run], sort: str, desc: bool, ctx: RunContext) -> list[Run]:
    from guild.store.describe import computed_attr

    kind, _, name = sort.partition(":")
    if kind == "flag":
        key = lambda r: api.run_flags(r).get(name)  # noqa: E731
    elif kind == "scalar":
        cache = api.scalar_cache(ctx)
        if cache is not None:
            api.refresh_runs(runs, full=False)  # signatures: finished runs' sources are cached
            cache.preload(r.path for r in runs)
        last = {r.id: _last_scalars(r, ctx).get(name) for r in runs}
        if cache is not None:
            cache.save()
        key = lambda r: last[r.id]  # noqa: E731
    elif sort in CORE_SORTS:
        key = lambda r: computed_attr(r, sort)[1] if sort != "label" else (r.get("label") or "")  # noqa: E731
    else:
        raise BadRequest(f"cannot sort by '{sort}'")
    present = [r for r in runs if _sortable(key(r))]
    missing = [r for r in runs if not _sortable(key(r))]
    present.sort(key=lambda r: _sort_value(key(r)), reverse=desc)
    return present + missing  # runs without the value last, either way


def _sortable(value: Any) -> bool:
    return value is not None and value != ""


def _sort_value(value: Any):
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, str(value))


def run_row(run: Run, ctx: RunContext) -> dict[str, Any]:
    from guild.store.describe import computed_attr, operation_desc

    return {
        "id": run.id,
        "short_id": run.short_id,
        "operation": operation_desc(run),
        "started": computed_attr(run, "started")[1],
        "time": computed_attr(run, "time")[1],
        "status": run.status,
        "label": run.get("label") or "",
        "tags": [str(t) for t in run.get("tags") or []],
        "marked": run.get("marked") is True,
        "flags": _jsonable(api.run_flags(run)),
        "scalars": _last_scalars(run, ctx),
    }


def _last_scalars(run: Run, ctx: RunContext) -> dict[str, float | None]:
    from guild.util.text import float32_shortest

    return _jsonable({s.key: (float32_shortest(s.last_val) if s.last_val is not None else None)
                      for s in api.run_scalars(run, ctx) if not s.tag.startswith("sys/")})


def _jsonable(value: Any) -> Any:
    import math

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# ---- one run


def run_detail(source: Source, run_id: str) -> dict[str, Any]:
    from guild.store.describe import operation_desc

    run = source.run(run_id)
    detail = run_row(run, source.ctx)
    attrs = {}
    for name in run.attr_names():
        if name not in ("flags", "env", "pip_freeze"):
            attrs[name] = _jsonable(run.get(name))
    detail.update({
        "operation": operation_desc(run),
        "attributes": attrs,
        "logged_attributes": _jsonable(api.logged_attributes(run)),
        "scalar_summaries": [_summary(s) for s in api.run_scalars(run, source.ctx)],
        "comments": _jsonable(run.get("comments") or []),
        "files": files(run),
        "sourcecode": _sourcecode(run),
    })
    return detail


def _summary(s) -> dict[str, Any]:
    names = ("prefix", "tag", "first_val", "first_step", "last_val", "last_step", "min_val", "min_step",
             "max_val", "max_step", "avg_val", "total", "count")
    return _jsonable({n: getattr(s, n) for n in names}) | {"key": s.key}


def _sourcecode(run: Run) -> list[str]:
    from guild.store.manifest import read_entries

    return sorted(words[1] for words in read_entries(run.path) if len(words) > 1 and words[0] == "s")


def files(run: Run) -> list[dict[str, Any]]:
    found = []
    for rel in api.run_files(run):
        path = os.path.join(run.path, rel)
        try:
            st = os.stat(path)
        except OSError:
            continue
        found.append({"path": rel, "size": st.st_size, "type": _kind(rel)})
    return found


def _kind(rel: str) -> str:
    mime = mimetypes.guess_type(rel)[0] or ""
    if mime.startswith("image/"):
        return "image"
    return "text" if mime.startswith("text/") or _is_texty(rel) else "binary"


def _is_texty(rel: str) -> bool:
    return os.path.splitext(rel)[1].lower() in (".py", ".yml", ".yaml", ".json", ".csv", ".md", ".txt",
                                                 ".cfg", ".ini", ".toml", ".sh", ".log", "")


def file_content(source: Source, run_id: str, rel: str) -> tuple[bytes, str]:
    """(bytes, content type) of a file of the run; NotFound for anything outside the run
    (`..`, absolute paths, links that lead out) or not a file."""
    from guild.store.access import is_allowed

    run = source.run(run_id)
    if not rel or rel.startswith("/") or "\0" in rel:
        raise NotFound(rel)
    path = os.path.normpath(os.path.join(run.path, rel))
    if not is_allowed(path, (os.path.realpath(run.path),)) or not os.path.isfile(path):
        raise NotFound(rel)
    with open(path, "rb") as f:
        data = f.read(PREVIEW_MAX if _kind(rel) == "text" else None)
    mime = mimetypes.guess_type(rel)[0]
    if mime is None or mime.startswith("text/") or _kind(rel) == "text":
        mime = "text/plain; charset=utf-8"
    return data, mime


def output(source: Source, run_id: str, offset: int = 0) -> dict[str, Any]:
    """The run's output from byte `offset` on (a live tail asks again from `next`)."""
    run = source.run(run_id)
    path = run.guild_path("output")
    try:
        with open(path, "rb") as f:
            f.seek(max(0, int(offset)))
            data = f.read(PREVIEW_MAX)
    except OSError:
        data = b""
    return {"text": data.decode("utf-8", "replace"), "next": max(0, int(offset)) + len(data),
            "status": run.status}


def scalar_series(source: Source, run_id: str) -> dict[str, Any]:
    """Every logged value of the run by scalar key: {key: {"steps": [...], "values": [...]}}."""
    run = source.run(run_id)
    series: dict[str, dict[str, list]] = {}
    for prefix, tag, val, step in api.scalar_values(run):
        key = tag if prefix in ("", ".guild") else f"{prefix}#{tag}"
        entry = series.setdefault(key, {"steps": [], "values": []})
        entry["steps"].append(step)
        entry["values"].append(val if val == val else None)
    return {"id": run.id, "short_id": run.short_id, "series": series}


def compare(source: Source, ids: list[str]) -> dict[str, Any]:
    runs = [source.run(i) for i in ids]
    table = api.compare_table(runs, ctx=source.ctx)
    rows = [[run.id, *_jsonable(row[1:])] for run, row in zip(table.runs, table.rows)]
    return {"headers": table.headers, "rows": rows}
