"""The `guild compare` table: which columns each run contributes, their values, header merging,
sorting, `--top`, `--skip-unchanged`, and cell formatting for CSV and tables
(compare-and-scalars.md §6.3–6.8).

Runs are duck-typed (`id`, `short_id`, `path`, `status`, `opref`, `get(attr)`), so this module
does not depend on the store; the caller wraps each one in `RunData` with what it knows about
the run's operation."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from guild.scalars import colspec
from guild.util.text import float32_shortest, natural_key
from guild.scalars.events import find_sources
from guild.scalars.summary import ScalarSummary, run_attributes, run_scalars, scalar_value
from guild.util import yamlutil

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

CORE_COLS = ".run,.operation,.started,.time,.status,.label"
_CORE_ATTR_NAMES = {"id", "run", "operation", "from", "op", "op_model", "short_id", "sourcecode",
                    "started", "stopped", "status", "time"}


@dataclass
class CompareOptions:
    skip_core: bool = False
    skip_op_cols: bool = False
    extra_cols: bool = False
    all_scalars: bool = False
    user_cols: str | None = None
    min_col: str | None = None
    max_col: str | None = None
    top: int | None = None
    skip_unchanged: bool = False


@dataclass
class RunData:
    """A run plus what the caller knows of its operation: description (no suffixes), `from`
    value and the op's `compare:` specs from the current guild file (None if not found)."""

    run: Any
    operation: str
    from_: str | None = None
    op_compare: Any = None
    # (computed?, value) of the attributes computed from a run (`status`, `time`, ...)
    computed_attr: Callable[[Any, str], tuple[bool, Any]] | None = None
    cache: Any = None  # a scalars.cache.ScalarCache, or None to read event files each time
    sources_key: str | None = None  # a finished run's signature: its sources are found once
    # what else a finished run's compare row depends on (op, from, settings): with a
    # sources_key and a cache, the row is cached
    row_context: str | None = None
    files_sig: str | None = None  # the event files' signature `row_key` took
    _sources: list | None = field(default=None, repr=False)
    _scalars: list[ScalarSummary] | None = field(default=None, repr=False)
    _attrs: dict[str, str] | None = field(default=None, repr=False)

    @property
    def sources(self) -> list:
        if self._sources is None:
            if self.cache is not None:
                self._sources = self.cache.sources(self.run.path, self.sources_key)
            else:
                self._sources = find_sources(self.run.path)
        return self._sources

    @property
    def scalars(self) -> list[ScalarSummary]:
        if self._scalars is None:
            self._scalars = run_scalars(self.run.path, self.sources, self.cache)
        return self._scalars

    def row_key(self, opts_key: str) -> str | None:
        """The key of this run's cached compare row (`opts_key` stands for the table's
        options), or None when it is not cached."""
        if self.cache is None or self.sources_key is None or self.row_context is None:
            return None
        self.files_sig = self.cache.files_signature(self.sources)
        return "|".join((self.sources_key, self.files_sig, self.row_context, repr(self.op_compare), opts_key))

    @property
    def logged_attrs(self) -> dict[str, str]:
        """Output attributes by key (`note`, `train/.guild#note`)."""
        if self._attrs is None:
            self._attrs = {
                name if prefix in ("", ".guild") else f"{prefix}#{name}": text
                for prefix, name, text in run_attributes(self.run.path, self.sources)
            }
        return self._attrs


@dataclass
class TableRows:
    """A table before sorting and cutting, in the order of its runs: what a cache may keep."""

    headers: list[str]
    rows: list[list[Any]]
    sort_vals: list[Any]  # each run's value of the --min/--max column (empty without one)
    operations: list[str]
    marked: list[bool]
    op_specs: list[tuple]  # each run's op column specs (`run_part`)
    csv: list[str] | None = None  # each row as a CSV line, when a cache keeps them

    def as_tuple(self) -> tuple:
        return self.headers, self.rows, self.sort_vals, self.operations, self.marked, self.op_specs, self.csv

    def cells(self, i: int) -> dict[str, Any]:
        """Run `i`'s cells by header (as `run_part` gave them)."""
        return {h: v for h, v in zip(self.headers, self.rows[i]) if v is not None}


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]
    runs: list[Any]  # the run of each row
    operations: list[str]  # each row's operation description
    marked: list[bool]  # whether each row's run is marked
    csv: list[str] | None = None  # each row as a CSV line (None: to be written from `rows`)


# ---- parsing (each spec string once per process: errors are logged once)

_parsed: dict[str, list[colspec.ColSpec]] = {}


def parse_cols(text: str) -> list[colspec.ColSpec]:
    """Column specs of `text`; a spec that fails to parse logs a warning and gives no columns."""
    try:
        return _parsed[text]
    except KeyError:
        pass
    try:
        cols = colspec.parse_cols(text)
    except colspec.ColSpecError as e:
        from guild.util.log import warning

        warning(f"error parsing {text!r}: {e}")
        cols = []
    _parsed[text] = cols
    return cols


_parsed_lists: dict[tuple, list[colspec.ColSpec]] = {}


def _parse_all(specs) -> list[colspec.ColSpec]:
    """The columns of a list of specs; the same list object for the same specs (runs of one
    operation share their columns)."""
    key = specs if type(specs) is tuple else tuple(str(spec) for spec in specs)
    try:
        return _parsed_lists[key]
    except KeyError:
        cols = _parsed_lists[key] = [col for spec in key for col in parse_cols(spec)]
        _spec_keys[id(cols)] = key
        return cols


_spec_keys: dict[int, tuple] = {}  # id of a list `_parse_all` made -> its specs


def _spec_texts(cols: list[colspec.ColSpec]) -> tuple:
    return _spec_keys[id(cols)]


# ---- columns per run


def core_cols(opts: CompareOptions) -> list[colspec.ColSpec]:
    cols = parse_cols(".run" if opts.skip_core else CORE_COLS)
    if opts.extra_cols:
        cols = cols + parse_cols(".sourcecode")
    return cols


def op_cols(rd: RunData, opts: CompareOptions) -> list[colspec.ColSpec]:
    if opts.skip_op_cols:
        return _parse_all(())
    specs = rd.op_compare
    if specs is None:
        specs = rd.run.get("compare")
    if specs is None:
        return _parse_all(default_op_specs(rd, opts.all_scalars))
    if isinstance(specs, (str, list, tuple)):
        # A plain string is iterated character by character, as the reference does.
        return _parse_all(specs)
    return _parse_all(())


def default_op_specs(rd: RunData, all_scalars: bool = False) -> list[str]:
    """Flags, logged attributes, a step column and one column per scalar tag (§6.3)."""
    specs = []
    flags = rd.run.get("flags")
    if isinstance(flags, dict):
        specs.extend(f"={name}" for name in _natsorted_names(tuple(flags)))
    attr_names = set(rd.logged_attrs)
    opdef_attrs = rd.run.get("opdef_attrs")
    if isinstance(opdef_attrs, dict):
        attr_names.update(str(k) for k in opdef_attrs)
    specs.extend(f".{name}" for name in natsorted(attr_names - _CORE_ATTR_NAMES))
    tags = _natsorted_names(tuple({s.tag for s in rd.scalars if all_scalars or not s.tag.startswith("sys/")}))
    if tags:
        specs.append(f"{'loss' if 'loss' in tags else tags[0]} step as step")
        specs.extend(tags)
    return specs


def natsorted(items) -> list[str]:
    return sorted(items, key=natural_key)


@functools.lru_cache(maxsize=1024)
def _natsorted_names(names: tuple) -> list[str]:
    # runs of one operation have the same flag and scalar names: sorted once
    return natsorted(str(n) for n in names)


# ---- values


def col_value(rd: RunData, col: colspec.ColSpec) -> Any:
    if col.kind == "flag":
        flags = rd.run.get("flags")
        return flags.get(col.key) if isinstance(flags, dict) else None
    if col.kind == "attr":
        return attr_value(rd, col.key)
    return scalar_value(rd.scalars, col.key, col.qual, col.step)


def attr_value(rd: RunData, name: str) -> Any:
    run = rd.run
    if name == "operation":
        return rd.operation
    if name == "from":
        return rd.from_
    if rd.computed_attr is not None:
        computed, val = rd.computed_attr(run, name)
        if computed:
            return val
    if name in rd.logged_attrs:
        return rd.logged_attrs[name]
    opdef_attrs = run.get("opdef_attrs")
    if isinstance(opdef_attrs, dict) and name in opdef_attrs:
        return opdef_attrs[name]
    return run.get(name)


# ---- the table


def table_rows(runs: list[RunData], opts: CompareOptions) -> TableRows:
    """Headers and unformatted rows for `runs`, in their order."""
    return assemble_rows(opts, *run_parts(runs, opts))


def run_parts(runs: list[RunData], opts: CompareOptions) -> tuple[list[tuple], list[str], list[bool]]:
    """What `runs` give their table: each one's `run_part`, operation and whether it is marked."""
    opts_key = repr(opts)
    return ([run_part(rd, opts, opts_key) for rd in runs], [rd.operation for rd in runs],
            [rd.run.get("marked") is True for rd in runs])


def run_part(rd: RunData, opts: CompareOptions, opts_key: str) -> tuple[tuple, dict[str, Any], Any]:
    """What a run gives its table: (the specs of its op columns, its cells by header, its value
    of the --min/--max column). Through the run's cached row when it has one (`opts_key` stands
    for `opts`)."""
    key = rd.row_key(opts_key)
    hit = rd.cache.row(rd.run.path, key) if key is not None else None
    if hit is not None:
        specs, group_vals, cells = hit
    else:
        op = op_cols(rd, opts)
        specs = _spec_texts(op)
        # Within a group the first column of a name counts; a later group's value replaces an
        # earlier one unless it is None.
        group_vals = []
        cells = {}
        for cols in (core_cols(opts), op, _user_cols(opts)):
            vals: dict[str, Any] = {}
            for col in cols:
                if col.header not in vals:
                    vals[col.header] = col_value(rd, col)
            group_vals.append(vals)
            for h, v in vals.items():
                if v is not None:
                    cells[h] = v
        if key is not None:
            rd.cache.put_row(rd.run.path, key, (specs, group_vals, cells))
    sort_col = opts.min_col or opts.max_col
    sort_val = next((vals[sort_col] for vals in group_vals if sort_col in vals), None) if sort_col else None
    return specs, cells, sort_val


def assemble_rows(opts: CompareOptions, parts: list[tuple[tuple, dict[str, Any], Any]], operations: list[str],
                  marked: list[bool]) -> TableRows:
    """The table of runs that gave `parts` (`run_part`): core headers, then each op's in the
    order runs first show them, then the user's; each name once."""
    names = [c.header for c in core_cols(opts)]
    seen: set[tuple] = set()
    for specs, _cells, _sort_val in parts:
        if specs not in seen:
            seen.add(specs)
            names.extend(c.header for c in _parse_all(specs))
    names.extend(c.header for c in _user_cols(opts))
    headers = list(dict.fromkeys(names))
    rows = [[cells.get(h) for h in headers] for _specs, cells, _sort_val in parts]
    sort_vals = [sort_val for _specs, _cells, sort_val in parts] if opts.min_col or opts.max_col else []
    return TableRows(headers, rows, sort_vals, operations, marked, [specs for specs, _c, _v in parts])


def _user_cols(opts: CompareOptions) -> list[colspec.ColSpec]:
    return parse_cols(opts.user_cols) if opts.user_cols else []


def finish_table(raw: TableRows, runs: list[Any], opts: CompareOptions) -> Table:
    """The table of `raw` (made for `runs`), sorted and cut per `opts`."""
    sort_col = opts.min_col or opts.max_col
    order: Any = range(len(raw.rows))
    if sort_col and sort_col in raw.headers:
        order = _sorted_order(raw.sort_vals, descending=not opts.min_col)
    if opts.top:
        order = order[: opts.top]
    if order == range(len(raw.rows)):  # as they are (100,000 rows are not copied for nothing)
        table = Table(raw.headers, raw.rows, runs, raw.operations, raw.marked, raw.csv)
    else:
        table = Table(raw.headers, [raw.rows[i] for i in order], [runs[i] for i in order],
                      [raw.operations[i] for i in order], [raw.marked[i] for i in order],
                      None if raw.csv is None else [raw.csv[i] for i in order])
    if opts.skip_unchanged and len(table.rows) > 1:
        _drop_unchanged(table)
    return table


def _sorted_order(vals: list[Any], descending: bool) -> list[int]:
    present = [i for i, v in enumerate(vals) if v is not None]
    nulls = [i for i, v in enumerate(vals) if v is None]
    key = functools.cmp_to_key(lambda a, b: _cmp(vals[a], vals[b]))
    return sorted(present, key=key, reverse=descending) + nulls


def _cmp(a: Any, b: Any) -> int:
    num = (int, float, bool)
    if type(a) is not type(b) and not (isinstance(a, num) and isinstance(b, num)):
        a, b = str(a), str(b)
    try:
        return -1 if a < b else (1 if b < a else 0)
    except TypeError:
        a, b = str(a), str(b)
        return -1 if a < b else (1 if b < a else 0)


def _drop_unchanged(table: Table) -> None:
    keep = [
        i for i in range(len(table.headers))
        if len({format_cell(row[i]) for row in table.rows}) > 1
    ]
    table.headers = [table.headers[i] for i in keep]
    table.rows = [[row[i] for i in keep] for row in table.rows]
    table.csv = None


# ---- output


def write_csv(table: Table, out) -> int:
    """Write the table as CSV; returns the number of lines written (0 when there are no rows)."""
    if not table.rows:
        return 0
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.headers)
    if table.csv is not None:
        out.write("".join(table.csv))
    else:
        writer.writerows(table.rows)  # None is written as an empty cell
    return len(table.rows) + 1


def csv_lines(rows: list[list[Any]]) -> list[str]:
    """Each row as `write_csv` writes it."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    lines = []
    for row in rows:
        writer.writerow(row)
        lines.append(out.getvalue())
        out.seek(0)
        out.truncate()
    return lines


def format_cell(val: Any) -> str:
    """A table cell (§6.8): floats in YAML form cut to 6 decimals, bools yes/no. A float32 value
    (a logged scalar) shows as the shortest decimal that is the same float32 (`0.94`, where
    Guild showed `0.939999`)."""
    if val is None:
        return ""
    if val is True:
        return "yes"
    if val is False:
        return "no"
    if isinstance(val, float):
        return re.sub(r"\.(\d{6})\d+", r".\1", yamlutil.float_text(float32_shortest(val)))
    return str(val)


def formatted_rows(table: Table) -> list[list[str]]:
    """Header row plus formatted rows; the operation cell of a marked run gets ` [marked]`."""
    op_index = table.headers.index("operation") if "operation" in table.headers else None
    out = [list(table.headers)]
    for row, operation, marked in zip(table.rows, table.operations, table.marked):
        cells = [format_cell(v) for v in row]
        if op_index is not None and marked and row[op_index] == operation:
            cells[op_index] += " [marked]"
        out.append(cells)
    return out
