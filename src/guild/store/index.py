"""The run index: what listing, filtering, sorting, `select` and `compare` read of each run, kept
in `<GUILD_HOME>/cache/runs-index.db` (SQLite, WAL) so a listing need not open every run.

Run directories stay the truth; the index is a cache that may be deleted at any time. A run's
entry carries its opref, the attrs in `INDEXED_ATTRS`, its status markers and two signatures:
`quick` (mtimes of `.guild` and `.guild/attrs`: any attr or marker written by renaming, as guild
writes them, changes one) and `files` (mtime and size of each indexed file, for edits made in
place). When it trusts what, from cheapest to safest:

- `load()` lists the runs dir (no stat per run), drops entries of runs that are gone, reads new
  runs and runs the journal (`store.journal`) names as changed by our own writes, re-checks the
  `quick` signature of runs that are running or pending (their status moves on its own), and
  trusts the rest. Listing N runs of 100,000 costs one directory listing and one query.
- `refresh(runs, full=False)` checks the attrs dir's mtime (compare: every compared run, one
  stat each; marker changes by our own writes come through the journal).
- `refresh(runs)` checks both signatures (what a command shows: the listed runs, a run's info).

Runs it gives are `IndexedRun`s: `Run`s that answer from the entry (read only when first asked)
and fall back to the run's files for anything else, or after a write."""

from __future__ import annotations

import functools
import marshal
import os

from guild.store import journal
from guild.store.opref import OpRef
from guild.store.run import _UNSET as _UNSET_OPREF, BAD_ATTR, Run, decode_attr
from guild.util import sqlitedb

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterable

INDEXED_ATTRS = ("started", "initialized", "stopped", "exit_status", "label", "tags", "marked",
                 "flags", "comments", "sourcecode_digest", "compare", "opdef_attrs")
MARKERS = ("STAGED", "PENDING", "LOCK", "LOCK.remote")
_SCHEMA = """
CREATE TABLE runs (
    root TEXT NOT NULL,
    id TEXT NOT NULL,
    quick TEXT NOT NULL,
    files TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (root, id)
) WITHOUT ROWID;
CREATE TABLE roots (
    root TEXT PRIMARY KEY,
    snapshot BLOB NOT NULL
)
"""
_VERSION = 5
_WHAT = "the run index"
_PROGRESS_MIN = 2000  # runs to read before a progress line is worth showing
# `live`: 0 - trusted; 1 - running or pending (its status moves on its own: check its quick
# signature each time); 2 - named by the journal (read again)
_STALE = 2


def for_home(home: str) -> "RunIndex | None":
    """The index of `home`, or None when it cannot be used."""
    index = RunIndex(home)
    return index if index.conn is not None else None


class RunIndex:
    def __init__(self, home: str):
        self.home = home
        self.path = os.path.join(home, "cache", "runs-index.db")
        self.conn = sqlitedb.open_cache_db(self.path, _SCHEMA, _VERSION, _WHAT)
        # root -> {id: (ts, live)} as last loaded
        self._snapshots: dict[str, dict[str, tuple]] = {}
        if self.conn is not None:
            journal.ensure(home)

    # ---- loading

    def load(self, root: str) -> list[Run]:
        """The runs under `root`, newest first (as `store.select.load_runs`)."""
        root = os.path.abspath(root)
        try:
            names = os.listdir(root)
        except OSError:
            return []
        self._take_journal()
        snap = _read_snapshot(self.conn, root)
        to_read = self._to_read(root, names, snap)
        listed = set(names)
        gone = [rid for rid in snap if rid not in listed]
        prefix = root + os.sep
        if not to_read and not gone:
            # The snapshot is kept in listing order: nothing moved, nothing to sort.
            self._snapshots[root] = snap
            return [IndexedRun(rid, prefix + rid, self, row[0], proto=row[2]) for rid, row in snap.items()]
        fresh = self._read_runs(root, to_read) if to_read else {}
        for rid in gone:
            del snap[rid]
        for rid, entry in fresh.items():
            snap[rid] = _snap_row(entry)
        order = _sorted_ids(snap, names)
        self._write(root, fresh, gone, order)
        self._snapshots[root] = {rid: snap[rid] for rid in order}
        return [IndexedRun(rid, prefix + rid, self, snap[rid][0], fresh.get(rid), snap[rid][2]) for rid in order]

    def _to_read(self, root: str, names: list[str], snap: dict[str, tuple]) -> list[str]:
        """Runs to read from their files: new ones, ones the journal names, and live ones (running
        or pending) whose `quick` signature moved."""
        to_read = []
        live = []
        get = snap.get
        for name in names:
            row = get(name)
            if row is None:
                if name[:1] != "." and os.path.exists(os.path.join(root, name, ".guild", "opref")):
                    to_read.append(name)
            elif row[1] == _STALE:
                to_read.append(name)
            elif row[1]:
                live.append(name)
        for name, quick in self._stored(root, live, "quick").items():
            if _quick_sig(os.path.join(root, name)) != quick:
                to_read.append(name)
        return to_read

    def _stored(self, root: str, ids: list[str], column: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in sqlitedb.chunks(ids):
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(
                f"SELECT id, {column} FROM runs WHERE root = ? AND id IN ({marks})", (root, *chunk)))
        return found

    def _take_journal(self) -> None:
        """Entries of runs our own processes changed are marked for reading again (in every
        root), before anything reads them; if that cannot be saved, the journal keeps them."""
        changed = journal.take_changes(self.home)
        if not changed:
            return

        def mark(conn) -> None:
            for (root,) in conn.execute("SELECT root FROM roots").fetchall():
                snap = _read_snapshot(conn, root)
                hits = [rid for rid in changed if rid in snap]
                for rid in hits:
                    snap[rid] = (snap[rid][0], _STALE, snap[rid][2])
                if hits:
                    _write_snapshot(conn, root, snap)

        if not sqlitedb.try_write(self.conn, mark, _WHAT):
            for rid in changed:
                journal.note_change_id(self.home, rid)

    def _read_runs(self, root: str, names: list[str]) -> dict[str, tuple]:
        from guild.util.progress import Progress

        fresh = {}
        with Progress("Indexing runs", len(names), min_total=_PROGRESS_MIN) as progress:
            for name in names:
                entry = read_entry(os.path.join(root, name))
                if entry is not None:
                    fresh[name] = entry
                progress.advance()
        return fresh

    def _write(self, root: str, fresh: dict[str, tuple], gone: list[str], names: list[str] | None = None) -> None:
        """Save new entries and drop gone ones; the root's snapshot is re-read in the same
        transaction (other processes write too) and kept sorted, ties in the order of `names`
        (a listing of `root`) when given."""
        if not fresh and not gone:
            return

        def save(conn) -> None:
            if gone:
                conn.executemany("DELETE FROM runs WHERE root = ? AND id = ?", [(root, rid) for rid in gone])
            conn.executemany(
                "INSERT OR REPLACE INTO runs (root, id, quick, files, data) VALUES (?, ?, ?, ?, ?)",
                [(root, rid, e[2], e[3], e[4]) for rid, e in fresh.items()])
            snap = _read_snapshot(conn, root)  # as it is now: other processes write too
            for rid in gone:
                snap.pop(rid, None)
            for rid, e in fresh.items():
                snap[rid] = _snap_row(e)
            order = _sorted_ids(snap, names if names is not None else list(snap))
            _write_snapshot(conn, root, {rid: snap[rid] for rid in order})

        sqlitedb.try_write(self.conn, save, _WHAT)

    # ---- entries of runs already loaded

    def entry_data(self, run: "IndexedRun") -> tuple | None:
        row = self.conn.execute("SELECT data FROM runs WHERE root = ? AND id = ?",
                                (os.path.dirname(run.path), run.id)).fetchone()
        return _decode(row[0]) if row else None

    def prefetch(self, runs: list[Run]) -> None:
        """Decode the entries of many runs with one query (before filtering all of them)."""
        wanted: dict[str, dict[str, IndexedRun]] = {}
        for run in runs:
            if isinstance(run, IndexedRun) and run._index is self and run._data is None:
                wanted.setdefault(run._root, {})[run.id] = run
        for root, by_id in wanted.items():
            for rid, data in self.conn.execute("SELECT id, data FROM runs WHERE root = ?", (root,)):
                run = by_id.get(rid)
                if run is not None:
                    run._set_data(_decode(data))

    def refresh(self, runs: Iterable[Run], full: bool = True) -> list[Run]:
        """Check the entries of `runs` against their directories (both signatures, or with
        `full=False` the quick one, skipping runs already checked); runs whose entry was stale
        read their files again and have their entries rewritten. Returns those runs."""
        indexed = [r for r in runs if isinstance(r, IndexedRun) and r._index is self
                   and (full or r.checked_signature is None)]
        if not indexed:
            return []
        by_root: dict[str, dict[str, IndexedRun]] = {}
        for run in indexed:
            by_root.setdefault(run._root, {})[run.id] = run
        changed: list[Run] = []
        for root, by_id in by_root.items():
            snap = self._snapshots.get(root, {})
            check = self._check_both if full else self._check_attrs
            fresh: dict[str, tuple] = {}
            for run in check(root, by_id, snap):
                self._reread(run, fresh, changed)
            if fresh:
                self._write(root, fresh, [])
                snap.update((rid, _snap_row(e)) for rid, e in fresh.items())
        return changed

    def _check_both(self, root: str, by_id: dict[str, IndexedRun], snap: dict[str, tuple]) -> list[IndexedRun]:
        """The runs of `by_id` whose entry is stale by either signature (the others are marked
        checked and have their entry decoded: what a command shows is about to be read)."""
        stale = []
        found = set()
        for rid, quick, files, data in self._rows(root, list(by_id), "quick, files, data"):
            run = by_id.get(rid)
            if run is None:
                continue
            found.add(rid)
            if run._data is None:
                run._set_data(_decode(data))
            now = _quick_sig(run.path)
            if now == quick and _files_sig(run.path) == files and snap.get(rid, _TRUSTED)[1] != _STALE:
                run.checked_signature = now
            else:
                stale.append(run)
        stale.extend(run for rid, run in by_id.items() if rid not in found)
        return stale

    def _check_attrs(self, root: str, by_id: dict[str, IndexedRun], snap: dict[str, tuple]) -> list[IndexedRun]:
        """The runs of `by_id` whose attrs dir moved (see the module's docstring). Entries are
        decoded only when asked for: a compare whose table is kept reads none of them."""
        stale = []
        found = set()
        for rid, quick, data in self._rows(root, list(by_id), "quick, data"):
            run = by_id.get(rid)
            if run is None:
                continue
            found.add(rid)
            if quick.endswith(f":{_mtime(run.path + '/.guild/attrs')}") and snap.get(rid, _TRUSTED)[1] != _STALE:
                run.checked_signature = quick
                if run._data is None:
                    run._encoded = data
            else:
                stale.append(run)
        stale.extend(run for rid, run in by_id.items() if rid not in found)
        return stale

    def _rows(self, root: str, ids: list[str], columns: str) -> list[tuple]:
        """(id, *columns) rows of `root` for `ids` (and maybe others: many ids are read fastest
        by reading the whole root)."""
        if len(ids) > 2000:
            return self.conn.execute(f"SELECT id, {columns} FROM runs WHERE root = ?", (root,)).fetchall()
        rows = []
        for chunk in sqlitedb.chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows.extend(self.conn.execute(
                f"SELECT id, {columns} FROM runs WHERE root = ? AND id IN ({marks})", (root, *chunk)))
        return rows

    def _reread(self, run: IndexedRun, fresh: dict[str, tuple], changed: list[Run]) -> None:
        entry = read_entry(run.path)
        if entry is None:  # no longer a run: its files say what is left
            run._detach()
            return
        run._reload(entry)
        run.checked_signature = entry[2]
        fresh[run.id] = entry
        changed.append(run)


_TRUSTED = (None, 0, 0)
_NO_TS = float("inf")  # runs without a timestamp sort last


def _sorted_ids(snap: dict[str, tuple], names: list[str]) -> list[str]:
    """The ids of `snap` as store.run.sorted_runs orders runs: newest first, no timestamp last,
    ties in the order of `names` (a stable sort of the listing; ids not listed go last)."""
    order = [name for name in names if name in snap]
    if len(order) < len(snap):
        listed = set(order)
        order.extend(rid for rid in snap if rid not in listed)
    keys = {rid: (-row[0] if row[0] is not None else _NO_TS) for rid, row in snap.items()}
    order.sort(key=keys.__getitem__)
    return order


def _read_snapshot(conn, root: str) -> dict[str, tuple]:
    """{id: (ts, live, proto)} of the runs indexed under `root` (`proto`: 1 for a batch): one
    row, so a listing reads one value whatever the number of runs."""
    row = conn.execute("SELECT snapshot FROM roots WHERE root = ?", (root,)).fetchone()
    if row is None:
        return {}
    ids, stamps, live, proto = marshal.loads(row[0])
    return {rid: (ts, lv, pr) for rid, ts, lv, pr in zip(ids, stamps, live, proto)}


def _snap_row(entry: tuple) -> tuple:
    """The snapshot's (ts, live, proto) of an entry `read_entry` gave."""
    return entry[0], entry[1], entry[5]


def _write_snapshot(conn, root: str, snap: dict[str, tuple]) -> None:
    ids = tuple(snap)
    stamps = tuple(snap[rid][0] for rid in ids)
    live = bytes(snap[rid][1] for rid in ids)
    proto = bytes(snap[rid][2] for rid in ids)
    conn.execute("INSERT OR REPLACE INTO roots (root, snapshot) VALUES (?, ?)",
                 (root, marshal.dumps((ids, stamps, live, proto))))


# ---- entries


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _quick_sig(run_dir: str) -> str:
    guild = run_dir + "/.guild"
    return f"{_mtime(guild)}:{_mtime(guild + '/attrs')}"


# File times move in clock ticks of a few milliseconds: a write in the same tick as a read
# leaves the same mtime. A run whose dirs changed this recently is checked again next time.
_RECENT_NS = 2_000_000_000


def _is_recent(quick: str) -> bool:
    import time

    newest = max(int(part) for part in quick.split(":"))
    return time.time_ns() - newest < _RECENT_NS


def _file_sig(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}.{st.st_size}"


def _files_sig(run_dir: str) -> str:
    attrs = run_dir + "/.guild/attrs/"
    parts = [_file_sig(run_dir + "/.guild/opref")]
    parts.extend(_file_sig(attrs + name) for name in INDEXED_ATTRS)
    return ",".join(parts)


def read_entry(run_dir: str) -> tuple | None:
    """(ts, live, quick, files, data, proto) of the run at `run_dir`, read from its files; None
    when it is not (or no longer) a run. The quick signature is taken first and each file's signature
    from the open file, so a write that lands while the files are read leaves a signature that
    no longer matches."""
    quick = _quick_sig(run_dir)
    guild = run_dir + "/.guild/"
    opref_sig, opref_raw = _read_with_sig(guild + "opref")
    opref_text: str | None = None
    if opref_raw is None:
        if not os.path.exists(guild + "opref"):
            return None  # no opref: not a run
        opref_sig = _file_sig(guild + "opref")  # there, but not a file that can be read: damaged
    else:
        try:
            opref_text = opref_raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    attrs: dict[str, Any] = {}
    unindexed: list[str] = []
    sigs = [opref_sig]
    for name in INDEXED_ATTRS:
        sig, raw = _read_with_sig(guild + "attrs/" + name)
        sigs.append(sig)
        if raw is None:
            continue
        value = decode_attr(raw)
        if value is BAD_ATTR or not _marshalable(value):
            unindexed.append(name)  # read from the file each time (and warned about there)
        else:
            attrs[name] = value
    markers: dict[str, str] = {}
    for name in MARKERS:
        raw = _read_with_sig(guild + name)[1]
        if raw is not None:
            markers[name] = raw[:100].decode("ascii", "replace").strip()
    ts = attrs.get("started") or attrs.get("initialized")
    ts = ts if isinstance(ts, int) and not isinstance(ts, bool) else None
    live = 1 if _is_live(markers) or _is_recent(quick) else 0
    has_proto = os.path.exists(guild + "proto/.guild/opref")
    data = marshal.dumps((opref_text, attrs, markers, unindexed, has_proto))
    return ts, live, quick, ",".join(sigs), data, int(has_proto)


def _read_with_sig(path: str) -> tuple[str, bytes | None]:
    """(`_file_sig` of the file, its bytes), or ("-", None) when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return "-", None
    try:
        st = os.fstat(fd)
        chunks = [os.read(fd, st.st_size + 1)]
        while len(chunks[-1]) and sum(len(c) for c in chunks) > st.st_size:
            chunk = os.read(fd, 65536)  # grew since fstat
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        return "-", None
    finally:
        os.close(fd)
    return f"{st.st_mtime_ns}.{st.st_size}", b"".join(chunks)


def _is_live(markers: dict[str, str]) -> bool:
    """Whether the run's status can change without a write to it: a process holds it (LOCK
    with a live pid, PENDING with a live owner, a remote LOCK). A LOCK whose process is gone
    stays an error until the run is written to again."""
    from guild.util.procs import pid_alive, token_alive

    if "LOCK.remote" in markers:
        return True
    lock = markers.get("LOCK")
    if lock is not None:
        try:
            if pid_alive(int(lock[:10])):
                return True
        except ValueError:
            pass
    pending = markers.get("PENDING")
    return bool(pending) and token_alive(pending)


def _marshalable(value: Any) -> bool:
    try:
        marshal.dumps(value)
        return True
    except ValueError:
        return False


def _decode(data: bytes) -> tuple:
    return marshal.loads(data)


# ---- runs answered from the index


@functools.lru_cache(maxsize=4096)
def _parse_opref(text: str | None) -> OpRef | None:
    # thousands of runs share a few oprefs (OpRef is immutable)
    if text is None:
        return None
    try:
        return OpRef.parse(text)
    except ValueError:
        return None

_UNSET = object()


class IndexedRun(Run):
    """A Run whose indexed attrs, opref and markers come from its index entry until it is
    written to (then, like any Run, from its files)."""

    def __init__(self, run_id: str, path: str, index: RunIndex, ts: int | None, entry: tuple | None = None,
                 proto: int | None = None):
        # Run.__init__'s fields, set here: a listing makes one of these per run
        self.id = run_id
        self.path = path
        self._attrs: dict[str, Any] = {}
        self._opref = _UNSET_OPREF
        self._root = path[: len(path) - len(run_id) - 1]
        self._index: RunIndex | None = index
        self._ts = ts
        self._proto = proto  # 1 for a batch, as the snapshot says (None: ask the entry)
        # The `.guild` and attrs mtimes, once `RunIndex.refresh` has checked them in this
        # process (a finished run keeps its scalar sources while they hold)
        self.checked_signature: str | None = None
        self._status: str | None = None
        self._data: tuple | None = None
        self._encoded: bytes | None = None  # its entry as the quick check read it, not decoded yet
        if entry is not None:
            self._set_data(_decode(entry[4]))

    def _set_data(self, data: tuple) -> None:
        """Take the decoded entry; its attrs become Run's attr cache."""
        self._data = data
        self._attrs = data[1]
        self._encoded = None

    def _entry(self) -> tuple | None:
        if self._index is None:
            return None
        if self._data is None and self._encoded is not None:
            self._set_data(_decode(self._encoded))
        if self._data is None:
            data = self._index.entry_data(self)
            if data is None:
                self._detach()
                return None
            self._set_data(data)
        return self._data

    def _reload(self, entry: tuple) -> None:
        self._status = None
        self._ts = entry[0]
        self._proto = entry[5]
        self._opref = _UNSET_OPREF
        self._set_data(_decode(entry[4]))

    def _detach(self) -> None:
        """From now on, read the run's files."""
        self.checked_signature = None
        self._index = None
        self._data = None
        self._ts = _UNSET
        self._proto = None
        self._attrs = {}
        self._opref = _UNSET_OPREF

    @property
    def timestamp(self) -> int | None:
        if self._index is not None and self._ts is not _UNSET:
            return self._ts
        return super().timestamp

    @property
    def opref(self) -> OpRef | None:
        data = self._entry()
        if data is None or self._opref is not _UNSET_OPREF:
            return super().opref
        self._opref = _parse_opref(data[0])
        return self._opref

    def _read_attr(self, name: str) -> Any:
        # Indexed attrs the run has are in the attr cache once the entry is read (`_set_data`);
        # those it does not have are None.
        if name in INDEXED_ATTRS:
            data = self._entry()
            if data is not None and name not in data[3]:
                return data[1].get(name)
        return super()._read_attr(name)

    def has_marker(self, name: str) -> bool:
        data = self._entry()
        if data is None or name not in MARKERS:
            return super().has_marker(name)
        return name in data[2]

    def _pending_owner(self) -> str | None:
        data = self._entry()
        if data is None:
            return super()._pending_owner()
        return data[2].get("PENDING")

    @property
    def pid(self) -> int | None:
        data = self._entry()
        if data is None:
            return super().pid
        try:
            return int(data[2]["LOCK"][:10])
        except (KeyError, ValueError):
            return None

    @property
    def remote(self) -> str | None:
        data = self._entry()
        if data is None:
            return super().remote
        return data[2].get("LOCK.remote")

    @property
    def status(self) -> str:
        # asked for several times per run by compare and filters; a live check each time
        # could even disagree with itself
        if self._index is None:
            return super().status
        if self._status is None:
            self._status = super().status
        return self._status

    @property
    def batch_proto(self) -> Run | None:
        if self._proto is not None and self._index is not None:
            return Run("proto", self.guild_path("proto")) if self._proto else None
        data = self._entry()
        if data is None:
            return super().batch_proto
        return Run("proto", self.guild_path("proto")) if data[4] else None

    def write_attr(self, name: str, value: Any) -> None:
        self._detach()
        super().write_attr(name, value)

    def del_attr(self, name: str) -> None:
        self._detach()
        super().del_attr(name)

    def set_marker(self, name: str, on: bool = True, content: str = "") -> None:
        self._detach()
        super().set_marker(name, on, content)

    def write_opref(self, opref: OpRef) -> None:
        self._detach()
        super().write_opref(opref)

    def clear_cache(self) -> None:
        self._detach()
        super().clear_cache()

