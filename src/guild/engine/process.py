"""Start the op process, tee its output to the terminal and `.guild/output` (+ `output.index`),
feed completed lines to output-scalar capture, and wait for its exit (spec §5.7).

Both pipes are read by one poll loop in the calling thread, not by reader threads: threads cost
a GIL hand-off per chunk, which shows in batches of short trials."""

from __future__ import annotations

import os
import struct
import time

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Callable

    from guild.engine.context import Echo

    LineHandler = Callable[[bytes], None]

_LOW_BYTES = bytes(range(9))  # left out of line tracking (spec §5.7)


class OutputTee:
    """Writes process output chunks to the run's output files and to `echo` (if any)."""

    def __init__(self, run_dir_guild: str, echo: Echo | None, on_line: LineHandler | None):
        self._out = open(os.path.join(run_dir_guild, "output"), "wb")
        self._index = open(os.path.join(run_dir_guild, "output.index"), "wb")
        self._echo = echo
        self._on_line = on_line
        self._partial: dict[int, bytearray] = {0: bytearray(), 1: bytearray()}

    def write(self, chunk: bytes, stream: int) -> None:
        if self._echo is not None:
            self._echo(chunk, stream)
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


def spawn(argv: list[str], cwd: str, env: dict[str, str], capture: bool) -> "Process":
    """Start `argv` in `cwd` with `env`; with `capture`, its stdout/stderr go to pipes
    (one pipe when SYNC_RUN_OUTPUT=1, so the two streams keep their order).

    posix_spawn has no working-directory action, and changing this process's directory would
    leak into every other run prepared here, so the child starts as `/bin/sh`, which enters
    `cwd` and execs the program in its place (same pid; about 0.6 ms)."""
    from guild.errors import RunError

    pipes: list[tuple[int, int]] = []  # (read fd, stream)
    actions = []
    child_ends = []
    if capture:
        r_out, w_out = os.pipe()
        pipes.append((r_out, 0))
        child_ends.append(w_out)
        actions.append((os.POSIX_SPAWN_DUP2, w_out, 1))
        if env.get("SYNC_RUN_OUTPUT") == "1":
            actions.append((os.POSIX_SPAWN_DUP2, w_out, 2))
        else:
            r_err, w_err = os.pipe()
            pipes.append((r_err, 1))
            child_ends.append(w_err)
            actions.append((os.POSIX_SPAWN_DUP2, w_err, 2))
    exe = _which(argv[0], env) if argv else None
    if exe is None:
        _close_all([fd for fd, _ in pipes] + child_ends)
        name = argv[0] if argv else ""
        raise RunError(f"error running {name}: [Errno 2] No such file or directory: '{name}'")
    # Python ignores SIGPIPE; the child gets the default action back, as subprocess gives it.
    shell_argv = [_SH, "-c", _CD_EXEC, cwd, exe, *argv[1:]]
    try:
        pid = os.posix_spawn(_SH, shell_argv, env, file_actions=actions, setsigdef=_DEFAULT_SIGNALS)
    except (OSError, ValueError) as e:  # ValueError: a name or value posix_spawn cannot pass
        _close_all([fd for fd, _ in pipes])
        raise RunError(f"error running {argv[0]}: {e}") from None
    finally:
        _close_all(child_ends)
    return Process(pid, pipes)


_SH = "/bin/sh"
_CD_EXEC = 'cd -- "$0" && exec "$@"'


def _which(cmd: str, env: dict[str, str]) -> str | None:
    """The executable `cmd` names, searched on the op env's PATH as `subprocess` does."""
    if "/" in cmd:
        return cmd if os.access(cmd, os.X_OK) else None
    for d in (env.get("PATH") or os.defpath).split(os.pathsep):
        path = os.path.join(d or ".", cmd)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


try:  # signal numbers without the enum-building `signal` module (start-up time)
    import _signal as _sig
except ImportError:  # pragma: no cover - other Pythons
    import signal as _sig

SIGTERM = _sig.SIGTERM
SIGKILL = _sig.SIGKILL
_DEFAULT_SIGNALS = tuple(getattr(_sig, n) for n in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(_sig, n))


class Process:
    """A child started with posix_spawn: the part of `subprocess.Popen` the engine needs. Using
    `subprocess` itself costs a third of a run's own start-up (the modules it imports)."""

    def __init__(self, pid: int, pipes: list[tuple[int, int]]):
        self.pid = pid
        self.pipes = pipes  # (read fd, stream: 0 stdout, 1 stderr)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The exit status (negative: killed by that signal); TimeoutError after `timeout` s."""
        if self.returncode is not None:
            return self.returncode
        if timeout is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while self.poll() is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError()
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.05)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(SIGKILL)


class _Deadline:
    """`--stop-after`: SIGTERM after N minutes, SIGKILL after a further kill delay."""

    def __init__(self, proc: Process, stop_after: float | None, kill_delay: float):
        self.proc = proc
        self.kill_delay = kill_delay
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
            self.proc.send_signal(SIGTERM)
            self.term_at = None
            self.kill_at = now + self.kill_delay


def wait_with_tee(proc: Process, tee: OutputTee | None, stop_after: float | None = None,
                  stop_kill_delay: float = 30) -> int:
    """Pump the process's pipes into `tee` and wait for its exit; returns the exit status.
    `--stop-after` sends SIGTERM after `stop_after` minutes, SIGKILL `stop_kill_delay` s later."""
    deadline = _Deadline(proc, stop_after, stop_kill_delay)
    try:
        if tee is not None:
            _pump(proc, tee, deadline)
        return _wait(proc, deadline)
    except KeyboardInterrupt:
        return _interrupt(proc)
    finally:
        _close_all([fd for fd, _ in proc.pipes])
        proc.pipes = []
        if tee is not None:
            tee.close()


def _pump(proc: Process, tee: OutputTee, deadline: _Deadline) -> None:
    import select

    poller = select.poll()
    streams = {}
    for fd, stream in proc.pipes:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        streams[fd] = stream
    while streams:
        timeout = deadline.timeout()
        for fd, _ in poller.poll(None if timeout is None else timeout * 1000):
            chunk = os.read(fd, 65536)
            if chunk:
                tee.write(chunk, streams[fd])
            else:
                poller.unregister(fd)
                del streams[fd]
        deadline.check()


def _wait(proc: Process, deadline: _Deadline) -> int:
    while True:
        try:
            return proc.wait(timeout=deadline.timeout())
        except TimeoutError:
            deadline.check()


def _interrupt(proc: Process) -> int:
    from guild.util import log

    try:
        return proc.wait(timeout=2)
    except (TimeoutError, KeyboardInterrupt):
        pass
    log.info("Operation interrupted - waiting for process to exit")
    try:
        return proc.wait(timeout=28)
    except (TimeoutError, KeyboardInterrupt):
        log.info("Operation process did not exit - stopping forcefully")
        proc.kill()
        return proc.wait()
