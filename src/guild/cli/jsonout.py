"""JSON output of the `guild api` commands: how runs, oprefs and flags are written, and the
printing (`-f` for indented, key-sorted JSON)."""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.store.run import Run

FORMAT_OPT_HELP = "Format the JSON output."


def write(data: Any, formatted: bool) -> None:
    text = json.dumps(data, indent=2 if formatted else None, sort_keys=True)
    sys.stdout.write(text + "\n")


def opref(ref) -> dict | None:
    if ref is None:
        return None
    return {"modelName": ref.model_name, "opName": ref.op_name, "pkgName": ref.pkg_name,
            "pkgType": ref.pkg_type, "pkgVersion": ref.pkg_version}


def run_summary(run: Run) -> dict:
    """A run's identity and state (dates formatted as `guild runs` shows them)."""
    from guild.store.describe import op_parts
    from guild.util import clock

    operation, project = op_parts(run)
    return {
        "dir": run.path, "id": run.id, "label": run.get("label") or "", "opRef": opref(run.opref),
        "operation": operation, "projectDir": project, "shortId": run.short_id,
        "started": clock.format_timestamp(run.get("started")), "status": run.status,
        "stopped": clock.format_timestamp(run.get("stopped")),
    }


def run_detail(run: Run) -> dict:
    """Everything `guild api runs` shows of a run."""
    from guild.api import run_scalars
    from guild.store.describe import op_parts
    from guild.store.manifest import read_entries
    from guild.util.text import shell_join

    operation, project = op_parts(run)
    cmd = run.get("cmd")
    sourcecode = sorted(e[1] for e in read_entries(run.path) if len(e) > 1 and e[0] == "s")
    return {
        "command": shell_join([str(a) for a in cmd]) if isinstance(cmd, list) else "",
        "comments": _list(run.get("comments")),
        "deps": _deps(run.get("deps")),
        "dir": run.path,
        "env": run.get("env") or {},
        "exitStatus": run.get("exit_status"),
        "files": _files(run),
        "flags": run.get("flags") or {},
        "id": run.id,
        "label": run.get("label") or "",
        "marked": run.get("marked") is True,
        "opRef": opref(run.opref),
        "operation": operation,
        "otherAttrs": run.get("opdef_attrs") or {},
        "projectDir": project,
        "scalars": [_scalar(s) for s in run_scalars(run)],
        "shortId": run.short_id,
        "sourcecode": {"files": sourcecode, "root": _sourcecode_root(run)},
        "started": run.get("started"),
        "status": run.status,
        "stopped": run.get("stopped"),
        "tags": _list(run.get("tags")),
    }


def _list(val: Any) -> list:
    return val if isinstance(val, list) else []


def _deps(val: Any) -> list:
    if not isinstance(val, dict):
        return []
    out = []
    for resource, sources in sorted(val.items()):
        for source, entry in sorted((sources or {}).items()):
            paths = entry.get("paths") if isinstance(entry, dict) else None
            out.append({"resource": resource, "source": source, "paths": paths or []})
    return out


def _files(run: Run) -> list[dict]:
    files = []
    for root, dirs, names in os.walk(run.path):
        if root == run.path:
            dirs[:] = [d for d in dirs if d != ".guild"]
        for name in names:
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            files.append({"mtime": int(st.st_mtime * 1_000_000), "operation": None,
                          "path": os.path.relpath(path, run.path), "run": None, "size": st.st_size})
    return sorted(files, key=lambda f: f["path"])


def _sourcecode_root(run: Run) -> str:
    from guild.store.describe import sourcecode_dest

    return sourcecode_dest(run)


def _scalar(s) -> dict:
    return {"prefix": s.prefix, "tag": s.tag, "firstStep": s.first_step, "firstVal": s.first_val,
            "lastStep": s.last_step, "lastVal": s.last_val, "minStep": s.min_step, "minVal": s.min_val,
            "maxStep": s.max_step, "maxVal": s.max_val, "avgVal": s.avg_val, "total": s.total,
            "count": s.count}
