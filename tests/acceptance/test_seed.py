"""The headline acceptance document (pipelines restarted with --restart) must pass in full."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import SHARED

SEED = os.path.join(SHARED, "seed", "000_622d312580af4119.txt")
GUILDDOC = os.path.join(SHARED, "tools", "guilddoc.py")


@pytest.mark.skipif(not os.path.exists(SEED), reason=f"shared seed document not found at {SEED}")
def test_seed_document_passes():
    bin_dir = os.path.dirname(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [sys.executable, GUILDDOC, "-v", "--samples", os.path.join(SHARED, "seed", "samples"), SEED],
        capture_output=True, text=True, env=env, timeout=900,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert last == "108 passed, 0 failed", proc.stdout[-5000:] + proc.stderr[-2000:]
