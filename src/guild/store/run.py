"""A run directory: id, attrs (atomic YAML files), opref, markers and status (runs.md §2–3)."""

from __future__ import annotations

import os

from guild.errors import RunError
from guild.store import journal
from guild.store.opref import OpRef
from guild.util import files, yamlutil
from guild.util.procs import pid_alive, process_token, token_alive

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterator

_UNSET = object()


class Run:
    """One run directory. Attr reads are cached per instance; writes go straight to disk."""

    def __init__(self, run_id: str, path: str):
        self.id = run_id
        self.path = path
        self._attrs: dict[str, Any] = {}
        self._opref: Any = _UNSET

    def __repr__(self) -> str:
        return f"<Run {self.id}>"

    @classmethod
    def for_dir(cls, path: str) -> "Run":
        path = os.path.abspath(path)
        return cls(os.path.basename(path), path)

    @property
    def short_id(self) -> str:
        return self.id[:8]

    def guild_path(self, *parts: str) -> str:
        return os.path.join(self.path, ".guild", *parts)

    # ---- opref

    @property
    def opref(self) -> OpRef | None:
        if self._opref is _UNSET:
            try:
                with open(self.guild_path("opref"), encoding="utf-8") as f:
                    self._opref = OpRef.parse(f.read())
            except (OSError, ValueError):
                self._opref = None
        return self._opref

    def write_opref(self, opref: OpRef) -> None:
        files.write_atomic(self.guild_path("opref"), opref.encode())
        self._opref = opref
        journal.note_change(self.path, self.id)

    # ---- attrs

    def attr_path(self, name: str) -> str:
        return self.guild_path("attrs", name)

    def get(self, name: str, default: Any = None) -> Any:
        """The attr value, or `default` when missing, null or unreadable."""
        try:
            val = self._attrs[name]
        except KeyError:
            val = self._attrs[name] = self._read_attr(name)
        return default if val is None else val

    def _read_attr(self, name: str) -> Any:
        try:
            data = _read_bytes(self.attr_path(name))
        except (OSError, ValueError):
            return None
        value = decode_attr(data)
        if value is BAD_ATTR:
            from guild.util.log import warning

            warning(f"error reading attribute '{name}' of run {self.id}: invalid YAML")
            return None
        return value

    def has_attr(self, name: str) -> bool:
        return os.path.exists(self.attr_path(name))

    def write_attr(self, name: str, value: Any) -> None:
        try:
            os.makedirs(self.guild_path("attrs"), exist_ok=True)
            files.write_atomic(self.attr_path(name), yamlutil.dump_attr(value))
        except OSError as e:
            raise _attr_error("writing", name, self.id, e) from None
        self._attrs[name] = value
        journal.note_change(self.path, self.id)

    def del_attr(self, name: str) -> None:
        try:
            files.remove_if_exists(self.attr_path(name))
        except OSError as e:
            raise _attr_error("deleting", name, self.id, e) from None
        self._attrs.pop(name, None)
        journal.note_change(self.path, self.id)

    def attr_names(self) -> list[str]:
        try:
            return sorted(n for n in os.listdir(self.guild_path("attrs")) if not n.startswith(".tmp-"))
        except OSError:
            return []

    def clear_cache(self) -> None:
        self._attrs.clear()
        self._opref = _UNSET

    # ---- markers and status

    def has_marker(self, name: str) -> bool:
        return os.path.exists(self.guild_path(name))

    def set_marker(self, name: str, on: bool = True, content: str = "") -> None:
        if on:
            files.write_atomic(self.guild_path(name), content)
        else:
            files.remove_if_exists(self.guild_path(name))
        journal.note_change(self.path, self.id)

    def mark_pending(self, owned: bool = True) -> None:
        """Set the PENDING marker, naming this process as the one making the run (`owned`), or
        no process: pending until someone starts it (trials left by a batch)."""
        self.set_marker("PENDING", content=process_token() if owned else "")

    def _pending_owner(self) -> str | None:
        """The PENDING marker's process token ("" for none), or None when there is no marker."""
        try:
            with open(self.guild_path("PENDING"), "rb") as f:
                return f.read(100).decode("ascii", "replace").strip()
        except FileNotFoundError:
            return None
        except OSError:
            return ""

    @property
    def pid(self) -> int | None:
        try:
            with open(self.guild_path("LOCK")) as f:
                return int(f.read(10))
        except (OSError, ValueError):
            return None

    @property
    def remote(self) -> str | None:
        try:
            with open(self.guild_path("LOCK.remote")) as f:
                return f.read().strip()
        except OSError:
            return None

    @property
    def status(self) -> str:
        if self.has_marker("LOCK.remote"):
            return "running"
        pending = self._pending_owner()
        if pending is not None:
            # Being made by a process that is gone (killed before the run could start): it
            # never will start.
            return "terminated" if pending and not token_alive(pending) else "pending"
        if self.has_marker("STAGED"):
            return "staged"
        exit_status = self.get("exit_status")
        if isinstance(exit_status, int):
            if exit_status == 0:
                return "completed"
            return "terminated" if exit_status < 0 else "error"
        pid = self.pid
        return "running" if pid is not None and pid_alive(pid) else "error"

    @property
    def status_moves(self) -> bool:
        """Whether the status can change with no write to the run: it is running, or pending
        for a live process (a pending run that names no process stays pending)."""
        status = self.status
        return status == "running" or (status == "pending" and bool(self._pending_owner()))

    @property
    def timestamp(self) -> int | None:
        """`started` if set, else `initialized` (µs) — the sort key of every run list."""
        ts = self.get("started") or self.get("initialized")
        return ts if isinstance(ts, int) else None

    # ---- batch proto and files

    @property
    def batch_proto(self) -> "Run | None":
        path = self.guild_path("proto")
        if os.path.exists(os.path.join(path, ".guild", "opref")):
            return Run("proto", path)
        return None

    def iter_files(self) -> Iterator[str]:
        """Relative paths of every file under the run dir (links not followed)."""
        for root, dirs, names in os.walk(self.path):
            for name in names:
                yield os.path.relpath(os.path.join(root, name), self.path)

    def delete(self) -> None:
        import shutil

        shutil.rmtree(self.path)
        journal.note_change(self.path, self.id)


def _read_bytes(path: str) -> bytes:
    """A whole file with os.open/os.read: about half the cost of open().read() for the tiny
    attr files a listing reads by the thousand."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


BAD_ATTR = object()  # what decode_attr gives for a file that is not YAML


def decode_attr(data: bytes) -> Any:
    """The value an attr file's bytes hold, or BAD_ATTR."""
    fast = _simple_scalar(data)
    if fast is not _UNSET:
        return fast
    try:
        return yamlutil.load_attr(data)
    except Exception:
        return BAD_ATTR


_SIMPLE = {b"true": True, b"false": False, b"null": None, b"~": None, b"": None}


# YAML 1.1 words a plain scalar starting with a letter could still resolve to (bool/null).
_YAML_WORDS = frozenset(
    b"y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF "
    b"null Null NULL".split())
_PLAIN_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _simple_scalar(data: bytes) -> Any:
    """The value of an attr file holding a plain int, bool, null or simple one-line string,
    without the YAML parser (listing thousands of runs reads mostly such files); `_UNSET` for
    anything else."""
    text = data.strip()
    if text in _SIMPLE:
        return _SIMPLE[text]
    digits = text[1:] if text[:1] == b"-" else text
    if digits.isdigit() and (digits == b"0" or digits[:1] != b"0"):
        return int(text)
    if _is_plain_string(text):
        return text.decode("ascii")
    return _UNSET


def _is_plain_string(text: bytes) -> bool:
    """A one-line printable-ASCII plain scalar that YAML reads as exactly this string: starts with
    a letter (so no number, timestamp or indicator), no `: `/` #`/trailing `:`, not a bool word."""
    if not text or text[0] not in _PLAIN_START or text in _YAML_WORDS:
        return False
    if not text.isascii() or not text.decode("ascii").isprintable():
        return False
    return b": " not in text and b" #" not in text and not text.endswith(b":")


# A new run dir is made under this prefix and renamed into place once it has its opref and
# attrs, so a process killed while making it leaves a hidden leftover, not a half-made run.
INCOMPLETE_PREFIX = ".incomplete-"


def incomplete_path(run_dir: str) -> str:
    """Where the run dir `run_dir` is made before it is renamed into place."""
    return os.path.join(os.path.dirname(run_dir), INCOMPLETE_PREFIX + os.path.basename(run_dir))


def incomplete_dirs(parent: str) -> list[str]:
    """Leftovers of runs never finished being made under `parent`: `.incomplete-*` dirs, and
    dirs with a `.guild` dir but no opref (made by versions that did not rename into place)."""
    found = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name.startswith(INCOMPLETE_PREFIX) or (
                os.path.isdir(os.path.join(entry.path, ".guild")) and not is_run_dir(entry.path)):
            found.append(entry.path)
    return sorted(found)


def is_run_dir(path: str) -> bool:
    """A directory counts as a run only if it has `.guild/opref` (runs.md §1.2)."""
    return os.path.exists(os.path.join(path, ".guild", "opref"))


def iter_runs(parent: str) -> Iterator[Run]:
    """The runs directly under `parent` (e.g. `<home>/runs`), in directory-listing order."""
    try:
        entries = os.scandir(parent)
    except OSError:
        return
    with entries:
        for entry in entries:
            if is_run_dir(entry.path):
                yield Run(entry.name, entry.path)


def sorted_runs(runs: list[Run]) -> list[Run]:
    """Newest first by timestamp; runs without one go last; ties keep listing order."""
    with_ts = [(r.timestamp, i, r) for i, r in enumerate(runs)]
    with_ts.sort(key=lambda t: (t[0] is None, -(t[0] or 0), t[1]))
    return [r for _, _, r in with_ts]


def _attr_error(verb: str, name: str, run_id: str, e: OSError) -> RunError:
    return RunError(f"error {verb} attribute '{name}' of run {run_id}: {e.strerror or e}")
