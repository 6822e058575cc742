#!/usr/bin/env python3
"""Trials in parallel: a 4-trial grid of 1 s trials run sequentially, with `--jobs 2`, and on a
local Dask cluster of two 1-thread workers (started here); and an 8-trial grid of trivial
trials sequentially and with `--jobs 2`. Prints medians of whole-process wall times and the
ratios to sequential, paired per repetition.

    bench/bench_parallel.py [--reps 3] [--guild PATH]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--guild", default=os.path.join(HERE, "..", ".venv", "bin", "guild"))
    args = p.parse_args()
    guild = os.path.abspath(args.guild)
    with tempfile.TemporaryDirectory() as tmp:
        project = os.path.join(tmp, "project")
        os.makedirs(project)
        with open(os.path.join(project, "op.py"), "w") as f:
            f.write("import time\nx = 1\nsecs = 1.0\ntime.sleep(secs)\nprint('loss: %s' % x)\n")
        address, procs = _dask(os.path.dirname(guild))
        try:
            cases = {
                "sleep4.sequential": ["x=[1,2,3,4]"],
                "sleep4.jobs2": ["x=[1,2,3,4]", "--jobs", "2"],
                "sleep4.dask2": ["x=[1,2,3,4]", "--executor", address],
                "trivial8.sequential": ["x=[1,2,3,4,5,6,7,8]", "secs=0"],
                "trivial8.jobs2": ["x=[1,2,3,4,5,6,7,8]", "secs=0", "--jobs", "2"],
            }
            times: dict[str, list[float]] = {name: [] for name in cases}
            for _ in range(args.reps):
                for name, extra in cases.items():
                    times[name].append(_time(guild, project, tmp, extra))
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGKILL)
    for name, values in times.items():
        base = times[name.split(".")[0] + ".sequential"]
        ratio = statistics.median(v / b for v, b in zip(values, base))
        print(f"{name:22} median {statistics.median(values):6.2f} s  ratio to sequential {ratio:.2f}")


def _time(guild: str, project: str, tmp: str, extra: list[str]) -> float:
    home = tempfile.mkdtemp(dir=tmp)
    env = dict(os.environ, GUILD_HOME=home, NO_PIP_FREEZE="1")
    t0 = time.perf_counter()
    subprocess.run([guild, "run", "op.py", *extra, "-y"], cwd=project, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _dask(bin_dir: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    procs = [subprocess.Popen([os.path.join(bin_dir, "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                               str(port), "--no-dashboard"], **quiet),
             subprocess.Popen([os.path.join(bin_dir, "dask"), "worker", address, "--nworkers", "2",
                               "--nthreads", "1", "--no-dashboard"], **quiet)]
    time.sleep(6)
    return address, procs


if __name__ == "__main__":
    main()
