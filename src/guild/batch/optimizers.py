"""The built-in batch operations (optimizers), their names, aliases and flags (§5.1, §5.4)."""

from __future__ import annotations

from collections import namedtuple

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext


_OptimizerFields = namedtuple(
    "Optimizer", "name model flagdefs default_max_trials delete_on_success sequential opdef",
    defaults=({}, 20, False, False, None),
)


class Optimizer(_OptimizerFields):
    """A batch operation. `name`: its op name in the opref (`+`, `random`, `gp`, `forest`, `gbrt`);
    `model`: `` for `+`, `skopt` for the others; `opdef`: a project op acting as the optimizer
    (§5.5), None for the built-ins. A named tuple, not a dataclass: start-up time."""

    __slots__ = ()

    @property
    def desc(self) -> str:
        return f"{self.model}:{self.name}" if self.model else self.name

    @property
    def upfront(self) -> bool:
        """True for the built-ins that generate every trial first: `+` and random."""
        return self.opdef is None and self.name in ("+", "random")


_SEQ_COMMON = {
    "random-starts": {"default": 3, "type": "int"},
    "kappa": {"default": 1.96, "type": "float"},
    "xi": {"default": 0.05, "type": "float"},
    "prev-trials": {"default": "sourcecode", "choices": ["batch", "sourcecode", "operation"]},
}

BUILTINS = {
    "+": Optimizer("+", "", {}, None, delete_on_success=True),
    "random": Optimizer("random", "skopt", {}, 20, delete_on_success=True),
    "gp": Optimizer("gp", "skopt", {
        **_SEQ_COMMON,
        "acq-func": {"default": "gp_hedge", "choices": ["LCB", "EI", "PI", "gp_hedge", "EIps", "PIps"]},
        "noise": {"default": "gaussian"},
    }, 20, sequential=True),
    "forest": Optimizer("forest", "skopt", dict(_SEQ_COMMON), 20, sequential=True),
    "gbrt": Optimizer("gbrt", "skopt", dict(_SEQ_COMMON), 20, sequential=True),
}
ALIASES = {
    "+": "+", "random": "random", "skopt:random": "random",
    "gp": "gp", "skopt:gp": "gp", "bayesian": "gp", "gaussian": "gp",
    "forest": "forest", "skopt:forest": "forest", "gbrt": "gbrt", "skopt:gbrt": "gbrt",
}


def lookup(name: str) -> Optimizer:
    try:
        return BUILTINS[ALIASES[name]]
    except KeyError:
        raise GuildError(
            f"operation '{name}' is not defined for this project",
            hint="Try 'guild operations' for a list of available operations.",
        ) from None


def resolve(name: str, ctx: RunContext) -> Optimizer:
    """The optimizer `-o NAME` names: a project op first (§5.5), then a built-in."""
    if name != "+" and not name.startswith("skopt:"):
        opt = project_optimizer(name, ctx)
        if opt is not None:
            return opt
    return lookup(name)


def project_optimizer(name: str, ctx: RunContext) -> Optimizer | None:
    from guild.engine import plan as plan_mod

    try:
        opdef = plan_mod.load_opdef(name, ctx)
    except GuildError:
        return None
    return Optimizer(
        opdef.name, opdef.model_name or "", dict(opdef.flags or {}), opdef.default_max_trials,
        delete_on_success=bool(opdef.delete_on_success), opdef=opdef,
    )


def for_opref(model: str, op_name: str) -> Optimizer:
    return lookup(f"{model}:{op_name}" if model else op_name)


def configured(opdef) -> dict[str, dict[str, Any]]:
    """The optimizers configured on a user op: name -> {algorithm, default, flags...}."""
    raw = getattr(opdef, "optimizers", None)
    result: dict[str, dict[str, Any]] = {}
    if isinstance(raw, list):
        for name in raw:
            result[str(name)] = {"algorithm": str(name)}
    elif isinstance(raw, dict):
        for name, val in raw.items():
            if isinstance(val, dict):
                cfg = dict(val)
                cfg.setdefault("algorithm", name)
            else:
                cfg = {"algorithm": str(val) if val else name}
            result[str(name)] = cfg
    elif isinstance(raw, str):
        result[raw] = {"algorithm": raw}
    return result


def choose(opts, opdef, ctx: RunContext) -> tuple[Optimizer, dict[str, Any]]:
    """The optimizer for a batch and its configured flags (before -Fo)."""
    configs = configured(opdef)
    name = opts.optimizer
    if opts.optimize and not name:
        if not configs:
            return BUILTINS["gp"], {}
        defaults = [n for n, c in configs.items() if c.get("default")]
        if len(configs) == 1:
            name = next(iter(configs))
        elif defaults:
            name = defaults[0]
        else:
            raise GuildError(
                f"no default optimizer defined for {opdef.full_name}",
                hint="Specify one of the following with '--optimizer': " + ", ".join(sorted(configs)),
            )
    if name in configs:
        cfg = configs[name]
        flags = {k: v for k, v in cfg.items() if k not in ("algorithm", "default")}
        return resolve(str(cfg["algorithm"]), ctx), flags
    return resolve(name, ctx), {}
