"""Scalars printed by a run land in TF event files that TensorBoard's own reader and ours read alike."""

from __future__ import annotations

import glob
import os

import pytest

SCRIPT = """
for step in range(3):
    print(f"step: {step}")
    print(f"loss: {1.0 / (step + 1)}")
    print(f"acc: {0.5 + step / 10}")
print("note: done")
"""


def test_run_scalars_read_by_tensorboard_and_by_guild(genv):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator",
        reason="the tensorboard extra is not installed",
    )
    from guild.scalars.events import iter_events

    genv.write("train.py", SCRIPT)
    r = genv.run("run", "train.py", "-y")
    assert r.rc == 0, r.err
    run_dir = os.path.join(genv.runs_dir(), genv.run_ids()[0])
    event_files = [p for p in glob.glob(os.path.join(run_dir, ".guild", "events.out.tfevents.*"))
                   if not p.endswith(".attrs")]
    assert len(event_files) == 1

    ours = {}
    for tag, value, step, _ in iter_events(event_files[0]):
        ours.setdefault(tag, []).append((step, round(value, 6)))
    acc = event_accumulator.EventAccumulator(os.path.dirname(event_files[0]))
    acc.Reload()
    theirs = {
        tag: [(e.step, round(e.value, 6)) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]
    }
    assert ours == theirs == {
        "loss": [(0, 1.0), (1, 0.5), (2, 0.333333)],
        "acc": [(0, 0.5), (1, 0.6), (2, 0.7)],
    }
    info = genv.run("runs", "info").out
    assert "  acc: 0.700000 (step 2)\n  loss: 0.333333 (step 2)\n" in info
    assert "attributes:\n  note: done" in info
