"""`guild run --background` / `--pidfile`: fork, detach, and run the op in the child."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from guild.engine.start import StartJob


def start_in_background(job: StartJob, pidfile: str | None) -> str:
    """Start the run in a detached child process; returns the pidfile it writes (a temp path
    when `pidfile` is None)."""
    import tempfile

    from guild.engine import start
    from guild.errors import Interrupted

    pidfile = pidfile or os.path.join(tempfile.mkdtemp(prefix="guild-"), "pid")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pidfile
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    with open(pidfile, "w") as f:
        f.write(str(os.getpid()))
    code = 1
    try:
        code = start.exit_code_for(start.run_job(job, None))
    except Interrupted as e:
        code = 128 + e.signum
    finally:
        try:
            os.remove(pidfile)
        except OSError:
            pass
        os._exit(code)
