"""Step checks (`expect:`) evaluated after a step exits 0 (pipelines-and-batches.md §1.7)."""

from __future__ import annotations

import glob
import os
import re

from guild.errors import GuildError
from guild.store.run import Run
from guild.util import log


def run_checks(step, run: Run) -> None:
    passed = 0
    total = 0
    for check in step.expect:
        if not isinstance(check, dict) or not ({"output", "file"} & set(check)):
            log.runner("WARNING", f"unsupported check {check!r} - skipping")
            continue
        total += 1
        try:
            if "output" in check:
                _check_output(run, str(check["output"]))
            else:
                _check_file(run, check)
        except _CheckFailed as e:
            log.runner("ERROR", f"check failed: {e}")
        else:
            passed += 1
    log.runner("INFO", f"{passed} of {total} checks passed")
    if passed < total:
        raise GuildError("stopping because a check failed - see above for details", exit_code=3)


class _CheckFailed(Exception):
    pass


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        raise _CheckFailed(f"error reading run output from {path}") from None


def _check_output(run: Run, pattern: str) -> None:
    log.runner("INFO", f"checking run {run.id} output for {pattern!r}")
    if not re.search(pattern, _read(run.guild_path("output")), re.MULTILINE):
        raise _CheckFailed(f"could not find pattern {pattern!r} in run {run.id} output")


def _check_file(run: Run, check: dict) -> None:
    pattern = str(check["file"])
    log.runner("INFO", f"checking run {run.id} files {pattern!r}")
    matches = sorted(glob.glob(os.path.join(run.path, pattern)))
    if not matches:
        raise _CheckFailed(f"no files matching {pattern} in run {run.id}")
    for path in matches:
        rel = os.path.relpath(path, run.path)
        if check.get("compare-to"):
            other = os.path.join(run.path, os.path.expandvars(str(check["compare-to"])))
            log.runner("INFO", f"comparing run {run.id} file {rel} to {other}")
            a, b = _read(path).splitlines(True), _read(other).splitlines(True)
            if a != b:
                import difflib

                log.runner("ERROR", "".join(difflib.unified_diff(b, a, other, rel)))
                raise _CheckFailed("unexpected file contents - see above for details")
        if check.get("contains"):
            regex = str(check["contains"])
            log.runner("INFO", f"checking run {run.id} file {rel} for {regex!r}")
            if not re.search(regex, _read(path), re.MULTILINE):
                raise _CheckFailed(f"could not find pattern {regex!r} in run {run.id} file {rel}")
