"""Event files decoded once: each file's per-tag summary, kept in `<GUILD_HOME>/cache/scalars.db`
(SQLite, WAL) with the offset it was read to, a finished run's scalar sources, a finished
run's compare row (under a key naming everything the row was made from) and the last few whole
compare tables (`scalars.table_cache` says when one holds).

A file's entry is used while its size and mtime are unchanged. A file that grew (a run still
writing) is read on from the offset when its first and last read bytes are as they were, and
from the start otherwise. Nothing here is needed: delete the file and it is made again."""

from __future__ import annotations

import marshal
import os

from guild.scalars import events
from guild.util import sqlitedb

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Iterable

_SCHEMA = """
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    head BLOB NOT NULL,
    tail BLOB NOT NULL,
    acc BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE sources (
    run_dir TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    sources BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE rows (
    run_dir TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE tables (
    key TEXT PRIMARY KEY,
    made REAL NOT NULL,
    value BLOB NOT NULL
)
"""
_VERSION = 6
_WHAT = "the scalar cache"
_EDGE = 16  # bytes kept from the start and from before the offset, to recognize a file
_BULK = 1000  # runs from which preloading reads whole tables instead of row by row
_TABLES = 8  # compare tables kept (the newest)


class ScalarCache:
    def __init__(self, home: str):
        self.path = os.path.join(home, "cache", "scalars.db")
        self.conn = sqlitedb.open_cache_db(self.path, _SCHEMA, _VERSION, _WHAT)
        self._files: dict[str, tuple] = {}  # path -> row (size, mtime, offset, head, tail, acc)
        self._sources: dict[str, tuple[str, list]] = {}  # run_dir -> (key, sources)
        self._rows: dict[str, tuple[str, bytes]] = {}  # run_dir -> (key, marshalled value)
        self._loaded_all = False  # every sources and rows entry is in memory
        self._files_loaded = False  # every files entry is in memory
        self._file_misses = 0
        self._new_files: dict[str, tuple] = {}
        self._new_sources: dict[str, tuple[str, list]] = {}
        self._new_rows: dict[str, tuple[str, bytes]] = {}
        self._new_tables: dict[str, bytes] = {}

    # ---- reading

    def preload(self, run_dirs: Iterable[str]) -> None:
        """Read the entries of many runs at once (compare reads every compared run)."""
        dirs = list(run_dirs)
        if self.conn is None or self._loaded_all or not dirs:
            return
        if len(dirs) >= _BULK:
            # Event files are read only for runs without a cached compare row: on demand.
            self._sources.update((d, (k, marshal.loads(b))) for d, k, b in self.conn.execute("SELECT * FROM sources"))
            self._rows.update((d, (k, v)) for d, k, v in self.conn.execute("SELECT * FROM rows"))
            self._loaded_all = True
            return
        for chunk in sqlitedb.chunks(dirs):
            marks = ",".join("?" * len(chunk))
            self._sources.update((d, (k, marshal.loads(b))) for d, k, b in self.conn.execute(
                f"SELECT * FROM sources WHERE run_dir IN ({marks})", chunk))
            self._rows.update((d, (k, v)) for d, k, v in self.conn.execute(
                f"SELECT * FROM rows WHERE run_dir IN ({marks})", chunk))
        paths = [os.path.join(d, n) for key, srcs in self._sources.values() for _p, d, names in srcs for n in names]
        for chunk in sqlitedb.chunks(paths):
            marks = ",".join("?" * len(chunk))
            self._files.update((r[0], r[1:]) for r in self.conn.execute(
                f"SELECT * FROM files WHERE path IN ({marks})", chunk))

    def sources(self, run_dir: str, key: str | None) -> list:
        """`events.find_sources(run_dir)`, found once for a finished run's `key` (its signature:
        a run that writes again gets a new one); found each time without a key."""
        if key is None or self.conn is None:
            return events.find_sources(run_dir)
        cached = self._source_row(run_dir)
        if cached is not None and cached[0] == key:
            return cached[1]
        found = events.find_sources(run_dir)
        self._sources[run_dir] = self._new_sources[run_dir] = (key, found)
        return found

    def _source_row(self, run_dir: str) -> tuple | None:
        if run_dir in self._sources or self._loaded_all:
            return self._sources.get(run_dir)
        row = self.conn.execute("SELECT key, sources FROM sources WHERE run_dir = ?", (run_dir,)).fetchone()
        self._sources[run_dir] = (row[0], marshal.loads(row[1])) if row else None
        return self._sources[run_dir]

    def file_accs(self, dir_path: str, names: list[str]) -> list[dict[str, list]] | None:
        """Each file's accumulator (`summary.accumulate`), in order; None when a file cannot be
        summarized on its own (a record that does not decode: the caller reads them in one
        pass and warns)."""
        if self.conn is None:
            return None
        accs = []
        for name in names:
            acc = self._file_acc(os.path.join(dir_path, name))
            if acc is None:
                return None
            accs.append(acc)
        return accs

    def _file_acc(self, path: str) -> dict[str, list] | None:
        from guild.scalars.summary import accumulate

        try:
            st = os.stat(path)
        except OSError:
            return {}
        row = self._file_row(path)
        if row is not None and row[0] == st.st_size and row[1] == st.st_mtime_ns:
            return marshal.loads(row[5])
        try:
            with open(path, "rb") as f:
                buf = f.read()
        except OSError:
            return {}
        acc: dict[str, list] = {}
        start = 0
        if row is not None and _continues(buf, row):
            acc, start = marshal.loads(row[5]), row[2]
        offset = start
        try:
            for data, end in events.scan_records(buf, start):
                accumulate(acc, events.record_scalars(data))
                offset = end
        except events.EventDecodeError:
            return None
        entry = (len(buf), st.st_mtime_ns if len(buf) == st.st_size else 0, offset,
                 buf[:_EDGE], buf[max(offset - _EDGE, 0):offset], marshal.dumps(acc))
        self._files[path] = self._new_files[path] = entry
        return acc

    def _file_row(self, path: str) -> tuple | None:
        if path in self._files or self._files_loaded:
            return self._files.get(path)
        self._file_misses += 1
        if self._file_misses > _BULK:  # many: one query for all of them
            self._files.update((r[0], r[1:]) for r in self.conn.execute("SELECT * FROM files"))
            self._files_loaded = True
            return self._files.get(path)
        row = self.conn.execute(
            "SELECT size, mtime, offset, head, tail, acc FROM files WHERE path = ?", (path,)).fetchone()
        self._files[path] = row
        return row

    def files_signature(self, sources: list) -> str:
        """The size and mtime of every event file of `sources` (part of a compare row's key),
        one `file_signature` each, joined by commas."""
        return ",".join([file_signature(dir_path + "/" + name) for _prefix, dir_path, names in sources
                         for name in names])

    def row(self, run_dir: str, key: str):
        """The compare row value cached for `run_dir` under `key`, or None."""
        if self.conn is None:
            return None
        cached = self._rows.get(run_dir) if (run_dir in self._rows or self._loaded_all) else self._row_from_db(run_dir)
        if cached is None or cached[0] != key:
            return None
        return marshal.loads(cached[1])

    def _row_from_db(self, run_dir: str):
        row = self.conn.execute("SELECT key, value FROM rows WHERE run_dir = ?", (run_dir,)).fetchone()
        self._rows[run_dir] = (row[0], row[1]) if row else None
        return self._rows[run_dir]

    def put_row(self, run_dir: str, key: str, value) -> None:
        """Keep a compare row (values that marshal cannot keep are not cached)."""
        if self.conn is None:
            return
        try:
            data = marshal.dumps(value)
        except ValueError:
            return
        self._rows[run_dir] = self._new_rows[run_dir] = (key, data)

    def table(self, key: str):
        """The compare table value kept under `key`, or None."""
        if self.conn is None:
            return None
        row = self.conn.execute("SELECT value FROM tables WHERE key = ?", (key,)).fetchone()
        return marshal.loads(row[0]) if row else None

    def newest_table(self, prefix: str):
        """The value of the newest table kept under a key that starts with `prefix`, or None."""
        if self.conn is None:
            return None
        row = self.conn.execute("SELECT value FROM tables WHERE substr(key, 1, ?) = ? ORDER BY made DESC LIMIT 1",
                                (len(prefix), prefix)).fetchone()
        return marshal.loads(row[0]) if row else None

    def put_table(self, key: str, value) -> None:
        """Keep a compare table (one that marshal cannot keep is not kept)."""
        if self.conn is None:
            return
        try:
            self._new_tables[key] = marshal.dumps(value)
        except ValueError:
            pass

    # ---- writing

    def save(self) -> None:
        """Write what was read since the last save, in one transaction (skipped, to be redone
        another time, when the database stays busy)."""
        if self.conn is None or not (self._new_files or self._new_sources or self._new_rows or self._new_tables):
            return
        files, sources, rows, tables = self._new_files, self._new_sources, self._new_rows, self._new_tables
        self._new_files, self._new_sources, self._new_rows, self._new_tables = {}, {}, {}, {}

        def write(conn) -> None:
            conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(p, *e) for p, e in files.items()])
            conn.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?)",
                             [(d, k, marshal.dumps(s)) for d, (k, s) in sources.items()])
            conn.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                             [(d, k, v) for d, (k, v) in rows.items()])
            if tables:
                import time

                conn.executemany("INSERT OR REPLACE INTO tables VALUES (?, ?, ?)",
                                 [(k, time.time(), v) for k, v in tables.items()])
                conn.execute("DELETE FROM tables WHERE key NOT IN "
                             "(SELECT key FROM tables ORDER BY made DESC LIMIT ?)", (_TABLES,))

        sqlitedb.try_write(self.conn, write, _WHAT)


def file_signature(path: str) -> str:
    """`size.mtime` of the file at `path`, or `-` when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_size}.{st.st_mtime_ns}"


def _continues(buf: bytes, row: tuple) -> bool:
    """Whether `buf` is the file that was read to `row`'s offset, with more written after it."""
    size, _mtime, offset, head, tail, _acc = row
    return (len(buf) > size >= offset and buf[:len(head)] == head
            and buf[max(offset - _EDGE, 0):offset] == tail)


