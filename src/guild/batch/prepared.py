"""A batch run request: choose the optimizer, plan the batch run and its proto (`NewBatch`); or
restart a batch in place (`BatchRestart`). `start()` writes them and starts the batch runner
process (pipelines-and-batches.md §4.1–4.2, §4.7, §4.9)."""

from __future__ import annotations

import os

from guild import GUILD_AI_VERSION  # builtin oprefs name Guild AI's version
from guild.engine import lifecycle, plan as plan_mod, run as run_mod
from guild.engine.options import RunOptions
from guild.engine.run import Prepared
from guild.errors import GuildError
from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterator

    from guild.batch.optimizers import Optimizer
    from guild.engine.context import RunContext


def prepare_batch(opts: RunOptions, opdef, user_flags: dict[str, Any], flags: dict[str, Any],
                  resources: list, batch_files: list[str], ctx: RunContext) -> Prepared:
    from guild.batch import space, trials as trials_mod

    file_trials = trials_mod.read_batch_files(batch_files, ctx.cwd) if batch_files else []
    if batch_files and len(file_trials) == 1 and not opts.optimizer and not opts.optimize \
            and not space.has_dimensions(flags):
        merged = dict(user_flags)
        for k, v in file_trials[0].items():
            merged.setdefault(k, v)
        flags, resources = plan_mod.plan_flags(opdef, merged, opts, ctx)
        return run_mod.NewRun(plan_mod.new_plan(opts, opdef, merged, flags, resources), opts, ctx)
    opt, configured = _choose(opts, opdef, flags, ctx)
    if opt.opdef is None and opt.name in ("random", "gp", "forest", "gbrt"):
        flags = _encode_search_flags(opdef, flags, user_flags)
    if opts.stage_trials and not opt.upfront:
        raise GuildError(f"operation '{opt.desc}' does not support --stage-trials")
    opt_flags, opt_user_flags = _opt_flags(opt, configured, opts.opt_flags)
    max_trials = opts.max_trials if opts.max_trials is not None else (
        opdef.default_max_trials if opdef.default_max_trials is not None and opt.name != "+" else opt.default_max_trials
    )
    proto_plan = plan_mod.new_plan(opts, opdef, user_flags, flags, resources)
    batch_plan = _batch_plan(opt, opts, opt_flags, opt_user_flags)
    return NewBatch(opts, ctx, opt, batch_plan, proto_plan, user_flags, file_trials, max_trials,
                    objective_for(opts, opdef))


class NewBatch(Prepared):
    """A new batch: its run (the optimizer op) and its proto (the trials' op and flags)."""

    def __init__(self, opts: RunOptions, ctx: RunContext, opt: Optimizer, batch_plan: plan_mod.RunPlan,
                 proto_plan: plan_mod.RunPlan, user_flags: dict[str, Any], file_trials: list[dict[str, Any]],
                 max_trials: int | None, objective: str):
        super().__init__(batch_plan, opts, ctx)
        self.opt = opt
        self.proto_plan = proto_plan
        self.user_flags = user_flags
        self.file_trials = file_trials
        self.max_trials = max_trials
        self.objective = objective
        if opts.needed:
            self.skip = self._needed_skip()

    def _needed_skip(self):
        from guild.engine import needed

        proto_opref = self.proto_plan.opref
        flags = self.proto_plan.flags
        matches = needed.matching_runs(
            self.plan.opref, self.plan.flags, self.ctx,
            lambda r: r.batch_proto is not None and proto_opref.same_op(r.batch_proto.opref)
            and (r.batch_proto.get("flags") or {}) == flags,
        )
        return needed.skip_for(matches, batch_desc)

    @property
    def op_desc(self) -> str:
        return self.proto_plan.op_desc

    @property
    def prompt(self) -> str:
        opts = self.opts
        suffix = _prompt_suffix(self.opt, self.proto_plan.flags, self.user_flags, self.file_trials,
                                self.max_trials, self.objective)
        action = "stage" if opts.stage else "stage trials for" if opts.stage_trials else "run"
        subject = run_mod.prompt_subject(self.proto_plan, self.ctx.cwd)
        text = run_mod.prompt_text(action, subject, self.proto_plan.flags, self.proto_plan.flagdefs, suffix)
        return _with_opt_flags(text, self.plan.flags)

    def trials(self) -> list[dict[str, Any]]:
        """The trials the batch would run (`--print-trials`, `--save-trials`)."""
        from guild.batch import preview

        return preview.trials(self.opts, self.opt, self.proto_plan.flags, self.user_flags,
                              self.file_trials, self.max_trials, print_cmd=False)

    def commands(self) -> Iterator[list[str]]:
        """The batch op's command, then each trial's (GuildError after the first for optimizers
        that cannot generate trials up front)."""
        from guild.batch import preview

        yield run_mod.command(self.plan)
        trials = preview.trials(self.opts, self.opt, self.proto_plan.flags, self.user_flags,
                                self.file_trials, self.max_trials, print_cmd=True)
        for trial in trials:
            plan = self.proto_plan.copy()
            plan.flags = trial
            yield run_mod.command(plan)

    def environment(self) -> dict[str, str]:
        from guild.engine import environ

        return environ.op_env(self.proto_plan.op_config, self.proto_plan.flags)

    def sourcecode(self) -> str:
        from guild.engine import sourcecode

        plan = lifecycle.sourcecode_plan(self.proto_plan, self.ctx)
        return sourcecode.format_test_sourcecode(plan, self.ctx.cwd)

    def create(self) -> Run:
        if self.opt.sequential:
            from guild.batch import bayesian

            bayesian.check_available(self.opt.name)
        opts, ctx, opt = self.opts, self.ctx, self.opt
        run_dir = ctx.path(opts.run_dir) if opts.run_dir else os.path.join(ctx.runs_dir, lifecycle.new_run_id())
        batch_opts = opts.copy(label=opts.batch_label, tags=list(opts.batch_tags), additional_deps=[])
        opdef = self.proto_plan.opdef
        if batch_opts.jobs is None and opdef is not None and opdef.jobs:
            batch_opts.jobs = opdef.jobs

        def populate(batch: Run) -> None:
            if opt.opdef is not None:
                lifecycle.copy_sourcecode(batch, self.plan, ctx)
            else:
                batch.write_attr("sourcecode_digest", None)
            if self.max_trials is not None:
                batch.write_attr("max_trials", self.max_trials)
            if not opt.upfront:
                batch.write_attr("objective", self.objective)
            if opts.stage_trials:
                batch.write_attr("stage_trials", True)
            self._write_proto(batch)

        return lifecycle.create_run(run_dir, self.plan, batch_opts, ctx, populate)

    def _write_proto(self, batch: Run) -> None:
        proto = lifecycle.init_run_dir(batch.guild_path("proto"), run_id="proto")
        proto.mark_pending(owned=False)  # a proto is pending for good, as Guild's are
        opts = self.opts
        seed = opts.random_seed if opts.random_seed is not None else lifecycle.new_random_seed()
        lifecycle.write_init_attrs(proto, self.proto_plan, opts, new=True, random_seed=seed)
        if self.file_trials:
            proto.write_attr("trials", self.file_trials)
        lifecycle.copy_sourcecode(proto, self.proto_plan, self.ctx)


def batch_desc(run: Run) -> str:
    """A batch run as listings name it: `<proto op>+<optimizer>`."""
    from guild.store.describe import operation_desc

    return operation_desc(run)


class BatchRestart(Prepared):
    """A batch restarted in place: flags applied to its proto, then new trials (§4.7)."""

    action = "start"

    def __init__(self, batch: Run, opts: RunOptions, ctx: RunContext):
        from guild.engine import restart as restart_mod

        proto = batch.batch_proto
        proto.id = "proto"
        self.batch = batch
        self.proto = proto
        self.proto_plan, proto_changed = restart_mod.restart_plan(proto, opts.copy(label=None, tags=[]), ctx)
        batch_flags = dict(batch.get("flags") or {})
        if opts.opt_flags:
            from guild.flags import decode

            assigns, _ = decode.split_assigns(opts.opt_flags)
            batch_flags.update(decode.decode_flags(assigns, {}))
        changed = proto_changed or batch_flags != (batch.get("flags") or {})
        batch_plan = restart_mod.plan_for_run(batch, opts.copy(flags=[]), batch_flags)
        batch_plan.label = opts.batch_label or batch.get("label")
        super().__init__(batch_plan, opts, ctx)
        start_opts = RunOptions.from_mapping(restart_mod.merged_run_params(batch, opts))
        start_opts.quiet = opts.quiet
        self.start_opts = start_opts
        if opts.needed and not changed and batch.status in ("completed", "terminated"):
            from guild.engine.needed import FLAGS_UNCHANGED, Skip

            self.skip = Skip(FLAGS_UNCHANGED, [batch])

    @property
    def prompt(self) -> str:
        subject = f"{self.batch.id} ({batch_desc(self.batch)})"
        return run_mod.prompt_text("start", subject, self.proto_plan.flags, self.proto_plan.flagdefs)

    def create(self) -> Run:
        from guild.engine import restart as restart_mod

        opts, ctx = self.opts, self.ctx
        proto_opts = RunOptions.from_mapping(restart_mod.merged_run_params(self.proto, opts))
        restart_mod.reinit(self.proto, self.proto_plan, opts.copy(comment=None), proto_opts, ctx)
        self.proto.mark_pending(owned=False)  # the proto keeps its PENDING marker, as Guild's does
        if opts.max_trials is not None:
            self.batch.write_attr("max_trials", opts.max_trials)
        restart_mod.reinit(self.batch, self.plan, opts.copy(comment=None, label=opts.batch_label),
                           self.start_opts, ctx)
        return self.batch


def _batch_op_config(opt: Optimizer, keep: bool, flagdefs: dict) -> dict:
    from guild.engine import opconfig

    env = opconfig.base_env("", True, None)
    env.pop("FLAGS_DEST", None)
    env["NO_OP_INTERRUPTED_MSG"] = "1"
    env = {k: env[k] for k in sorted(env)}
    return opconfig.make_op_config(
        ["${guild_python_exe}", "-um", "guild.batch_main"], env, flagdefs, None,
        delete_on_success=opt.delete_on_success and not keep,
    )


def _encode_search_flags(opdef, flags: dict[str, Any], user_flags: dict[str, Any]) -> dict[str, Any]:
    """The flag encoder of the skopt ops: unset flags with choices or min/max become spaces (§5.2)."""
    from guild.flags import encode

    result = dict(flags)
    for name, fd in (opdef.flags or {}).items():
        if name in user_flags or not fd:
            continue
        if fd.get("choices"):
            result[name] = [c.get("value") if isinstance(c, dict) else c for c in fd["choices"]]
        elif fd.get("min") is not None and fd.get("max") is not None:
            dist = fd.get("distribution") or "uniform"
            cur = flags.get(name)
            parts = [encode.encode_flag_value(fd["min"]), encode.encode_flag_value(fd["max"])]
            if cur is not None:
                parts.append(encode.encode_flag_value(cur))
            result[name] = f"{dist}[{':'.join(parts)}]"
    return result


def _choose(opts: RunOptions, opdef, flags: dict[str, Any], ctx: RunContext) -> tuple[Optimizer, dict[str, Any]]:
    from guild.batch import optimizers

    if opts.optimizer or opts.optimize:
        return optimizers.choose(opts, opdef, ctx)
    from guild.flags import search

    if any(isinstance(v, str) and search.parse_function(v) for v in flags.values()):
        return optimizers.BUILTINS["random"], {}
    return optimizers.BUILTINS["+"], {}


def _opt_flags(opt: Optimizer, configured: dict[str, Any], opt_flag_args: list[str]) -> tuple[dict, dict]:
    from guild.flags import decode, validate

    user, _ = decode.split_assigns(opt_flag_args)
    user_vals = decode.decode_flags(user, opt.flagdefs)
    merged = {n: fd.get("default") for n, fd in opt.flagdefs.items()}
    merged.update(configured)
    merged.update(user_vals)
    if opt.flagdefs:
        merged = validate.resolve_flags(
            opt.flagdefs, {**configured, **user_vals}, force=False,
            op_full_name=opt.desc, op_name=opt.name,
        )
    return merged, user_vals


def objective_for(opts: RunOptions, opdef) -> str:
    if opts.minimize:
        return opts.minimize
    if opts.maximize:
        return "-" + opts.maximize
    obj = getattr(opdef, "objective", None)
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        if obj.get("minimize"):
            return str(obj["minimize"])
        if obj.get("maximize"):
            return "-" + str(obj["maximize"])
    return "loss"


def _prompt_suffix(opt: Optimizer, flags, user_flags, file_trials, max_trials, objective: str) -> str:
    if opt.name == "+":
        rows = file_trials or [{}]
        n = sum(_grid_size({**flags, **row, **user_flags}) for row in rows)
        if max_trials is not None:
            n = min(n, max_trials)
        extra = " (flags below used unless specified in batch trial)" if file_trials else ""
        return f" as a batch ({n} trial{'s' if n != 1 else ''}){extra}"
    if opt.upfront:
        return f" with random search ({max_trials} trials)"
    direction = "maximize" if objective.startswith("-") else "minimize"
    trials = f"{max_trials} trials, " if max_trials is not None else ""
    return f" with {opt.desc} optimizer ({trials}{direction} {objective.lstrip('-')})"


def _with_opt_flags(text: str, opt_flags: dict[str, Any]) -> str:
    """The prompt with the `Optimizer flags:` block before its final `Continue?` line."""
    if not opt_flags:
        return text
    from guild.flags.encode import prompt_value

    head, _, last = text.rpartition("\n")
    block = "".join(f"\n  {name}: {prompt_value(opt_flags[name])}" for name in sorted(opt_flags))
    return f"{head}\nOptimizer flags:{block}\n{last}"


def _grid_size(flags: dict[str, Any]) -> int:
    n = 1
    for val in flags.values():
        if isinstance(val, list):
            n *= len(val)
    return n


def _batch_plan(opt: Optimizer, opts: RunOptions, opt_flags: dict, opt_user_flags: dict) -> plan_mod.RunPlan:
    from guild.flags import encode
    from guild.store.opref import OpRef

    if opt.opdef is not None:
        plan = plan_mod.new_plan(
            opts.copy(label=opts.batch_label, tags=list(opts.batch_tags)), opt.opdef, opt_user_flags, opt_flags, []
        )
        if opts.keep_batch:
            plan.op_config.pop("delete-on-success", None)
        return plan
    template = opts.batch_label
    return plan_mod.RunPlan(
        opref=OpRef("builtin", "guildai", GUILD_AI_VERSION, opt.model, opt.name),
        op_config=_batch_op_config(opt, opts.keep_batch, opt.flagdefs),
        flags=opt_flags,
        user_flags=opt_user_flags,
        flagdefs=opt.flagdefs,
        label=template if template is not None else encode.default_label(opt_flags),
        tags=list(opts.batch_tags),
        project_dir="",
        guild_op=opt.desc,
        op_desc=opt.desc,
    )
