"""The options of `guild run`, as one value saved in the run's `run_params` attr."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class RunOptions:
    """Every `guild run` option by its run_params name (runs.md §2.4)."""

    opspec: str | None = None
    flags: list[str] = field(default_factory=list)
    yes: bool = False
    label: str | None = None
    tags: list[str] = field(default_factory=list)
    comment: str | None = None
    stage: bool = False
    restart: str | None = None
    proto: str | None = None
    force_sourcecode: bool = False
    needed: bool = False
    force_flags: bool = False
    print_cmd: bool = False
    print_env: bool = False
    quiet: bool = False
    run_dir: str | None = None
    run_id: str | None = None
    background: bool = False
    pidfile: str | None = None
    stop_after: float | None = None
    keep_run: bool = False
    keep_batch: bool = False
    random_seed: int | None = None
    max_trials: int | None = None
    optimizer: str | None = None
    optimize: bool = False
    minimize: str | None = None
    maximize: str | None = None
    opt_flags: list[str] = field(default_factory=list)
    fail_on_trial_error: bool = False
    stage_trials: bool = False
    print_trials: bool = False
    save_trials: str | None = None
    batch_label: str | None = None
    batch_tags: list[str] = field(default_factory=list)
    batch_comment: str | None = None
    force_deps: bool = False
    additional_deps: list[str] = field(default_factory=list)
    gpus: str | None = None
    no_gpus: bool = False
    help_op: bool = False
    help_model: bool = False
    test_sourcecode: bool = False
    test_flags: bool = False
    test_output_scalars: str | None = None
    test_output_attrs: str | None = None
    debug_sourcecode: str | None = None
    break_: list[str] = field(default_factory=list)
    break_on_error: bool = False
    edit_flags: bool = False
    edit_comment: bool = False
    edit_batch_comment: bool = False
    remote: str | None = None
    no_wait: bool = False

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> "RunOptions":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_run_params(self) -> dict[str, Any]:
        return asdict(self)

    def copy(self, **changes: Any) -> "RunOptions":
        data = asdict(self)
        data.update(changes)
        return RunOptions(**data)
