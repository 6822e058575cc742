"""The executor interface: `submit` a start job, get a handle, wait for handles to finish."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Iterable

    from guild.engine.start import StartJob


class Handle:
    """A submitted job. `result()` waits for it and returns the run's exit status (negative:
    killed by that signal); it raises GuildError when the job could not run at all."""

    def __init__(self, job: StartJob):
        self.job = job

    def done(self) -> bool:
        raise NotImplementedError

    def result(self) -> int:
        raise NotImplementedError


class Executor:
    """Runs start jobs, up to `slots` at a time."""

    slots = 1

    def submit(self, job: StartJob) -> Handle:
        raise NotImplementedError

    def wait(self, handles: Iterable[Handle]) -> list[Handle]:
        """Wait until at least one of `handles` is done; returns the done ones."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the executor holds (threads, connections)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
