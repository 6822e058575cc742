"""`--needed`: skip a run when an equivalent completed run exists (pipelines-and-batches.md §3)."""

from __future__ import annotations

from guild.store.run import Run, sorted_runs

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.engine.context import RunContext


class Skip:
    """Why nothing runs: `message`, and the runs that make it unneeded (newest first); those
    with an op description (`op_descs`) are listed under the message."""

    def __init__(self, message: str, runs: list[Run] | None = None, op_descs: list[str] | None = None):
        self.message = message
        self.runs = runs or []
        self.op_descs = op_descs or []

    def __repr__(self) -> str:
        return f"<Skip {self.message!r}>"

    def lines(self) -> list[str]:
        """The message, then a table of the matching runs: id, operation, started, status, label."""
        from guild.util import clock

        rows = [
            [f"[{r.short_id}]", desc, clock.format_timestamp(r.get("started")), r.status,
             str(r.get("label") or "")]
            for r, desc in zip(self.runs, self.op_descs)
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)] if rows else []
        table = ["  " + "  ".join([row[i].ljust(widths[i]) for i in range(4)] + [row[4]]) for row in rows]
        return [self.message, *table]


MATCHING_RUNS = "Skipping because the following runs match this operation (--needed specified):"
FLAGS_UNCHANGED = "Skipping run because flags have not changed (--needed specified)"


def listed_runs(ctx: RunContext) -> list[Run]:
    """The runs a listing sees here: all runs, or under GUILD_RUNS_PARENT only that pipeline's
    steps (newest first)."""
    from guild.store import select

    return select.load_runs(ctx.runs_dir, ctx.runs_parent)


def matching_runs(opref, flags: dict[str, Any], ctx: RunContext,
                  extra: Callable[[Run], bool] | None = None) -> list[Run]:
    found = []
    for run in listed_runs(ctx):
        if not opref.same_op(run.opref) or run.status not in ("completed", "terminated"):
            continue
        if (run.get("flags") or {}) != flags:
            continue
        if extra is not None and not extra(run):
            continue
        found.append(run)
    return sorted_runs(found)


def skip_for(runs: list[Run], op_desc: Callable[[Run], str]) -> Skip | None:
    """The skip for matching `runs` (None when there are none)."""
    if not runs:
        return None
    return Skip(MATCHING_RUNS, runs, [op_desc(r) for r in runs])
