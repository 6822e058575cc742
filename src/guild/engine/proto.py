"""`guild run --proto RUN`: a new run seeded from RUN's operation, flags and source code
(spec §5.10 "Proto")."""

from __future__ import annotations

import os
import shutil

from guild.engine import lifecycle, restart
from guild.engine.options import RunOptions
from guild.engine.run import NewRun
from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from guild.engine.context import RunContext

_COPIED_ATTRS = ("sourcecode_digest", "vcs_commit", "host", "user", "platform", "plugins", "pip_freeze")


def prepare_proto(opts: RunOptions, ctx: RunContext) -> NewRun:
    source = restart.find_run(opts.proto, ctx)
    plan, _ = restart.restart_plan(source, opts, ctx)

    def populate(run: Run) -> None:
        if opts.force_sourcecode and plan.opdef is not None:
            lifecycle.copy_sourcecode(run, plan, ctx)
            return
        _copy_source_files(source, run)
        for name in _COPIED_ATTRS:
            if source.has_attr(name):
                run.write_attr(name, source.get(name))

    return NewRun(plan, opts, ctx, populate, check_needed=False)


def _copy_source_files(source: Run, run: Run) -> None:
    """Copy the files listed as source code (`s` lines) in the source run's manifest."""
    from guild.store import manifest

    manifest.touch(run.path)
    entries = [e for e in manifest.read_entries(source.path) if e and e[0] == "s" and len(e) >= 2]
    for entry in entries:
        rel = entry[1]
        src = os.path.join(source.path, rel)
        dst = os.path.join(run.path, rel)
        if not os.path.realpath(dst).startswith(run.path + os.sep) or not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    manifest.append_entries(run.path, entries)
