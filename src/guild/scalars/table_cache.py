"""Whole `guild compare` tables kept between calls (in the scalar cache), so that comparing runs
that did not change reads none of them: one stat of each run's attrs dir (the run index's check)
and one of each of its event files is all it costs.

A table is kept under a key naming its runs (in order), the table's options and the time zone
(cells hold formatted times). It is used while, as when it was made:
- every run's index signature (`checked_signature`) is the same: its attrs, markers and opref
  have not changed, so neither have its operation, status or flags;
- every event file has the same size and mtime: the scalars and logged attributes are the same;
- every operation's `compare:` columns in its guild file are the same.
A selection with a run still running or pending makes no table: its rows move on their own."""

from __future__ import annotations

from guild.scalars.cache import file_signature
from guild.scalars.compare import RunData, TableRows, csv_lines

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.scalars.cache import ScalarCache


def table_key(run_paths: tuple[str, ...], opts_key: str, zone: str) -> str:
    """The key of the table of the runs at `run_paths` (in order) with these options (a checksum
    of the paths: the table keeps them, to be sure)."""
    import zlib  # hashlib's import costs more than all of this

    return f"{zone}|{opts_key}|{len(run_paths)}|{zlib.crc32(chr(0).join(run_paths).encode()):08x}"


def cached_rows(cache: ScalarCache, key: str, run_paths: tuple[str, ...], signatures: tuple,
                op_compare: Callable[[tuple], Any]) -> TableRows | None:
    """The rows kept under `key` while they hold for the runs at `run_paths` with these index
    `signatures` (in order), or None. `op_compare(op_key)` gives an operation's `compare:`
    columns as they are now."""
    value = cache.table(key)
    if value is None:
        return None
    kept_paths, kept_signatures, ops, paths, file_sigs, raw = value
    if kept_paths != run_paths or kept_signatures != signatures:
        return None
    for op_key, columns in ops:
        if repr(op_compare(op_key)) != columns:
            return None
    for path, sig in zip(paths, file_sigs):
        if file_signature(path) != sig:
            return None
    return TableRows(*raw)


def keep_rows(cache: ScalarCache, key: str, run_paths: tuple[str, ...], runs: list[RunData], raw: TableRows,
              ops: dict[tuple, Any]) -> None:
    """Keep `raw`, made from `runs` (at `run_paths`; their `row_key` was taken: it signs their
    event files), with the `compare:` columns of their operations (`ops`: op key -> columns)."""
    signatures = []
    paths: list[str] = []
    file_sigs: list[str] = []
    for rd in runs:
        if rd.sources_key is None or rd.files_sig is None:
            return  # still running or pending
        signatures.append(rd.sources_key)
        files = [dir_path + "/" + name for _prefix, dir_path, names in rd.sources for name in names]
        if files:
            paths.extend(files)
            file_sigs.extend(rd.files_sig.split(","))
    kept_ops = [(op_key, repr(columns)) for op_key, columns in ops.items()]
    raw.csv = csv_lines(raw.rows)
    cache.put_table(key, (run_paths, tuple(signatures), kept_ops, paths, file_sigs, raw.as_tuple()))
