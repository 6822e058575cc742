"""The local pool (`guild run ... --jobs N`): up to N jobs at once, each in a thread of this
process that waits on its own op process. Their output reaches the echo line by line, each line
prefixed with the run's short id so interleaved trials can be told apart."""

from __future__ import annotations

import threading

from guild.executors.base import Executor, Handle

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from concurrent.futures import Future
    from typing import Iterable

    from guild.engine.context import Echo
    from guild.engine.start import StartJob

_WAIT_POLL = 0.25  # the main thread wakes this often to take a Ctrl-C


class _FutureHandle(Handle):
    def __init__(self, job: StartJob, future: Future):
        super().__init__(job)
        self.future = future

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> int:
        return self.future.result()


class LocalPoolExecutor(Executor):
    def __init__(self, slots: int, echo: Echo | None):
        from concurrent.futures import ThreadPoolExecutor

        self.slots = slots
        self.echo = echo
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="guild-job")
        self._lock = threading.Lock()

    def submit(self, job: StartJob) -> Handle:
        return _FutureHandle(job, self._pool.submit(self._run, job))

    def _run(self, job: StartJob) -> int:
        from guild.engine.start import run_job

        echo = None if self.echo is None else LinePrefixer(self.echo, f"[{_short_id(job)}] ", self._lock)
        try:
            return run_job(job, echo)
        finally:
            if echo is not None:
                echo.flush()

    def wait(self, handles: Iterable[Handle]) -> list[Handle]:
        from concurrent.futures import FIRST_COMPLETED, wait

        handles = list(handles)
        by_future = {h.future: h for h in handles}  # type: ignore[attr-defined]
        while True:
            done, _ = wait(by_future, timeout=_WAIT_POLL, return_when=FIRST_COMPLETED)
            if done:
                return [by_future[f] for f in done]

    def stop(self, signum: int) -> None:
        from guild.engine import process

        process.request_stop(signum)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _short_id(job: StartJob) -> str:
    import os

    return os.path.basename(job.run_dir)[:8]


class LinePrefixer:
    """An echo that passes whole lines on, each with `prefix`; writes of all the prefixers that
    share `lock` never interleave within a line."""

    def __init__(self, echo: Echo, prefix: str, lock: threading.Lock):
        self.echo = echo
        self.prefix = prefix.encode()
        self.lock = lock
        self.partial = {0: b"", 1: b""}

    def __call__(self, chunk: bytes, stream: int) -> None:
        data = self.partial[stream] + chunk
        *lines, rest = data.split(b"\n")
        self.partial[stream] = rest
        if lines:
            out = b"".join(self.prefix + line + b"\n" for line in lines)
            with self.lock:
                self.echo(out, stream)

    def flush(self) -> None:
        for stream, rest in self.partial.items():
            if rest:
                with self.lock:
                    self.echo(self.prefix + rest + b"\n", stream)
                self.partial[stream] = b""
