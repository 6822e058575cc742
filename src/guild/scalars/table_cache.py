"""Whole `guild compare` tables kept between calls (in the scalar cache), so that comparing runs
that did not change reads none of them: one stat of each run's attrs dir (the run index's check)
and one of each of its event files is all it costs.

A table is kept under a key naming its runs (in order), the table's options and the time zone
(cells hold formatted times). It is used while, as when it was made:
- every run's index signature (`checked_signature`) is the same: its attrs, markers and opref
  have not changed, so neither have its operation, status or flags;
- every event file has the same size and mtime: the scalars and logged attributes are the same;
- every operation's `compare:` columns in its guild file are the same.
When the runs or some of them changed, the table is made again, taking the rows of the runs
that hold from the last table made with these options. A selection with a run still running or
pending makes no table: its rows move on their own."""

from __future__ import annotations

import marshal

from guild.scalars.cache import file_signature
from guild.scalars.compare import CompareOptions, RunData, TableRows, assemble_rows, csv_lines, run_parts

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.scalars.cache import ScalarCache


def compare_rows(cache: ScalarCache, runs: list[Any], opts: CompareOptions, zone: str,
                 op_compare: dict[tuple, Any], run_data: Callable[[list[Any]], list[RunData]]) -> TableRows:
    """The compare rows of `runs` with `opts` in time zone `zone`: a kept table while it holds,
    else a new one (kept when it can be). `op_compare[op_key]` is an operation's `compare:`
    columns as they are now (read on first use: what it holds when done is what the runs used);
    `run_data(runs)` makes what `run_part` needs of runs."""
    paths = tuple(run.path for run in runs)
    signatures = tuple(getattr(run, "checked_signature", None) for run in runs)
    prefix = f"{zone}|{opts!r}|"
    key = f"{prefix}{len(paths)}|{_checksum(paths)}"
    kept = _Kept.of(cache.table(key), op_compare)
    if kept is not None and kept.paths == paths and kept.signatures == signatures and kept.files_hold():
        return kept.raw
    base = kept if kept is not None else _Kept.of(cache.newest_table(prefix), op_compare)
    reused = base.holding(paths, signatures) if base is not None else {}
    data = run_data([run for i, run in enumerate(runs) if i not in reused])
    fresh = zip(data, *run_parts(data, opts))
    parts, operations, marked, made = [], [], [], []
    for i in range(len(runs)):
        j = reused.get(i)
        if j is None:
            rd, part, operation, is_marked = next(fresh)
            parts.append(part)
            operations.append(operation)
            marked.append(is_marked)
            made.append(rd)
        else:
            sort_val = base.raw.sort_vals[j] if base.raw.sort_vals else None
            parts.append((base.raw.op_specs[j], base.raw.cells(j), sort_val))
            operations.append(base.raw.operations[j])
            marked.append(base.raw.marked[j])
            made.append(j)
    raw = assemble_rows(opts, parts, operations, marked)
    _keep(cache, key, paths, made, raw, base, op_compare)
    cache.save()
    return raw


class _Kept:
    """A kept table, with what it was made from."""

    def __init__(self, value: tuple):
        self.paths, self.signatures, self.ops, self.files, self.file_sigs, self.file_counts, raw = value
        headers, rows, *rest = raw
        self.raw = TableRows(headers, _KeptRows(rows, len(self.paths)), *rest)
        self._offsets: list[int] | None = None

    @classmethod
    def of(cls, value: tuple | None, op_compare: dict[tuple, Any]) -> _Kept | None:
        """The kept table `value`, or None when there is none or an operation's `compare:`
        columns changed since it was made."""
        if value is None:
            return None
        kept = cls(value)
        for op_key, columns in kept.ops:
            if repr(op_compare[op_key]) != columns:
                return None
        return kept

    def files_hold(self) -> bool:
        """Whether every event file is as it was when this table was made."""
        return all(file_signature(path) == sig for path, sig in zip(self.files, self.file_sigs))

    def holding(self, paths: tuple, signatures: tuple) -> dict[int, int]:
        """{index in `paths`: index here} of the runs whose signature and event files are as
        they were when this table was made."""
        at = {path: j for j, path in enumerate(self.paths)}
        holding = {}
        for i, (path, sig) in enumerate(zip(paths, signatures)):
            j = at.get(path)
            if j is None or sig is None or self.signatures[j] != sig:
                continue
            if all(file_signature(file) == file_sig for file, file_sig in zip(*self.run_files(j))):
                holding[i] = j
        return holding

    def run_files(self, j: int) -> tuple[list[str], list[str]]:
        """Run `j`'s event files and their signatures as they were."""
        if self._offsets is None:
            self._offsets = [0]
            for count in self.file_counts:
                self._offsets.append(self._offsets[-1] + count)
        start, end = self._offsets[j], self._offsets[j + 1]
        return self.files[start:end], self.file_sigs[start:end]


def _keep(cache: ScalarCache, key: str, paths: tuple, made: list, raw: TableRows, base: _Kept | None,
          op_compare: dict[tuple, Any]) -> None:
    """Keep `raw`. `made` says where each row came from: a `RunData` (its `row_key` was taken:
    it signs its event files) or an index in `base`. Nothing is kept when a run's rows may move
    on their own (still running or pending)."""
    signatures, files, file_sigs, file_counts = [], [], [], []
    for source in made:
        if isinstance(source, int):
            signatures.append(base.signatures[source])
            run_files, sigs = base.run_files(source)
        else:
            if source.sources_key is None or source.files_sig is None:
                return
            signatures.append(source.sources_key)
            run_files = [dir_path + "/" + name for _prefix, dir_path, names in source.sources for name in names]
            sigs = source.files_sig.split(",") if run_files else []
        files.extend(run_files)
        file_sigs.extend(sigs)
        file_counts.append(len(run_files))
    same_headers = base is not None and base.raw.headers == raw.headers and base.raw.csv is not None
    if same_headers:
        rendered = csv_lines([row for source, row in zip(made, raw.rows) if not isinstance(source, int)])
        fresh = iter(rendered)
        raw.csv = [base.raw.csv[source] if isinstance(source, int) else next(fresh) for source in made]
    else:
        raw.csv = csv_lines(raw.rows)
    kept_ops = [(op_key, repr(columns)) for op_key, columns in op_compare.items()]
    headers, rows, *rest = raw.as_tuple()
    try:
        rows_data = marshal.dumps(rows)
    except ValueError:  # a value marshal cannot keep: no table
        return
    kept_raw = (headers, rows_data, *rest)
    cache.put_table(key, (paths, tuple(signatures), kept_ops, files, file_sigs, file_counts, kept_raw))


class _KeptRows:
    """A kept table's rows, decoded when first read: written as CSV, a kept table is written
    from its rows' CSV text, and 100,000 rows take a while to decode."""

    def __init__(self, data: bytes, count: int):
        self._data = data
        self._count = count
        self._rows: list | None = None

    def _decoded(self) -> list:
        if self._rows is None:
            self._rows = marshal.loads(self._data)
        return self._rows

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):
        return self._decoded()[i]

    def __iter__(self):
        return iter(self._decoded())


def _checksum(paths: tuple[str, ...]) -> str:
    import zlib  # hashlib's import costs more than all of this

    return f"{zlib.crc32(chr(0).join(paths).encode()):08x}"
