"""`--needed` for a new run: skip when an equivalent completed run exists
(pipelines-and-batches.md §3)."""

from __future__ import annotations

from guild.engine.plan import RunPlan
from guild.store.run import Run, sorted_runs

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable


def listed_runs() -> list[Run]:
    """The runs a listing sees here: all runs, or under GUILD_RUNS_PARENT only that pipeline's
    steps (newest first)."""
    from guild.store import home, select

    return select.load_runs(home.runs_dir())


def matching_runs(opref, flags: dict[str, Any], extra: Callable[[Run], bool] | None = None) -> list[Run]:
    found = []
    for run in listed_runs():
        if not opref.same_op(run.opref) or run.status not in ("completed", "terminated"):
            continue
        if (run.get("flags") or {}) != flags:
            continue
        if extra is not None and not extra(run):
            continue
        found.append(run)
    return sorted_runs(found)


def print_skip(runs: list[Run], op_desc: Callable[[Run], str]) -> None:
    from guild.util import clock

    rows = [
        [f"[{r.short_id}]", op_desc(r), clock.format_timestamp(_int(r.get("started"))), r.status,
         str(r.get("label") or "")]
        for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print("Skipping because the following runs match this operation (--needed specified):")
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4]]
        print("  " + "  ".join(cells))


def skip_new_run(plan: RunPlan) -> bool:
    """Print the skip message and return True when a matching run exists."""
    runs = matching_runs(plan.opref, plan.flags)
    if not runs:
        return False
    print_skip(runs, lambda r: r.opref.base_desc())
    return True


def _int(val: Any) -> int | None:
    return val if isinstance(val, int) and not isinstance(val, bool) else None
