"""kill -9 at random (seeded) moments of runs, batches and pipelines: whatever moment the
processes die, the home tells the truth afterwards (every run listed, no run running or pending
for a process that is gone, every attr file readable) and no command shows a traceback."""

from __future__ import annotations

import random
import time

import pytest
from _checks import SEED, home_violations, kill_group, report, start_guild, wait_gone

OP = """\
import time
x = 1
time.sleep(0.2)
print("loss:", x)
"""

GUILD_YML = """\
op:
  main: op
  flags-import: all
pipe:
  steps:
    - op x=1
    - op x=2
    - op x=3
"""

SCENARIOS = {
    "run": ["run", "op", "-y"],
    "batch": ["run", "op", "x=[1,2,3,4]", "-y"],
    "pipeline": ["run", "pipe", "-y"],
}
CASES = 6


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_kill_9_leaves_a_truthful_home(genv, scenario):
    genv.write("op.py", OP)
    genv.write("guild.yml", GUILD_YML)
    rng = random.Random(f"{SEED}-{scenario}")
    violations: list[str] = []
    for case in range(CASES):
        delay = rng.uniform(0, 1.2)
        whole_group = rng.random() < 0.7  # else only the guild process (its children live on)
        proc = start_guild(genv, *SCENARIOS[scenario])
        time.sleep(delay)
        where = f"{scenario} case {case} (kill -9 {'group' if whole_group else 'guild'} at {delay:.2f}s)"
        if whole_group:
            kill_group(proc)
        else:
            proc.kill()
            proc.wait(timeout=30)
        left = wait_gone(proc.pid, timeout=15)
        if left:
            kill_group(proc)
        violations += home_violations(genv, where)
    report(f"kill -9 during a {scenario}", CASES, violations)
