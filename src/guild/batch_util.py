"""What custom optimizer scripts import (Guild's `guild.batch_util`): the batch run they are
running as, and trials made from it and run one at a time.

    from guild import batch_util

    batch = batch_util.batch_run()
    flags = dict(batch.batch_proto.get("flags") or {})
    for lr in (0.1, 0.01):
        batch_util.run_trial(batch, {**flags, "lr": lr})
"""

from __future__ import annotations

import os

from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Mapping


class CurrentRunNotBatchError(Exception):
    """The process is not a batch run (no RUN_DIR, or a run without a batch proto)."""


def batch_run() -> Run:
    """The batch run this process is (from RUN_DIR). Raises CurrentRunNotBatchError."""
    run_dir = os.environ.get("RUN_DIR")
    if not run_dir:
        raise CurrentRunNotBatchError("RUN_DIR is not set: this script must run as a Guild optimizer")
    run = Run.for_dir(run_dir)
    if run.batch_proto is None:
        raise CurrentRunNotBatchError(f"missing batch proto in {run.path}")
    return run


def is_batch(run: Run) -> bool:
    """Whether `run` is a batch run (it has a batch proto)."""
    return run.batch_proto is not None


def init_trial_run(batch: Run, trial_flags: Mapping[str, Any], run_dir: str | None = None) -> Run:
    """A new pending trial of `batch` with `trial_flags` (made under the batch's runs directory,
    or at `run_dir`). It waits for `start_trial_run`, `guild run --start` or a batch to run it."""
    from guild.batch import trials

    proto = batch.batch_proto
    if proto is None:
        raise CurrentRunNotBatchError(f"missing batch proto in {batch.path}")
    runs_dir = os.path.dirname(run_dir) if run_dir else os.path.dirname(batch.path)
    trial = trials.create_trial(batch, proto, dict(trial_flags), runs_dir, trial_id=_run_id(run_dir))
    trial.mark_pending(owned=False)
    return trial


def _run_id(run_dir: str | None) -> str | None:
    return os.path.basename(os.path.normpath(run_dir)) if run_dir else None


def start_trial_run(trial: Run, stage: bool = False) -> int:
    """Run (or stage) a pending trial in this process's context; its exit code. A trial that is
    not pending is skipped (logged), with exit code 0."""
    from guild.batch import runner
    from guild.executors.sequential import SequentialExecutor
    from guild.util import log

    log.set_runner_format(True)
    ctx = runner.process_context()
    return runner.run_trial(trial, stage, ctx, SequentialExecutor(ctx.echo))


def run_trial(batch: Run, trial_flags: Mapping[str, Any]) -> Run:
    """Make a trial of `batch` with `trial_flags` and run it (stage it, for `--stage-trials`).
    When it fails and the batch runs with `--fail-on-trial-error`, raises SystemExit with its
    exit code; otherwise returns the trial (see its `status`)."""
    trial = init_trial_run(batch, trial_flags)
    code = start_trial_run(trial, stage=bool(batch.get("stage_trials")))
    if code != 0 and (batch.get("run_params") or {}).get("fail_on_trial_error"):
        raise SystemExit(code)
    return trial


def trial_runs(batch: Run) -> list[Run]:
    """The trials of `batch` (the runs linked in its directory), oldest first."""
    found = []
    for name in os.listdir(batch.path):
        path = os.path.join(batch.path, name)
        if os.path.islink(path) and os.path.isdir(os.path.join(path, ".guild")):
            found.append(Run.for_dir(os.path.realpath(path)))
    return sorted(found, key=lambda r: r.get("started") or 0)


def trial_results(batch: Run, scalars: list[str]) -> list[tuple[dict[str, Any], list[float | None]]]:
    """(flags, last values of the scalar keys `scalars`) of each completed trial of `batch`,
    oldest first."""
    from guild.scalars.summary import run_scalars

    results = []
    for trial in trial_runs(batch):
        if trial.status != "completed":
            continue
        last = {s.key: s.last_val for s in run_scalars(trial.path)}
        results.append((dict(trial.get("flags") or {}), [last.get(name) for name in scalars]))
    return results
