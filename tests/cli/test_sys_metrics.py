"""System metrics sampled by the `guild run` process while a run goes: `sys/*` scalars in the run's
event files when it logs summaries of its own, as with Guild (hidden from compare and runs info
unless asked for), for every run with `sys-metrics: always`, off with `plugins: no` or the user
config, sampled at the configured interval."""

from __future__ import annotations

import os

TWO_SECONDS = """\
import time
from guild import summary
x = 1
time.sleep(2)
summary.SummaryWriter("logs").add_scalar("loss", x)
"""
PRINTS_ONLY = "x = 1\nprint('loss: %s' % x)\n"


def _sys_tags(genv) -> dict[str, int]:
    """{tag: count of values} of the newest run's sys/ scalars, from `compare --csv`."""
    out = genv.run("runs", "info", "--all-scalars")
    assert out.rc == 0, out.output
    tags = {}
    lines = out.out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  sys/") and line.endswith(":"):
            total = next(li for li in lines[i + 1:] if li.strip().startswith("total:"))
            tags[line.strip().rstrip(":")] = int(total.split("(step ")[1].rstrip(")"))
    return tags


def test_a_two_second_run_records_system_metrics(genv):
    genv.write("two.py", TWO_SECONDS)
    assert genv.run("run", "two.py", "-y").rc == 0
    tags = _sys_tags(genv)
    assert {"sys/cpu_util", "sys/mem_util", "sys/disk_util"} <= set(tags), tags
    compare = genv.run("compare", "--csv", "-").out
    assert "sys/" not in compare and "loss" in compare.splitlines()[0].split(",")  # hidden unless asked for
    assert "sys/cpu_util" in genv.run("compare", "--csv", "-", "--all-scalars").out
    values = genv.run("compare", "--csv", "-", "--all-scalars").out.splitlines()
    header, row = values[0].split(","), values[1].split(",")
    cpu = float(row[header.index("sys/cpu_util")])
    assert 0 <= cpu <= 100


def test_interval_from_the_user_config(genv):
    genv.write("two.py", TWO_SECONDS)
    with open(os.path.join(genv.home, "config.yml"), "w") as f:
        f.write("sys-metrics:\n  interval: 0.4\n")
    assert genv.run("run", "two.py", "-y").rc == 0
    assert _sys_tags(genv)["sys/cpu_util"] >= 4


def test_only_for_runs_logging_summaries_unless_always(genv):
    genv.write("prints.py", PRINTS_ONLY)
    assert genv.run("run", "prints.py", "-y").rc == 0
    assert _sys_tags(genv) == {}  # output scalars alone: none, as with Guild
    with open(os.path.join(genv.home, "config.yml"), "w") as f:
        f.write("sys-metrics: always\n")
    assert genv.run("run", "prints.py", "-y").rc == 0
    assert "sys/cpu_util" in _sys_tags(genv)


def test_switched_off(genv):
    genv.write("two.py", TWO_SECONDS.replace("time.sleep(2)", "time.sleep(0.1)"))
    genv.write("guild.yml", "quiet:\n  main: two\n  plugins: no\n")
    assert genv.run("run", "quiet", "-y").rc == 0
    assert _sys_tags(genv) == {}
    with open(os.path.join(genv.home, "config.yml"), "w") as f:
        f.write("sys-metrics: no\n")
    assert genv.run("run", "two.py", "-y").rc == 0
    assert _sys_tags(genv) == {}
