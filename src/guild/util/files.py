"""File helpers: atomic writes, safe reads, path display."""

from __future__ import annotations

import itertools
import os

_tmp_ids = itertools.count(1)  # next() is atomic: threads writing at once get their own names


def write_atomic(path: str, data: str | bytes) -> None:
    """Write `data` to `path` through a temp file in the same dir and a rename.

    The temp name is made from the pid and a counter (no `tempfile` import on the run path);
    O_EXCL makes a clash an error rather than a shared file."""
    dirname = os.path.dirname(path) or "."
    tmp = os.path.join(dirname, f".tmp-{os.getpid()}-{next(_tmp_ids)}-{os.path.basename(path)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(data if isinstance(data, bytes) else data.encode("utf-8"))
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def escapes(rel_path: str) -> bool:
    """True if the relative path `rel_path` leads outside the directory it is relative to."""
    norm = os.path.normpath(rel_path)
    return os.path.isabs(rel_path) or norm == ".." or norm.startswith(".." + os.sep)


def touch(path: str) -> None:
    with open(path, "a"):
        pass


def remove_if_exists(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def tilde_path(path: str) -> str:
    """`path` with the user's home directory shown as `~`."""
    home = os.path.expanduser("~")
    if home not in ("", "/") and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path


def shorten_path(path: str, max_len: int = 28) -> str:
    """Shorten a path with `…` as runs.md §4.1 describes."""
    if len(path) <= max_len:
        return path
    parts = path.split("/")
    if path.startswith("/"):
        parts = ["/" + parts[1]] + parts[2:] if len(parts) > 1 else parts
        relative = False
    else:
        relative = True
    if len(parts) < 2:
        return path
    right = [parts[-1]]
    left: list[str] = []
    middle = parts[:-1]
    if relative:
        left.append(middle.pop(0))

    def size() -> int:
        return sum(len(p) + 1 for p in left + right)

    # Relative paths grow from the right first, absolute ones from the left.
    take_right = relative
    while middle:
        nxt = middle[-1] if take_right else middle[0]
        if size() + len(nxt) + 1 >= max_len:
            break
        if take_right:
            right.insert(0, middle.pop())
        else:
            left.append(middle.pop(0))
        take_right = not take_right
    if not middle:
        return path
    result = "/".join(left + ["…"] + right)
    return result if len(result) < len(path) else path


def list_dir(path: str) -> list[str]:
    """The names in directory `path`, or [] when it cannot be listed (missing, not a dir)."""
    try:
        return os.listdir(path)
    except OSError:
        return []
