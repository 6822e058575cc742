"""Start the op process, tee its output to the terminal and `.guild/output` (+ `output.index`),
feed completed lines to output-scalar capture, and wait for its exit (spec §5.7).

Both pipes are read by one loop in the calling thread (a selector), not by reader threads:
threads cost a GIL hand-off per chunk, which shows in batches of short trials."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    LineHandler = Callable[[bytes], None]

_LOW_BYTES = bytes(range(9))  # left out of line tracking (spec §5.7)


class OutputTee:
    """Writes process output chunks to the run's output files and the terminal."""

    def __init__(self, run_dir_guild: str, quiet: bool, on_line: LineHandler | None):
        self._out = open(os.path.join(run_dir_guild, "output"), "wb")
        self._index = open(os.path.join(run_dir_guild, "output.index"), "wb")
        self._quiet = quiet
        self._on_line = on_line
        self._partial: dict[int, bytearray] = {0: bytearray(), 1: bytearray()}

    def write(self, chunk: bytes, stream: int) -> None:
        if not self._quiet:
            target = sys.stdout.buffer if stream == 0 else sys.stderr.buffer
            try:
                target.write(chunk)
                target.flush()
            except (OSError, ValueError):
                pass
        self._out.write(chunk)
        self._out.flush()
        buf = self._partial[stream]
        *lines, rest = chunk.split(b"\n")
        for part in lines:
            buf += part.translate(None, _LOW_BYTES)
            self._end_line(bytes(buf), stream)
            buf.clear()
        buf += rest.translate(None, _LOW_BYTES)

    def _end_line(self, line: bytes, stream: int) -> None:
        self._index.write(struct.pack(">QB", int(time.time() * 1000), stream))
        self._index.flush()
        if self._on_line:
            try:
                self._on_line(line)
            except Exception as e:  # capture must never break the run
                from guild.util import log

                log.error(f"error in output callback (will be removed): {e}")
                self._on_line = None

    def close(self) -> None:
        for stream, buf in self._partial.items():
            if buf:
                self._end_line(bytes(buf), stream)
                buf.clear()
        self._out.close()
        self._index.close()


def spawn(argv: list[str], cwd: str, env: dict[str, str], capture: bool) -> subprocess.Popen:
    from guild.errors import RunError

    sync = env.get("SYNC_RUN_OUTPUT") == "1"
    kw: dict[str, Any] = {}
    if capture:
        kw["stdout"] = subprocess.PIPE
        kw["stderr"] = subprocess.STDOUT if sync else subprocess.PIPE
    try:
        return subprocess.Popen(argv, cwd=cwd, env=env, **kw)
    except OSError as e:
        raise RunError(f"error running {argv[0] if argv else '?'}: {e}") from None


class _Deadline:
    """`--stop-after`: SIGTERM after N minutes, SIGKILL after a further kill delay."""

    def __init__(self, proc: subprocess.Popen, stop_after: float | None):
        self.proc = proc
        self.term_at = time.monotonic() + stop_after * 60 if stop_after else None
        self.kill_at: float | None = None
        self.started = time.monotonic()

    def timeout(self) -> float | None:
        at = self.kill_at or self.term_at
        return None if at is None else max(0.0, at - time.monotonic())

    def check(self) -> None:
        now = time.monotonic()
        if self.kill_at is not None and now >= self.kill_at:
            self.proc.kill()
            self.kill_at = None
        elif self.term_at is not None and now >= self.term_at:
            from guild.util import log

            elapsed = (now - self.started) / 60
            log.info(f"Stopping process early (pid {self.proc.pid}) - {elapsed:.1f} minute(s) elapsed")
            self.proc.send_signal(signal.SIGTERM)
            self.term_at = None
            self.kill_at = now + float(os.environ.get("STOP_AFTER_KILL_DELAY") or 30)


def wait_with_tee(proc: subprocess.Popen, tee: OutputTee | None, stop_after: float | None = None) -> int:
    """Pump the process's pipes into `tee` and wait for its exit; returns the exit status."""
    deadline = _Deadline(proc, stop_after)
    try:
        if tee is not None:
            _pump(proc, tee, deadline)
        return _wait(proc, deadline)
    except KeyboardInterrupt:
        return _interrupt(proc)
    finally:
        if tee is not None:
            tee.close()


def _pump(proc: subprocess.Popen, tee: OutputTee, deadline: _Deadline) -> None:
    import selectors

    with selectors.DefaultSelector() as sel:
        for stream, pipe in ((0, proc.stdout), (1, proc.stderr)):
            if pipe is not None:
                sel.register(pipe, selectors.EVENT_READ, stream)
        while sel.get_map():
            for key, _ in sel.select(deadline.timeout()):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    tee.write(chunk, key.data)
                else:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
            deadline.check()


def _wait(proc: subprocess.Popen, deadline: _Deadline) -> int:
    while True:
        try:
            return proc.wait(timeout=deadline.timeout())
        except subprocess.TimeoutExpired:
            deadline.check()


def _interrupt(proc: subprocess.Popen) -> int:
    from guild.util import log

    try:
        return proc.wait(timeout=2)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        pass
    log.info("Operation interrupted - waiting for process to exit")
    try:
        return proc.wait(timeout=28)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        log.info("Operation process did not exit - stopping forcefully")
        proc.kill()
        return proc.wait()
