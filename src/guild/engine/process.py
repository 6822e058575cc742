"""Start the op process, tee its output to the terminal and `.guild/output` (+ `output.index`),
feed completed lines to output-scalar capture, and wait for its exit (spec §5.7)."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    LineHandler = Callable[[bytes], None]


class OutputTee:
    """Writes process output chunks to the run's output files and the terminal."""

    def __init__(self, run_dir_guild: str, quiet: bool, on_line: LineHandler | None):
        self._out = open(os.path.join(run_dir_guild, "output"), "wb")
        self._index = open(os.path.join(run_dir_guild, "output.index"), "wb")
        self._quiet = quiet
        self._on_line = on_line
        self._lock = threading.Lock()
        self._partial: dict[int, bytearray] = {0: bytearray(), 1: bytearray()}

    def write(self, chunk: bytes, stream: int) -> None:
        with self._lock:
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
            for b in chunk:
                if b == 10:
                    self._end_line(bytes(buf), stream)
                    buf.clear()
                elif b >= 9:
                    buf.append(b)

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
        with self._lock:
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
        return subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=False, **kw)
    except OSError as e:
        raise RunError(f"error running {argv[0] if argv else '?'}: {e}") from None


def wait_with_tee(proc: subprocess.Popen, tee: OutputTee | None, stop_after: float | None = None) -> int:
    """Pump the process's pipes into `tee` and wait for its exit; returns the exit status."""
    threads = []
    if tee is not None:
        for stream, pipe in ((0, proc.stdout), (1, proc.stderr)):
            if pipe is None:
                continue
            t = threading.Thread(target=_pump, args=(pipe, tee, stream), daemon=True)
            t.start()
            threads.append(t)
    try:
        code = _wait(proc, stop_after)
    except KeyboardInterrupt:
        code = _interrupt(proc)
    for t in threads:
        t.join()
    if tee is not None:
        tee.close()
    return code


def _pump(pipe, tee: OutputTee, stream: int) -> None:
    fd = pipe.fileno()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        tee.write(chunk, stream)
    pipe.close()


def _wait(proc: subprocess.Popen, stop_after: float | None) -> int:
    if not stop_after:
        return proc.wait()
    from guild.util import log

    poll = float(os.environ.get("STOP_AFTER_POLL_INTERVAL") or 5)
    kill_delay = float(os.environ.get("STOP_AFTER_KILL_DELAY") or 30)
    start = time.time()
    deadline = start + stop_after * 60
    while True:
        try:
            return proc.wait(timeout=max(0.01, min(poll, deadline - time.time())))
        except subprocess.TimeoutExpired:
            pass
        if time.time() >= deadline:
            elapsed = (time.time() - start) / 60
            log.info(f"Stopping process early (pid {proc.pid}) - {elapsed:.1f} minute(s) elapsed")
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(timeout=kill_delay)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()


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
