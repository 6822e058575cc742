#!/usr/bin/env python3
"""Homes of many runs: `guild runs` and `guild compare --csv -` with and without the run index
and scalar cache, at 2,000 / 20,000 / 100,000 runs, and compare over 5 runs that each logged
300,000 scalar values.

    bench/bench_index.py [--sizes 2000,20000,100000] [--reps 5] [--guild PATH]

Homes are made once by ../shared/bench/make_home.py under $BENCH_TMP/homes (default
/tmp/guild-bench/homes; 100,000 runs take about 11 GB and two minutes). Prints medians of
whole-process wall times (warm compare and the raw-read floor alternated, with their ratio);
`cold` removes GUILD_HOME/cache before the (single) timed call.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "bench")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="2000,20000,100000")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--guild", default=os.path.join(HERE, "..", ".venv", "bin", "guild"))
    args = p.parse_args()
    tmp = os.environ.get("BENCH_TMP") or "/tmp/guild-bench"
    homes = os.path.join(tmp, "homes")
    os.makedirs(homes, exist_ok=True)
    for n in (int(s) for s in args.sizes.split(",")):
        home = _home(homes, n)
        _report(f"n{n}.runs.cold", [_cold(args.guild, home, ["runs"])])
        _report(f"n{n}.runs.warm", _reps(args.guild, home, ["runs"], args.reps))
        _report(f"n{n}.compare.cold", [_cold(args.guild, home, ["compare", "--csv", "-"])])
        warm, floor = _paired(args.guild, home, args.reps)
        _report(f"n{n}.compare.warm", warm)
        _report(f"n{n}.floor.compare", floor)
        print(f"{f'n{n}.compare.warm/floor':28} ratio  {statistics.median(warm) / statistics.median(floor):8.2f}", flush=True)
    home = _scalar_home(homes)
    _report("big-scalars.compare.cold", [_cold(args.guild, home, ["compare", "--csv", "-"])])
    _report("big-scalars.compare.warm", _reps(args.guild, home, ["compare", "--csv", "-"], args.reps))


def _home(homes: str, n: int) -> str:
    home = os.path.join(homes, f"n{n}")
    if not os.path.isfile(os.path.join(home, "bench-home.json")):
        subprocess.run([sys.executable, os.path.join(SHARED, "make_home.py"), str(n), home, "--force"], check=True)
    return home


def _scalar_home(homes: str) -> str:
    """5 runs, each with one event file of 300,000 `loss` values."""
    home = os.path.join(homes, "big-scalars")
    if os.path.isdir(home):
        return home
    subprocess.run([sys.executable, os.path.join(SHARED, "make_home.py"), "5", home, "--force"], check=True)
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    from guild.scalars import events

    runs = os.path.join(home, "runs")
    for run_id in os.listdir(runs):
        guild_dir = os.path.join(runs, run_id, ".guild")
        for name in os.listdir(guild_dir):
            if ".tfevents." in name:
                os.remove(os.path.join(guild_dir, name))
        values = [("loss", 1.0 / (i + 1), i, 1.7e9 + i) for i in range(300_000)]
        events.write_scalars_file(os.path.join(guild_dir, "events.out.tfevents.1700000000.bench.1.0"), values)
    return home


def _time(guild: str, home: str, args: list[str]) -> float:
    env = dict(os.environ, GUILD_HOME=home)
    t0 = time.perf_counter()
    subprocess.run([guild, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def _cold(guild: str, home: str, args: list[str]) -> float:
    shutil.rmtree(os.path.join(home, "cache"), ignore_errors=True)
    return _time(guild, home, args)


def _reps(guild: str, home: str, args: list[str], reps: int) -> list[float]:
    _time(guild, home, args)  # warm-up
    return [_time(guild, home, args) for _ in range(reps)]


def _paired(guild: str, home: str, reps: int) -> tuple[list[float], list[float]]:
    """Warm `compare --csv -` and the raw-read floor, alternated (the machine is noisy)."""
    floor_cmd = [sys.executable, "-S", os.path.join(SHARED, "floor_read.py"), "compare", os.path.join(home, "runs")]
    _time(guild, home, ["compare", "--csv", "-"])  # warm-up
    ours, floor = [], []
    for _ in range(reps):
        ours.append(_time(guild, home, ["compare", "--csv", "-"]))
        t0 = time.perf_counter()
        subprocess.run(floor_cmd, stdout=subprocess.DEVNULL, check=True)
        floor.append(time.perf_counter() - t0)
    return ours, floor


def _report(name: str, times: list[float]) -> None:
    print(f"{name:28} median {statistics.median(times):8.3f} s  (min {min(times):.3f}, n={len(times)})", flush=True)


if __name__ == "__main__":
    main()
