"""The options of `guild run`, as one value saved in the run's `run_params` attr (their
command-line grammar is `engine.run_command`)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

# Every `guild run` option by its run_params name (runs.md §2.4), with its default. Lists are
# copied per instance. A plain class, not a dataclass: this is on every run's start-up path.
DEFAULTS: dict[str, Any] = {
    "opspec": None, "flags": [], "yes": False, "label": None, "tags": [], "comment": None,
    "stage": False, "restart": None, "proto": None, "force_sourcecode": False, "needed": False,
    "force_flags": False, "print_cmd": False, "print_env": False, "quiet": False, "run_dir": None,
    "run_id": None, "background": False, "pidfile": None, "stop_after": None, "keep_run": False,
    "keep_batch": False, "random_seed": None, "max_trials": None, "optimizer": None,
    "optimize": False, "minimize": None, "maximize": None, "opt_flags": [],
    "fail_on_trial_error": False, "stage_trials": False, "print_trials": False,
    "save_trials": None, "batch_label": None, "batch_tags": [], "batch_comment": None,
    "force_deps": False, "additional_deps": [], "gpus": None, "no_gpus": False, "help_op": False,
    "help_model": False, "test_sourcecode": False, "test_flags": False,
    "test_output_scalars": None, "test_output_attrs": None, "debug_sourcecode": None,
    "break_": [], "break_on_error": False, "edit_flags": False, "edit_comment": False,
    "edit_batch_comment": False, "remote": None, "no_wait": False, "jobs": None, "executor": None,
}
# Options of this guild that Guild did not have: saved in run_params only when given, so runs
# made without them keep Guild's run_params.
_SAVED_WHEN_SET = ("jobs", "executor")


class RunOptions:
    """The options of one `guild run` (attributes named as in DEFAULTS)."""

    def __init__(self, **values: Any):
        unknown = set(values) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown run options: {', '.join(sorted(unknown))}")
        for name, default in DEFAULTS.items():
            val = values.get(name, default)
            setattr(self, name, list(val) if isinstance(val, list) else val)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.to_run_params().items() if v != DEFAULTS[k]}
        return f"RunOptions({changed!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunOptions) and self.to_run_params() == other.to_run_params()

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> "RunOptions":
        return cls(**{k: v for k, v in data.items() if k in DEFAULTS})

    def to_run_params(self) -> dict[str, Any]:
        values = ((name, getattr(self, name)) for name in DEFAULTS)
        return {name: list(val) if isinstance(val, list) else val for name, val in values
                if val is not None or name not in _SAVED_WHEN_SET}

    def copy(self, **changes: Any) -> "RunOptions":
        data = {name: getattr(self, name) for name in DEFAULTS}
        data.update(changes)
        return RunOptions(**data)
