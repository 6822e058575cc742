"""Test helper: write run directories directly (attrs, opref, event files) so the compare and
tensorboard tests do not depend on `guild run`."""

from __future__ import annotations

import os

from guild.scalars.events import EventWriter
from guild.util import yamlutil

BASE_US = 1795478400_000000  # 2026-11-24 00:00:00 UTC


def make_run(home: str, run_id: str, op: str = "train", *, guildfile: str = "/nowhere/guild.yml",
             started: int = 0, duration: int = 1, flags: dict | None = None, label: str | None = None,
             exit_status: int | None = 0, scalars: dict | None = None, text_attrs: dict | None = None,
             attrs: dict | None = None, marked: bool = False, batch: bool = False) -> str:
    """A run under `<home>/runs`. `started`/`duration` in seconds from BASE_US; `scalars` maps a
    subdir of the run ('.guild', 'logs', ...) to [(tag, value, step), ...]."""
    path = os.path.join(home, "runs", run_id)
    gdir = os.path.join(path, ".guild")
    os.makedirs(os.path.join(gdir, "attrs"))
    with open(os.path.join(gdir, "opref"), "w") as f:
        f.write(f"guildfile:{guildfile} abc123 '' {op}\n")
    start_us = BASE_US + started * 1_000_000
    values = {"id": run_id, "initialized": start_us, "started": start_us,
              "flags": flags or {}}
    if exit_status is not None:
        values["exit_status"] = exit_status
        values["stopped"] = start_us + duration * 1_000_000
    if label is not None:
        values["label"] = label
    if marked:
        values["marked"] = True
    values.update(attrs or {})
    for name, val in values.items():
        with open(os.path.join(gdir, "attrs", name), "w") as f:
            f.write(yamlutil.dump_attr(val))
    for subdir, items in (scalars or {}).items():
        w = EventWriter(os.path.join(path, subdir))
        for tag, val, step in items:
            w.add_scalar(tag, val, step, wall_time=start_us / 1e6)
        w.close()
    if text_attrs:
        w = EventWriter(gdir, ".attrs")
        for name, text in text_attrs.items():
            w.add_text(name, text)
        w.close()
    if batch:
        proto = os.path.join(gdir, "proto", ".guild")
        os.makedirs(proto)
        with open(os.path.join(proto, "opref"), "w") as f:
            f.write(f"guildfile:{guildfile} abc123 '' {op}\n")
    return path
