"""Default labels match those the original Guild stored in the 0.9 fixture home."""

import os
import tarfile

import pytest

from guild.flags.encode import default_label
from guild.util import yamlutil

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "fixtures", "guild-home-0.9.tar.gz")


def _runs_attrs():
    runs: dict[str, dict[str, str]] = {}
    with tarfile.open(FIXTURE) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if member.isfile() and parts[:2] == [".", "runs"] and parts[3:5] == [".guild", "attrs"]:
                if parts[5] in ("flags", "label"):
                    runs.setdefault(parts[2], {})[parts[5]] = tar.extractfile(member).read().decode()
    return runs


@pytest.mark.skipif(not os.path.exists(FIXTURE), reason="fixture home not available")
def test_default_labels_of_fixture_runs():
    checked = 0
    for run_id, attrs in sorted(_runs_attrs().items()):
        label = yamlutil.load(attrs.get("label", "''"))
        flags = yamlutil.load(attrs.get("flags", "{}")) or {}
        # Only labels made entirely of NAME=VAL pairs are default labels.
        if label and all("=" in part for part in label.split(" ")):
            assert default_label(flags) == label, run_id
            checked += 1
    assert checked >= 15
