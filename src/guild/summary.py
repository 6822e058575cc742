"""`from guild import summary`: what scripts use to log scalars and text attributes to their run,
as TensorBoard event files Guild reads (`summary.SummaryWriter(".")`,
`SummaryWriter(".", filename_suffix=".attrs")` for attributes)."""

from __future__ import annotations

from guild.scalars.events import EventWriter


class SummaryWriter(EventWriter):
    """Writes `add_scalar(tag, value, step)` and `add_text(tag, text, step)` events under
    `logdir`; values are flushed as they are written."""

    def __init__(self, logdir: str = ".", filename_suffix: str = "", **_ignored):
        super().__init__(logdir, filename_suffix)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        super().add_text(tag, text_string, walltime)

    def add_scalar(self, tag: str, scalar_value: float, global_step: int | None = None,
                   walltime: float | None = None) -> None:
        super().add_scalar(tag, float(scalar_value), global_step or 0, walltime)

    def flush(self) -> None:
        """Values are flushed as they are written."""
