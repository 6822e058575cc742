"""Helpers for the run-listing tests: write runs straight into a Guild home in Guild's on-disk
format, so the listing commands are tested without running operations."""

from __future__ import annotations

import os
import uuid

from guild.util import yamlutil

# 2026-11-24 10:00:00 UTC in µs; tests run with TZ=UTC.
T0 = 1795514400_000_000
UTC = {"TZ": "UTC"}


def make_run(home: str, op: str = "train", *, started: int | None = T0, exit_status: int | None = 0,
             label: str | None = None, project: str | None = None, run_id: str | None = None,
             markers: tuple = (), root: str = "runs", proto_op: str | None = None,
             opref: str | None = None, files: dict | None = None, **attrs) -> str:
    """Write a run dir and return its id. `attrs` are extra attributes (flags, tags, marked...)."""
    run_id = run_id or uuid.uuid4().hex
    run_dir = os.path.join(home, root, run_id)
    os.makedirs(os.path.join(run_dir, ".guild", "attrs"))
    project = project or "/nonexistent/project"
    if opref is None:
        opref = f"guildfile:{project}/guild.yml abc '' {op}"
    _write(os.path.join(run_dir, ".guild", "opref"), opref)
    values = dict(id=run_id, started=started, exit_status=exit_status, label=label,
                  initialized=(started or T0) - 1, **attrs)
    for name, val in values.items():
        if val is not None:
            _write(os.path.join(run_dir, ".guild", "attrs", name), yamlutil.dump_attr(val))
    for marker in markers:
        _write(os.path.join(run_dir, ".guild", marker), "")
    if proto_op:
        proto = os.path.join(run_dir, ".guild", "proto", ".guild")
        os.makedirs(os.path.join(proto, "attrs"))
        _write(os.path.join(proto, "opref"), f"guildfile:{project}/guild.yml abc '' {proto_op}")
    for rel, text in (files or {}).items():
        path = os.path.join(run_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write(path, text)
    return run_id


def make_runs(home: str, n: int, op: str = "op", **kw) -> list[str]:
    """n runs started one second apart; returned newest first."""
    ids = [make_run(home, op, started=T0 + i * 1_000_000, label=f"n={i}", **kw) for i in range(n)]
    return list(reversed(ids))


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)
