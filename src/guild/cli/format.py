"""How runs are shown: the operation description (runs.md §4.1), the formatted run fields (§4.2)
and plain tables (§4.4). Every command that prints runs uses these."""

from __future__ import annotations

import os
import sys

from guild.store.run import Run
from guild.util import clock, files

# The `-v` detail keys and the head of `runs info`, in order (runs.md §5, §10).
DETAIL_KEYS = ("id", "operation", "from", "status", "started", "stopped", "marked", "label",
               "sourcecode_digest", "vcs_commit", "run_dir", "command", "exit_status", "pid")


def op_desc(run: Run, cwd: str | None = None, with_suffixes: bool = True) -> str:
    """The operation as `runs list` shows it: base + batch form, then ` (<dir>)` and ` [marked]`."""
    from guild.store.describe import op_parts

    desc, pdir = op_parts(run)
    if not with_suffixes:
        return desc
    suffix = _dir_from(pdir, cwd or _cwd()) if pdir else ""
    if suffix:
        desc += f" ({suffix})"
    if run.get("marked") is True:
        desc += " [marked]"
    return desc




def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"


def _dir_from(pdir: str, cwd: str) -> str:
    pdir = os.path.normpath(pdir)
    if pdir == cwd:
        return ""
    if _is_under(pdir, cwd):
        return files.shorten_path(os.path.relpath(pdir, cwd))
    parent = os.path.dirname(cwd)
    if pdir == parent:
        return "../"
    if _is_under(pdir, parent):
        return files.shorten_path("../" + os.path.relpath(pdir, parent))
    return files.shorten_path(files.tilde_path(pdir))


def _is_under(path: str, parent: str) -> bool:
    if parent == "/":
        return path.startswith("/") and path != "/"
    return path.startswith(parent + "/")


def index_field(run: Run, index: int | None) -> str:
    return f"[{index}:{run.short_id}]" if index is not None else f"[{run.short_id}]"


def status_with_remote(run: Run) -> str:
    status = run.status
    if status == "running":
        remote = run.remote
        if remote:
            return f"running ({remote})"
    return status


def label_field(run: Run) -> str:
    label = run.get("label")
    return "" if label is None else str(label)


def from_field(run: Run) -> str:
    from guild.store.describe import from_desc

    return from_desc(run)


def command_field(run: Run) -> str:
    cmd = run.get("cmd")
    if not isinstance(cmd, list):
        return "" if cmd is None else str(cmd)
    return " ".join(f'"{a}"' if (a == "" or " " in str(a)) else str(a) for a in cmd)


def _int_or_blank(val) -> str:
    return str(val) if isinstance(val, int) and not isinstance(val, bool) else ""


def run_fields(run: Run, index: int | None = None) -> dict[str, str]:
    """Every formatted field of runs.md §4.2, as strings."""
    opref = run.opref
    started = run.get("started")
    stopped = run.get("stopped")
    pid = run.pid
    started_i = started if isinstance(started, int) else None
    stopped_i = stopped if isinstance(stopped, int) else None
    return {
        "id": run.id,
        "short_id": run.short_id,
        "index": index_field(run, index),
        "num_index": f"[{index}]" if index is not None else "[?]",
        "short_index": f"[{run.short_id}]",
        "operation": op_desc(run, with_suffixes=False),
        "op_name": opref.op_name if opref else "",
        "model": opref.model_name if opref else "",
        "pkg_name": opref.pkg_name if opref else "",
        "from": from_field(run),
        "status": run.status,
        "status_with_remote": status_with_remote(run),
        "started": clock.format_timestamp(started_i),
        "stopped": clock.format_timestamp(stopped_i),
        "duration": _duration(run, started_i, stopped_i),
        "label": label_field(run),
        "marked": "yes" if run.get("marked") is True else "no",
        "sourcecode_digest": _str_or_blank(run.get("sourcecode_digest")),
        "vcs_commit": _str_or_blank(run.get("vcs_commit")),
        "run_dir": files.tilde_path(run.path),
        "command": command_field(run),
        "exit_status": _int_or_blank(run.get("exit_status")),
        "pid": "" if pid is None else str(pid),
    }


def _str_or_blank(val) -> str:
    return "" if val is None else str(val)


def _duration(run: Run, started: int | None, stopped: int | None) -> str:
    if started is None:
        return ""
    if stopped is None and run.status != "running":
        return ""
    return clock.format_duration(started, stopped)


def run_row(run: Run, index: int | None, simplified: bool = False) -> list[str]:
    """A `runs list` row: `index op_desc started status label` (`-s`: num_index, no started)."""
    if simplified:
        num = f"[{index}]" if index is not None else "[?]"
        return [num, op_desc(run), status_with_remote(run), label_field(run)]
    started = run.get("started")
    return [index_field(run, index), op_desc(run),
            clock.format_timestamp(started),
            status_with_remote(run), label_field(run)]


def preview_row(run: Run) -> list[str]:
    """A confirm-preview row: `short_index op_desc started status label` (runs.md §11.1)."""
    started = run.get("started")
    return [f"[{run.short_id}]", op_desc(run),
            clock.format_timestamp(started),
            status_with_remote(run), label_field(run)]


def _widths(rows: list[list[str]]) -> list[int]:
    widths = [0] * max(len(r) for r in rows)
    for row in rows:
        for i, val in enumerate(row[:-1]):
            widths[i] = max(widths[i], len(val))
    return widths


def format_table(rows: list[list[str]]) -> str:
    """Left-aligned columns padded to the widest value + 2; the last column unpadded."""
    if not rows:
        return ""
    widths = _widths(rows)
    lines = []
    for row in rows:
        parts = [val.ljust(widths[i] + 2) for i, val in enumerate(row[:-1])]
        parts.append(row[-1] if row else "")
        lines.append("".join(parts))
    return "\n".join(lines)


def write_table(rows: list[list[str]], out=None, indent: str = "", status_col: int | None = None) -> None:
    """Print a table; on a TTY each line is cut at the terminal width, and the run statuses in
    column `status_col` are coloured (unless NO_COLOR is set)."""
    out = out or sys.stdout
    text = format_table(rows)
    if not text:
        return
    lines = [indent + line for line in text.split("\n")]
    if out.isatty():
        width = terminal_width()
        lines = [line[:width] for line in lines]
        if status_col is not None:
            lines = _status_colours(lines, rows, status_col, len(indent), out)
    out.write("\n".join(lines) + "\n")


def _status_colours(lines: list[str], rows: list[list[str]], col: int, indent: int, out) -> list[str]:
    from guild.util import style

    if not style.enabled(out):
        return lines
    start = indent + sum(w + 2 for w in _widths(rows)[:col])
    painted = []
    for line, row in zip(lines, rows):
        cell = row[col] if col < len(row) else ""
        word = cell.split(" ", 1)[0]
        end = start + len(word)
        name = style.STATUS_STYLES.get(word)
        if name and line[start:end] == word:
            line = line[:start] + style.paint(word, name) + line[end:]
        painted.append(line)
    return painted


def terminal_width() -> int:
    cols = os.environ.get("COLUMNS")
    if cols and cols.isdigit():
        return int(cols)
    import shutil

    return shutil.get_terminal_size().columns
