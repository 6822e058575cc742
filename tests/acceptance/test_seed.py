"""The headline acceptance document (pipelines restarted with --restart) must pass in full.

The document's "Restart pipeline with --needed" section notes the time in whole seconds
(`datetime.now().replace(microsecond=0)`) and expects a step that ran a few commands earlier to
count as started *before* it. That holds only when those commands take a second or more, as they
did with the original Guild (~0.6 s per command). Ours finish within the same second about half
the time, and no filter rule can tell the step from the note then. So this test runs the document
through a `guild` on PATH that pauses 0.2 s before each command — the original's pacing, without
changing any output — and requires every example to pass."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from conftest import GUILD_BIN, SHARED

SEED = os.path.join(SHARED, "seed", "000_622d312580af4119.txt")
GUILDDOC = os.path.join(SHARED, "tools", "guilddoc.py")
PAUSE_SECONDS = 0.2


def _paced_guild(bin_dir: str) -> None:
    path = os.path.join(bin_dir, "guild")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\nsleep {PAUSE_SECONDS}\nexec "{GUILD_BIN}" "$@"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)


@pytest.mark.skipif(not os.path.exists(SEED), reason=f"shared seed document not found at {SEED}")
def test_seed_document_passes(tmp_path):
    shim_dir = str(tmp_path / "bin")
    os.makedirs(shim_dir)
    _paced_guild(shim_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env["PATH"] = os.pathsep.join([shim_dir, os.path.dirname(sys.executable), env.get("PATH", "")])
    proc = subprocess.run(
        [sys.executable, GUILDDOC, "-v", "--samples", os.path.join(SHARED, "seed", "samples"), SEED],
        capture_output=True, text=True, env=env, timeout=900,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert last == "108 passed, 0 failed", (proc.stdout + proc.stderr)[-6000:]
