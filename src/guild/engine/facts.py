"""Facts about the environment recorded on a run, gathered in-process and cheaply:
no `pip freeze`, no `uname`/`file` probes, git read from `.git` (runs.md §2.4)."""

from __future__ import annotations

import os
import struct
import sys


def host() -> str:
    return os.environ.get("HOST") or os.uname().nodename


def user() -> str:
    return os.environ.get("USER") or ""


def platform_info() -> dict:
    u = os.uname()
    arch = f"{struct.calcsize('P') * 8}bit" + (" ELF" if sys.platform.startswith("linux") else "")
    return {
        "architecture": arch,
        "cpus": os.cpu_count() or 1,
        "processor": "",
        "python_version": sys.version,
        "uname": f"{u.sysname} {u.nodename} {u.release} {u.version} {u.machine} ",
    }


def pip_freeze() -> list[str]:
    """Installed distributions as `name==version`, read from `*.dist-info` directory names."""
    found: dict[str, str] = {}
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                base = name[: -len(".dist-info")]
                dist, _, version = base.partition("-")
                if dist and version and dist.lower() not in found:
                    found[dist.lower()] = f"{dist}=={version}"
    return sorted(found.values(), key=str.lower)


def vcs_commit(project_dir: str) -> str | None:
    """`git:<sha>` (+ `*` when the work tree has changes) for a project in a git work tree."""
    git_dir = _find_git_dir(project_dir)
    if not git_dir:
        return None
    sha = _head_sha(git_dir)
    if not sha:
        return None
    import subprocess

    try:
        out = subprocess.run(
            ["git", "status", "-s"], cwd=project_dir, capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    return f"git:{sha}" + ("*" if out.strip() else "")


def _find_git_dir(path: str) -> str | None:
    cur = os.path.abspath(path)
    while True:
        candidate = os.path.join(cur, ".git")
        if os.path.isdir(candidate):
            return candidate
        if os.path.isfile(candidate):
            with open(candidate) as f:
                text = f.read().strip()
            if text.startswith("gitdir:"):
                return os.path.join(cur, text[len("gitdir:"):].strip())
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def _head_sha(git_dir: str) -> str | None:
    try:
        with open(os.path.join(git_dir, "HEAD")) as f:
            head = f.read().strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head[4:].strip()
    try:
        with open(os.path.join(git_dir, ref)) as f:
            return f.read().strip()
    except OSError:
        pass
    try:
        with open(os.path.join(git_dir, "packed-refs")) as f:
            for line in f:
                parts = line.strip().split(" ", 1)
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        pass
    return None
