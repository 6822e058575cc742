"""Trials on a Dask cluster (`guild run ... --executor tcp://HOST:PORT`): each start job is a
Dask task that runs the trial on a worker, where guild must be importable and the run directory
must be on the same path (a shared file system). A trial's output is written on the worker and
shown here, prefixed with its id, when it ends.

A worker that dies loses its task; Dask hands the task to another worker, which finds the trial
already claimed (`.guild/CLAIM`) and reports it failed instead of running it again, so the trial
ends `error` and no run is lost or silently repeated. A stop (Ctrl-C on the batch) reaches a
trial through a stop-request file in its run directory (`engine.start.STOP_REQUEST`).

`distributed` is an optional extra: without it, `guild: ...` says what to install."""

from __future__ import annotations

import os

from guild.errors import GuildError
from guild.executors.base import Executor, Handle

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterable

    from guild.engine.context import Echo
    from guild.engine.start import StartJob

INSTALL_HINT = "Dask is not installed: pip install 'distributed>=2024.1'"
_WAIT_POLL = 0.1
CLAIM = "CLAIM"


def require_dask() -> None:
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise GuildError(INSTALL_HINT)


class _DaskHandle(Handle):
    def __init__(self, job: StartJob, future: Any):
        super().__init__(job)
        self.future = future

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> int:
        try:
            return self.future.result()
        except GuildError:
            raise
        except Exception as e:  # the task failed on the cluster (KilledWorker, ...)
            raise GuildError(f"the Dask task failed: {type(e).__name__}: {e}") from None


class DaskExecutor(Executor):
    def __init__(self, address: Any, slots: int | None, echo: Echo | None):
        """`address`: a scheduler address or a cluster object (dask-jobqueue and the like)."""
        require_dask()
        from distributed import Client

        try:
            self.client = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise GuildError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        self.echo = echo
        self.slots = slots or max(1, sum(self.client.nthreads().values()))
        self.handles: dict[Any, _DaskHandle] = {}

    def submit(self, job: StartJob) -> Handle:
        run_id = os.path.basename(job.run_dir)
        job.run = job.plan = None  # the worker reads them back from the run dir
        future = self.client.submit(run_on_worker, job, key=f"guild-trial-{run_id}", pure=False, retries=0)
        handle = _DaskHandle(job, future)
        self.handles[future] = handle
        return handle

    def wait(self, handles: Iterable[Handle]) -> list[Handle]:
        import time

        handles = list(handles)
        while True:
            done = [h for h in handles if h.done()]
            if done:
                for handle in done:
                    self.handles.pop(handle.future, None)  # type: ignore[attr-defined]
                    self._echo_output(handle.job)
                return done
            time.sleep(_WAIT_POLL)

    def _echo_output(self, job: StartJob) -> None:
        if self.echo is None or job.quiet:
            return
        path = os.path.join(job.run_dir, ".guild", "output")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return
        prefix = f"[{os.path.basename(job.run_dir)[:8]}] ".encode()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        if lines:
            self.echo(b"".join(prefix + line + b"\n" for line in lines), 0)

    def stop(self, signum: int) -> None:
        from guild.engine.start import STOP_REQUEST

        for handle in list(self.handles.values()):
            try:
                with open(os.path.join(handle.job.run_dir, ".guild", STOP_REQUEST), "w") as f:
                    f.write(str(signum))
            except OSError:
                pass
            if not _claimed(handle.job.run_dir):
                handle.future.cancel()  # not started yet: it never will

    def close(self) -> None:
        self.client.close()


def _claimed(run_dir: str) -> bool:
    return os.path.exists(os.path.join(run_dir, ".guild", CLAIM))


def run_on_worker(job: StartJob) -> int:
    """The task: claim the trial and run it; a trial claimed already was started by a worker that
    died, and is reported failed (its orphaned op process, if it is on this host, is killed)."""
    from guild.engine.start import run_job

    claim = os.path.join(job.run_dir, ".guild", CLAIM)
    try:
        fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        _kill_orphan(job.run_dir)
        raise GuildError("the Dask worker running it died") from None
    with os.fdopen(fd, "w") as f:
        f.write(f"{os.uname().nodename} {os.getpid()}\n")
    status = run_job(job, None)
    os.remove(claim)  # ended here: a later start of the run is a start, not a lost worker
    return status


def _kill_orphan(run_dir: str) -> None:
    from guild.store.run import Run
    from guild.util.procs import descendants, kill_all

    run = Run.for_dir(run_dir)
    try:
        with open(run.guild_path(CLAIM)) as f:
            host = f.read().split()[0]
    except (OSError, IndexError):
        return
    pid = run.pid
    if pid is not None and host == os.uname().nodename:
        kill_all([pid, *descendants(pid)])
