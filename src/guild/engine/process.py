"""Start the op process, tee its output to the terminal and `.guild/output` (+ `output.index`),
feed completed lines to output-scalar capture, and wait for its exit (spec §5.7).

Both pipes are read by one poll loop in the calling thread, not by reader threads: threads cost
a GIL hand-off per chunk, which shows in batches of short trials."""

from __future__ import annotations

import os
import struct
import time

from guild.errors import Interrupted
from guild.util import procs

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

SIGINT = _sig.SIGINT
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


# Seconds an interrupted op has to exit before its process tree is killed. A batch or pipeline
# process gets longer, to stop its own running trial or step within that op's grace first.
STOP_GRACE = 3.0
RUNNER_STOP_GRACE = 4.5


def _raise_interrupted(signum: int, _frame) -> None:
    raise Interrupted(signum)


# A stop signal the main thread received, for runs waited on in other threads (signals reach
# only the main thread): parallel trials of a batch are stopped through it.
_stop_request: int | None = None
_THREAD_POLL = 0.2  # seconds between checks of it by waits in other threads


def _in_main_thread() -> bool:
    import sys

    threading = sys.modules.get("threading")  # no other threads if it was never imported
    return threading is None or threading.current_thread() is threading.main_thread()


def request_stop(signum: int | None) -> None:
    """Stop every run this process waits on in other threads as if it got `signum` (None to
    clear the request)."""
    global _stop_request
    _stop_request = signum


def trap_stop_signals() -> dict[int, object] | None:
    """Turn SIGTERM and SIGHUP into `Interrupted` (SIGINT is already KeyboardInterrupt); returns
    the handlers to restore, or None outside the main thread, where signals cannot be caught."""
    try:
        return {sig: _sig.signal(sig, _raise_interrupted) for sig in (SIGTERM, _sig.SIGHUP)}
    except ValueError:
        return None


def restore_signals(saved: dict[int, object] | None) -> None:
    for sig, handler in (saved or {}).items():
        _sig.signal(sig, handler)


class _Stopper:
    """When to signal the op: `--stop-after` (SIGTERM after N minutes, SIGKILL after a further
    kill delay) and stop signals this process received: the op gets the same signal (unless it
    is a Ctrl-C its terminal already sent it), and whatever is left of its process tree is
    killed after the grace period. A second stop signal kills at once."""

    def __init__(self, proc: Process, stop_after: float | None, kill_delay: float, grace: float,
                 stop_file: str | None = None):
        self.proc = proc
        self.in_thread = not _in_main_thread()
        self.stop_file = stop_file
        self.kill_delay = kill_delay
        self.grace = grace
        self.started = time.monotonic()
        self.term_at = self.started + stop_after * 60 if stop_after else None
        self.kill_at: float | None = None
        self.signum: int | None = None  # the stop signal received, if any
        self.tree: list[int] = []  # the op's descendants when it was interrupted

    def timeout(self) -> float | None:
        times = [t for t in (self.term_at, self.kill_at) if t is not None]
        timeout = max(0.0, min(times) - time.monotonic()) if times else None
        if self.in_thread:
            return _THREAD_POLL if timeout is None else min(timeout, _THREAD_POLL)
        return timeout

    def interrupt(self, signum: int) -> None:
        now = time.monotonic()
        if self.signum is not None:  # a second stop signal: no more waiting
            self.kill_at = now
            return
        self.signum = signum
        self.tree = procs.descendants(self.proc.pid)
        if signum != SIGINT or not _terminal_interrupts(self.proc.pid):
            self.proc.send_signal(signum)
        self.kill_at = now + self.grace

    def check(self) -> None:
        from guild.util import log

        if self.in_thread and self.signum is None:
            requested = _stop_request if _stop_request is not None else _file_request(self.stop_file)
            if requested is not None:
                self.interrupt(requested)
        now = time.monotonic()
        if self.kill_at is not None and now >= self.kill_at:
            if self.signum is not None:
                log.info("Operation process did not exit - stopping forcefully")
            procs.kill_all([self.proc.pid, *self.tree, *procs.descendants(self.proc.pid)])
            self.kill_at = None
        elif self.term_at is not None and now >= self.term_at:
            elapsed = (now - self.started) / 60
            log.info(f"Stopping process early (pid {self.proc.pid}) - {elapsed:.1f} minute(s) elapsed")
            self.proc.send_signal(SIGTERM)
            self.term_at = None
            self.kill_at = now + self.kill_delay


def _file_request(path: str | None) -> int | None:
    if path is None:
        return None
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else SIGTERM


def _terminal_interrupts(pid: int) -> bool:
    """Whether a Ctrl-C on this process's terminal reaches `pid` too: this process and `pid` are
    in the terminal's foreground process group."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        group = os.getpgrp()
        return os.tcgetpgrp(fd) == group and os.getpgid(pid) == group
    except OSError:
        return False
    finally:
        os.close(fd)


def wait_with_tee(proc: Process, tee: OutputTee | None, stop_after: float | None = None,
                  stop_kill_delay: float = 30, grace: float = STOP_GRACE,
                  stop_file: str | None = None) -> tuple[int, int | None]:
    """Pump the process's pipes into `tee` and wait for its exit; returns its exit status and
    the stop signal this process received meanwhile (None if none). `--stop-after` sends SIGTERM
    after `stop_after` minutes, SIGKILL `stop_kill_delay` s later. An interrupted op that does not
    exit 0 is recorded as killed by the signal (`terminated`), and no process of its tree is
    left behind. Waiting in another thread than the main one, the op is also stopped when
    `request_stop` is called, or when `stop_file` appears (holding the signal number: how a
    batch stops a trial running on a Dask worker)."""
    stopper = _Stopper(proc, stop_after, stop_kill_delay, grace, stop_file)
    try:
        while True:
            try:
                if tee is not None and proc.pipes:
                    _pump(proc, tee, stopper)
                status = _wait(proc, stopper)
                break
            except KeyboardInterrupt:
                stopper.interrupt(SIGINT)
            except Interrupted as e:
                stopper.interrupt(e.signum)
    finally:
        _close_all([fd for fd, _ in proc.pipes])
        proc.pipes = []
        if tee is not None:
            tee.close()
    if stopper.signum is None:
        return status, None
    procs.kill_all(stopper.tree)
    return (status if status == 0 else -stopper.signum), stopper.signum


def _pump(proc: Process, tee: OutputTee, stopper: _Stopper) -> None:
    import select

    poller = select.poll()
    streams = {}
    for fd, stream in proc.pipes:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        streams[fd] = stream
    while streams:
        timeout = stopper.timeout()
        for fd, _ in poller.poll(None if timeout is None else timeout * 1000):
            chunk = os.read(fd, 65536)
            if chunk:
                tee.write(chunk, streams[fd])
            else:
                poller.unregister(fd)
                del streams[fd]
                _close_all([fd])
                proc.pipes = [p for p in proc.pipes if p[0] != fd]
        stopper.check()


def _wait(proc: Process, stopper: _Stopper) -> int:
    while True:
        try:
            return proc.wait(timeout=stopper.timeout())
        except TimeoutError:
            stopper.check()
