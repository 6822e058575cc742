"""What scripts import from Guild's `guild.op_util`: the current run, and setting a run's status
by hand (staged, pending)."""

from __future__ import annotations

import os

from guild.store.run import Run


def current_run() -> Run | None:
    """The run this process is (from RUN_DIR), or None outside a run."""
    run_dir = os.environ.get("RUN_DIR")
    return Run.for_dir(run_dir) if run_dir else None


def set_run_staged(run: Run) -> None:
    """Make `run` staged: `guild run --start` runs it."""
    run.set_marker("PENDING", False)
    run.set_marker("STAGED")


def set_run_pending(run: Run) -> None:
    """Make `run` pending: waiting for a batch or `guild run --start`."""
    run.set_marker("STAGED", False)
    run.mark_pending(owned=False)
