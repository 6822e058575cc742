"""The life of a run directory: init (attrs, source code), stage, start, and finish
(runs.md §2.9, spec §5.4). All writes go through `store.run.Run`."""

from __future__ import annotations

import os

from guild.engine import environ, facts, opconfig, process
from guild.engine.options import RunOptions
from guild.engine.plan import RunPlan
from guild.errors import GuildError
from guild.store import home as home_mod
from guild.store.run import Run
from guild.util import clock, files

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable


def new_run_id() -> str:
    """A uuid4 hex id (version and variant bits set), without importing uuid."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return b.hex()


def new_random_seed() -> int:
    """A random seed in [0, 2**32], as Guild draws them."""
    return int.from_bytes(os.urandom(5), "big") % (2**32 + 1)


def init_run_dir(run_dir: str, run_id: str | None = None) -> Run:
    """Create the run dir with `id` and `initialized` and the PENDING marker."""
    run = Run(run_id or os.path.basename(run_dir), os.path.abspath(run_dir))
    try:
        os.makedirs(run.guild_path("attrs"), exist_ok=True)
    except OSError as e:
        raise GuildError(f"cannot create run directory {run.path}: {e.strerror}") from None
    if not run.has_attr("id"):
        run.write_attr("id", run.id)
    if not run.has_attr("initialized"):
        run.write_attr("initialized", clock.timestamp_us())
    run.set_marker("PENDING")
    run.set_marker("STAGED", False)
    return run


def create_run(run_dir: str, plan: RunPlan, opts: RunOptions,
               populate: Callable[[Run], None] | None = None) -> Run:
    """A new run dir with its init attrs, source code (`populate`, default: copied from the
    project) and resolved deps. A failure leaves it as an `error` run, not `pending`."""
    seed = opts.random_seed if opts.random_seed is not None else new_random_seed()
    run = init_run_dir(run_dir)
    try:
        write_init_attrs(run, plan, opts, new=True, random_seed=seed)
        if populate is None:
            copy_sourcecode(run, plan)
        else:
            populate(run)
        resolve_deps(run, plan, opts, for_stage=opts.stage)
    except BaseException:
        run.set_marker("PENDING", False)
        raise
    finish_init(run)
    return run


def write_init_attrs(run: Run, plan: RunPlan, opts: RunOptions, *, new: bool, random_seed: int) -> None:
    """opref, cmd and the init attributes of runs.md §2.4."""
    run.write_opref(plan.opref)
    run.write_attr("cmd", opconfig.build_cmd(plan.op_config, plan.flags, plan.project_dir))
    if plan.label:
        run.write_attr("label", plan.label)
    elif run.has_attr("label"):
        run.del_attr("label")
    if plan.tags or opts.tags:
        run.write_attr("tags", plan.tags)
    if opts.comment:
        run.write_attr("comments", [_comment(opts.comment)])
    run.write_attr("flags", plan.flags)
    run.write_attr("user_flags", plan.user_flags)
    run.write_attr("run_params", opts.to_run_params())
    run.write_attr("random_seed", random_seed)
    run.write_attr("op", plan.op_config)
    if new:
        run.write_attr("host", facts.host())
        run.write_attr("user", facts.user())
        run.write_attr("platform", facts.platform_info())
    run.write_attr("plugins", (plan.op_config["op-cmd"].get("cmd-env") or {}).get("GUILD_PLUGINS", "").split(","))
    if plan.steps is not None:
        run.write_attr("steps", plan.steps)
    if plan.opdef is not None and plan.opdef.run_attrs:
        _write_opdef_attrs(run, plan.opdef.run_attrs)


_RESERVED_ATTRS = set(
    "cmd deps env exit_status flags host id initialized label op opdef_attrs platform plugins "
    "random_seed run_params sourcecode_digest started stopped user user_flags vcs_commit pip_freeze "
    "r_sys_info r_packages_loaded".split()
)


def _write_opdef_attrs(run: Run, attrs: dict) -> None:
    from guild.util import log

    kept = {}
    for name, val in attrs.items():
        if name in _RESERVED_ATTRS:
            log.warning(f"Invalid run attribute '{name}' (reserved attribute) - ignoring")
        else:
            kept[name] = val
    if kept:
        run.write_attr("opdef_attrs", kept)


def _comment(body: str) -> dict[str, Any]:
    return {"body": body, "host": facts.host(), "time": clock.timestamp_us(), "user": facts.user()}


def copy_sourcecode(run: Run, plan: RunPlan) -> None:
    """Copy the project's source code into the run and write `sourcecode_digest`/`vcs_commit`."""
    from guild.engine import sourcecode
    from guild.store import manifest

    manifest.touch(run.path)
    opdef = plan.opdef
    copied: list[str] = []
    if opdef is not None and not plan.is_pipeline and os.environ.get("NO_SOURCECODE") != "1":
        src_plan = sourcecode.plan_for_opdef(opdef, plan.op_config.get("deps"))
        if src_plan is not None:
            copied = sourcecode.copy_sourcecode(src_plan, run.path)
    run.write_attr("sourcecode_digest", sourcecode.sourcecode_digest(run.path, copied))
    if os.environ.get("NO_VCS_COMMIT") != "1" and not plan.is_pipeline:
        commit = facts.vcs_commit(plan.project_dir)
        if commit:
            run.write_attr("vcs_commit", commit)


def resolve_deps(run: Run, plan: RunPlan, opts: RunOptions, for_stage: bool = False) -> None:
    """Resolve `requires:` into the run and write the `deps` attr."""
    if plan.requires or plan.op_config.get("deps") or opts.additional_deps:
        from guild.engine import deps

        deps.resolve(run, plan, opts, for_stage=for_stage)
    elif not run.has_attr("deps"):
        run.write_attr("deps", {})


def finish_init(run: Run) -> None:
    run.set_marker("PENDING", False)


def stage(run: Run, plan: RunPlan, opts: RunOptions, cmd_dir: str) -> None:
    env = _process_env(run, plan, opts, cmd_dir)
    lines = [f"export {k}={_shell_quote(v)}" for k, v in sorted(env.items()) if k not in ("PWD", "_")]
    files.write_atomic(run.guild_path("ENV"), "\n".join(lines) + "\n")
    run.set_marker("STAGED")
    run.set_marker("PENDING", False)
    run.write_attr("started", clock.timestamp_us())


def _shell_quote(s: str) -> str:
    import shlex

    return shlex.quote(s) if s else "''"


def _process_env(run: Run, plan: RunPlan, opts: RunOptions, cmd_dir: str,
                 extra: dict[str, str] | None = None) -> dict[str, str]:
    return environ.process_env(
        plan.op_config, plan.flags,
        guild_op=plan.guild_op, guild_home=home_mod.guild_home(), run_dir=run.path, run_id=run.id,
        cmd_dir=cmd_dir, gpus=opts.gpus, no_gpus=opts.no_gpus, extra=extra,
    )


def start(run: Run, plan: RunPlan, opts: RunOptions, cmd_dir: str,
          extra_env: dict[str, str] | None = None) -> int:
    """Run the op process to completion; returns its exit status."""
    op = plan.op_config
    if _wants_pip_freeze(plan):
        run.write_attr("pip_freeze", facts.pip_freeze())
    run.set_marker("STAGED", False)
    run.write_attr("started", clock.timestamp_us())
    env = _process_env(run, plan, opts, cmd_dir, extra_env)
    run.write_attr("env", environ.saved_env(env, plan.env_secrets))
    argv = opconfig.build_cmd(op, plan.flags, plan.project_dir)
    capture = env.get("NO_RUN_OUTPUT") != "1"
    tee = None
    if capture:
        tee = process.OutputTee(run.guild_path(), opts.quiet, _scalar_handler(run, plan))
    try:
        proc = process.spawn(argv, run.path, env, capture)
    except Exception:
        if tee:
            tee.close()
        raise
    files.write_atomic(run.guild_path("LOCK"), str(proc.pid))
    code = process.wait_with_tee(proc, tee, opts.stop_after)
    _finish(run, code)
    return code


def _wants_pip_freeze(plan: RunPlan) -> bool:
    if os.environ.get("NO_PIP_FREEZE") == "1" or plan.is_pipeline:
        return False
    if plan.opdef is not None and plan.opdef.pip_freeze is False:
        return False
    args = (plan.op_config.get("op-cmd") or {}).get("cmd-args") or []
    return "guild.op_main" in args


def _finish(run: Run, code: int) -> None:
    if not os.path.isdir(run.guild_path()):
        from guild.util import log

        log.warning(f"run directory {run.path} was removed while the run was running")
        return
    run.write_attr("exit_status", code)
    run.write_attr("stopped", clock.timestamp_us())
    files.remove_if_exists(run.guild_path("LOCK"))


def _scalar_handler(run: Run, plan: RunPlan):
    """A line handler that captures output scalars and attributes into the run's TF event files."""
    scalars_config = plan.op_config.get("output-scalars")
    attrs_config = plan.op_config.get("output-attrs")
    scalars_on = scalars_config is not False and scalars_config != []
    attrs_on = attrs_config is not False and attrs_config != []
    if not scalars_on and not attrs_on:
        return None
    from guild.scalars.events import EventWriter
    from guild.scalars.patterns import OutputAttrs, OutputScalars

    flag_names = set(plan.flags)
    scalars = OutputScalars(scalars_config, flag_names) if scalars_on else None
    attrs = OutputAttrs(attrs_config, flag_names) if attrs_on else None
    writers: dict[str, EventWriter] = {}

    def writer(suffix: str) -> EventWriter:
        if suffix not in writers:
            writers[suffix] = EventWriter(run.guild_path(), suffix)
        return writers[suffix]

    def on_line(raw: bytes) -> None:
        line = raw.decode("utf-8", "ignore").rstrip()
        found = scalars.feed_line(line) if scalars else []
        for key, value, step in found:
            writer("").add_scalar(key, value, step)
        if attrs:
            for key, text in attrs.feed_line(line, {k for k, _, _ in found}):
                writer(".attrs").add_text(key, text)

    return on_line


def exit_code_for(status: int) -> int:
    return status if status >= 0 else 256 + status


def delete_on_success(run: Run) -> None:
    """Move a run to the trash (delete-on-success ops and successful batches)."""
    import shutil

    trash = home_mod.trash_runs_dir()
    os.makedirs(trash, exist_ok=True)
    dest = os.path.join(trash, run.id)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.move(run.path, dest)
