"""The sequential executor: each job runs to its end in this process when it is submitted."""

from __future__ import annotations

from guild.executors.base import Executor, Handle

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Iterable

    from guild.engine.context import Echo
    from guild.engine.start import StartJob


class _Done(Handle):
    def __init__(self, job: StartJob, status: int):
        super().__init__(job)
        self._status = status

    def done(self) -> bool:
        return True

    def result(self) -> int:
        return self._status


class SequentialExecutor(Executor):
    """Runs a job at `submit`, echoing its output to `echo`; one at a time."""

    slots = 1

    def __init__(self, echo: Echo | None):
        self.echo = echo

    def submit(self, job: StartJob) -> Handle:
        from guild.engine.start import run_job

        return _Done(job, run_job(job, self.echo))

    def wait(self, handles: Iterable[Handle]) -> list[Handle]:
        return list(handles)
