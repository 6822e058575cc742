"""The making of a run directory: init (attrs, source code), dependencies resolved, staged
(runs.md §2.9, spec §5.4). All writes go through `store.run.Run`; starting the process is
`engine.start`."""

from __future__ import annotations

import os

from guild.engine import facts, opconfig
from guild.engine.options import RunOptions
from guild.engine.plan import RunPlan
from guild.errors import GuildError
from guild.store.run import Run, incomplete_path
from guild.util import clock, files

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.engine.context import RunContext


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
    run.mark_pending()
    run.set_marker("STAGED", False)
    return run


def create_run(run_dir: str, plan: RunPlan, opts: RunOptions, ctx: RunContext,
               populate: Callable[[Run], None] | None = None) -> Run:
    """A new run dir with its init attrs, source code (`populate`, default: copied from the
    project) and resolved deps. It appears at `run_dir` only once it has its opref and attrs
    (made under `incomplete_path` and renamed). A failure leaves it as an `error` run."""
    seed = opts.random_seed if opts.random_seed is not None else new_random_seed()
    fresh = not os.path.lexists(run_dir)
    run = init_run_dir(incomplete_path(run_dir) if fresh else run_dir, os.path.basename(run_dir))
    try:
        write_init_attrs(run, plan, opts, new=True, random_seed=seed)
        if fresh:
            publish(run, run_dir)
        if populate is None:
            copy_sourcecode(run, plan, ctx)
        else:
            populate(run)
        resolve_deps(run, plan, opts, ctx, for_stage=opts.stage)
    except BaseException:
        if run.path != run_dir:  # never published: nothing to show
            import shutil

            shutil.rmtree(run.path, ignore_errors=True)
        else:
            run.set_marker("PENDING", False)
        raise
    finish_init(run)
    return run


def publish(run: Run, run_dir: str) -> None:
    """Move a run made under its incomplete path into place at `run_dir`."""
    try:
        os.rename(run.path, run_dir)
    except OSError as e:
        raise GuildError(f"cannot create run directory {run_dir}: {e.strerror}") from None
    run.path = run_dir


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
    plugins = (plan.op_config["op-cmd"].get("cmd-env") or {}).get("GUILD_PLUGINS", "")
    run.write_attr("plugins", plugins.split(",") if plugins else [])
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


def sourcecode_plan(plan: RunPlan, ctx: RunContext):
    """What of the project is copied as the run's source code: the op's rules, less the files
    that are dependencies (those of the plan's op config, with `-D` paths)."""
    from guild.engine import sourcecode

    excluded: set[str] = set()
    saved = plan.op_config.get("deps")
    if saved:
        from guild.engine.deps import model as deps_model

        resources = [deps_model.from_saved(d) for d in saved if isinstance(d, dict)]
        excluded = set(deps_model.sourcecode_excludes(resources, plan.opdef.project_dir, ctx.cwd))
    return sourcecode.plan_for_opdef(plan.opdef, excluded, ctx.environ)


def copy_sourcecode(run: Run, plan: RunPlan, ctx: RunContext) -> None:
    """Copy the project's source code into the run and write `sourcecode_digest`/`vcs_commit`."""
    from guild.engine import sourcecode
    from guild.store import manifest

    manifest.touch(run.path)
    copied: list[str] = []
    if plan.opdef is not None and not plan.is_pipeline and not ctx.is_set("NO_SOURCECODE"):
        src_plan = sourcecode_plan(plan, ctx)
        if src_plan is not None:
            copied = sourcecode.copy_sourcecode(src_plan, run.path)
    run.write_attr("sourcecode_digest", sourcecode.sourcecode_digest(run.path, copied))
    if not ctx.is_set("NO_VCS_COMMIT") and not plan.is_pipeline:
        commit = facts.vcs_commit(plan.project_dir)
        if commit:
            run.write_attr("vcs_commit", commit)


def resolve_deps(run: Run, plan: RunPlan, opts: RunOptions, ctx: RunContext, for_stage: bool = False) -> None:
    """Resolve `requires:` into the run and write the `deps` attr."""
    if plan.resources or plan.op_config.get("deps") or opts.additional_deps:
        from guild.engine.deps import resolve

        resolve.resolve(run, plan, opts, ctx, for_stage=for_stage)
    elif not run.has_attr("deps"):
        run.write_attr("deps", {})


def finish_init(run: Run) -> None:
    run.set_marker("PENDING", False)


def stage(run: Run, plan: RunPlan, job) -> None:
    """Mark a created run staged, with its process environment saved in `.guild/ENV` (what
    `(cd RUN_DIR && source .guild/ENV && CMD)` starts it with)."""
    from guild.engine.start import process_env
    from guild.util.text import shell_quote

    env = process_env(run, plan, job)
    lines = [f"export {k}={shell_quote(v)}" for k, v in sorted(env.items()) if k not in ("PWD", "_")]
    files.write_atomic(run.guild_path("ENV"), "\n".join(lines) + "\n")
    run.set_marker("STAGED")
    run.set_marker("PENDING", False)
    run.write_attr("started", clock.timestamp_us())
