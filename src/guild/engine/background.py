"""`guild run --background` / `--pidfile`: fork, detach, and run the op in the child."""

from __future__ import annotations

import os
import sys
import tempfile

from guild.store.run import Run


def start_in_background(run: Run, plan, opts, cmd_dir: str, extra_env) -> int:
    from guild.engine import lifecycle

    pidfile = opts.pidfile or os.path.join(tempfile.mkdtemp(prefix="guild-"), "pid")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        print(f"{plan.op_desc} started in background as {run.id} (pidfile {pidfile})")
        return 0
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    with open(pidfile, "w") as f:
        f.write(str(os.getpid()))
    code = 1
    try:
        quiet = opts.copy(quiet=True, background=False, pidfile=None)
        code = lifecycle.start(run, plan, quiet, cmd_dir, extra_env)
    finally:
        try:
            os.remove(pidfile)
        except OSError:
            pass
        os._exit(lifecycle.exit_code_for(code) if isinstance(code, int) else 1)
