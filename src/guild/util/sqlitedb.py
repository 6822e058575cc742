"""SQLite cache databases under a Guild home's `cache/`: opened in WAL mode with a busy timeout,
rebuilt (with a one-line warning) when the file is damaged, and never an error for the user:
a cache that cannot be used is simply not used.

A cache database holds nothing that cannot be made again from run directories."""

from __future__ import annotations

import os

from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    import sqlite3
    from typing import Callable

BUSY_TIMEOUT_S = 10.0


def open_cache_db(path: str, schema: str, version: int, what: str) -> "sqlite3.Connection | None":
    """A connection to the cache database at `path` with `schema` applied, or None when it cannot
    be had (an unwritable cache dir, a database locked for longer than the busy timeout). A
    damaged file, or one of another `version`, is deleted and made again."""
    import sqlite3

    for attempt in (1, 2):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error):
            return None
        try:
            _prepare(conn, schema, version)
            return conn
        except _OtherVersion:
            conn.close()
            remove_db(path)  # made by another version of guild: made again, quietly
        except sqlite3.DatabaseError as e:
            conn.close()
            if attempt == 2 or not _is_damage(e):
                log.debug(f"cannot use {what} at {path}: {e}")
                return None
            log.warning(f"{what} at {path} is damaged ({e}) - rebuilding it")
            remove_db(path)
    return None


class _OtherVersion(Exception):
    pass


def _prepare(conn, schema: str, version: int) -> None:
    import sqlite3

    conn.execute("PRAGMA busy_timeout = %d" % int(BUSY_TIMEOUT_S * 1000))
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if not mode or str(mode[0]).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot use WAL mode (got {mode and mode[0]})")
    conn.execute("PRAGMA synchronous = NORMAL")
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current not in (0, version):
        raise _OtherVersion(current)
    if current == 0:
        with transaction(conn):
            for statement in _statements(schema):
                conn.execute(statement)
            conn.execute("PRAGMA user_version = %d" % version)
    # A garbage file passes connect(); the first real read finds it out.
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _statements(schema: str) -> list[str]:
    return [s.strip() for s in schema.split(";") if s.strip()]


def _is_damage(e: Exception) -> bool:
    text = str(e).lower()
    return any(word in text for word in ("not a database", "malformed", "corrupt", "disk image", "encrypted"))


class transaction:
    """`with transaction(conn):` BEGIN IMMEDIATE ... COMMIT, ROLLBACK on an exception."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            try:
                self.conn.execute("ROLLBACK")
            except Exception:
                pass
        return False


def try_write(conn, fn: "Callable[[sqlite3.Connection], None]", what: str) -> bool:
    """Run `fn(conn)` in a write transaction; False (logged at debug level) when the database
    stays locked past the busy timeout or fails: the cache is then left as it was."""
    import sqlite3

    try:
        with transaction(conn):
            fn(conn)
        return True
    except sqlite3.Error as e:
        log.debug(f"cannot update {what}: {e}")
        return False


def remove_db(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except OSError:
            pass


def chunks(items: list, size: int = 500):
    """`items` in lists of at most `size`: each small enough for one `IN (...)` of a query."""
    for i in range(0, len(items), size):
        yield items[i:i + size]
