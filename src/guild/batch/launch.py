"""Preparing any `guild run` request (`prepare`): a batch (`guild.batch.prepared`) when its flags
or options ask for one, else a single run (`guild.engine.run`), a restart or a `--proto` run."""

from __future__ import annotations

from guild.engine import plan as plan_mod, run as run_mod

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext
    from guild.engine.options import RunOptions
    from guild.engine.run import Prepared


def prepare(opts: RunOptions, ctx: RunContext) -> Prepared:
    """Check and plan a `guild run` request (nothing is written until `start()`)."""
    run_mod.check_options(opts)
    if opts.executor:
        from guild.executors import select

        select.check(opts.executor)
    if opts.restart:
        from guild.engine import restart as restart_mod

        run = restart_mod.find_run(opts.restart, ctx)
        restart_mod.check_restartable(run)
        if run.batch_proto is not None:
            from guild.batch.prepared import BatchRestart

            return BatchRestart(run, opts, ctx)
        return restart_mod.prepare_restart(run, opts, ctx)
    if opts.proto:
        from guild.engine import proto

        return proto.prepare_proto(opts, ctx)
    opdef = plan_mod.load_opdef(opts.opspec, ctx)
    user_flags, batch_files = plan_mod.decode_user_flags(opts.flags, opdef.flags)
    flags, resources = plan_mod.plan_flags(opdef, user_flags, opts, ctx, force=bool(batch_files))
    if _is_batch(opts, opdef, flags, batch_files):
        from guild.batch.prepared import prepare_batch

        return prepare_batch(opts, opdef, user_flags, flags, resources, batch_files, ctx)
    return run_mod.prepare_new(opts, opdef, user_flags, flags, resources, ctx)


def _is_batch(opts: RunOptions, opdef, flags: dict[str, Any], batch_files: list[str]) -> bool:
    if opts.optimizer or opts.optimize or batch_files:
        return True
    if opdef.is_pipeline:
        return False
    from guild.flags import search

    return any(search.is_batch_value(v, opdef.flags.get(n)) for n, v in flags.items())
