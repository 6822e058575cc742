"""`guild run --proto RUN`: a new run seeded from RUN's operation, flags and source code
(spec §5.10 "Proto")."""

from __future__ import annotations

import os
import shutil

from guild.engine import lifecycle, restart
from guild.engine.options import RunOptions
from guild.store import home as home_mod
from guild.store.run import Run

_COPIED_ATTRS = ("sourcecode_digest", "vcs_commit", "host", "user", "platform", "plugins", "pip_freeze")


def run_proto(opts: RunOptions, confirm=None, *, extra_env: dict[str, str] | None = None) -> int:
    from guild.engine import run as run_mod

    source = restart.find_run(opts.proto)
    plan, _ = restart.restart_plan(source, opts)
    text = run_mod.prompt_text("run", plan.op_desc, plan.flags, plan.flagdefs)
    if not run_mod.confirm_or_exit(opts, confirm, text):
        return 0
    run_dir = os.path.abspath(opts.run_dir) if opts.run_dir else os.path.join(
        home_mod.runs_dir(), lifecycle.new_run_id()
    )
    run = lifecycle.init_run_dir(run_dir)
    try:
        seed = opts.random_seed if opts.random_seed is not None else lifecycle.new_random_seed()
        lifecycle.write_init_attrs(run, plan, opts, new=True, random_seed=seed)
        if opts.force_sourcecode and plan.opdef is not None:
            lifecycle.copy_sourcecode(run, plan)
        else:
            _copy_source_files(source, run)
            for name in _COPIED_ATTRS:
                if source.has_attr(name):
                    run.write_attr(name, source.get(name))
        lifecycle.resolve_deps(run, plan, opts, for_stage=opts.stage)
    except BaseException:
        run.set_marker("PENDING", False)
        raise
    lifecycle.finish_init(run)
    cmd_dir = os.getcwd()
    if opts.stage:
        lifecycle.stage(run, plan, opts, cmd_dir)
        run_mod._print_staged(run, plan, opts)
        return 0
    return run_mod.start_run(run, plan, opts, cmd_dir, extra_env)


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
