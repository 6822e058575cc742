"""Run scalar summaries: sources and keys, first/last/min/max tie rules, NaN, attributes."""

from __future__ import annotations

import math
import os

from guild.scalars.events import EventWriter
from guild.scalars.summary import run_attributes, run_scalars


def _write(dir_, values, suffix=""):
    w = EventWriter(str(dir_), suffix)
    for tag, val, step in values:
        w.add_scalar(tag, val, step)
    w.close()
    return w.path


def _run(path):
    os.makedirs(path / ".guild", exist_ok=True)
    (path / ".guild" / "opref").write_text("guildfile:/p/guild.yml abc '' op\n")
    return path


def test_summary_rules(tmp_path):
    run = _run(tmp_path / "run")
    # restart from step 0 after reaching step 20; values tie in places
    _write(run / ".guild", [("loss", 1.0, 0), ("loss", 0.5, 20), ("loss", 0.5, 10)])
    _write(run / ".guild", [("loss", 2.0, 0), ("loss", 0.25, 20), ("loss", 2.0, 5)])
    [s] = run_scalars(str(run))
    assert (s.prefix, s.tag, s.key) == (".guild", "loss", "loss")
    assert (s.first_val, s.first_step) == (1.0, 0)  # earliest wins a tie
    assert (s.last_val, s.last_step) == (0.25, 20)  # latest wins a tie
    assert (s.min_val, s.min_step) == (0.25, 20)
    assert (s.max_val, s.max_step) == (2.0, 0)  # earliest of the two 2.0
    assert s.count == 6 and s.total == 6.25 and s.avg_val == 6.25 / 6


def test_prefixes_keys_and_order(tmp_path):
    run = _run(tmp_path / "run")
    step = _run(tmp_path / "step")
    _write(run / ".guild", [("loss", 0.5, 1), ("val#x", 1.0, 1), ("sys/cpu", 3.0, 1)])
    _write(run, [("loss", 0.7, 2)])
    _write(run / "logs", [("acc", 0.1, 3)])
    _write(step / ".guild", [("loss", 0.9, 4)])
    os.symlink(step, run / "train")
    got = [(s.prefix, s.tag, s.key, s.last_val) for s in run_scalars(str(run))]
    assert got == [
        ("", "loss", "loss", 0.699999988079071),
        (".guild", "loss", "loss", 0.5),
        (".guild", "sys/cpu", "sys/cpu", 3.0),
        (".guild", "val#x", "val#x", 1.0),
        ("logs", "acc", "logs#acc", 0.10000000149011612),
        ("train/.guild", "loss", "train/.guild#loss", 0.8999999761581421),
    ]


def test_nan_values_are_none_and_inf_kept(tmp_path):
    run = _run(tmp_path / "run")
    _write(run / ".guild", [("a", float("nan"), 0), ("b", float("-inf"), 1)])
    a, b = run_scalars(str(run))
    assert a.last_val is None and a.total is None and a.count == 1
    assert b.last_val == -math.inf and b.last_step == 1


def test_no_scalars(tmp_path):
    assert run_scalars(str(_run(tmp_path / "run"))) == []
    assert run_scalars(str(tmp_path / "missing")) == []


def test_undecodable_event_warns(tmp_path, capsys):
    from guild.scalars import events

    run = _run(tmp_path / "run")
    _write(run / ".guild", [("a", 1.0, 0)])
    (run / ".guild" / "events.out.tfevents.9999999999.h.1.9").write_bytes(events._record(b"\x2a\x7f"))
    [s] = run_scalars(str(run))
    assert s.tag == "a"
    assert capsys.readouterr().err == f"WARNING: error reading TF event from {run / '.guild'}: truncated message\n"


def test_run_attributes(tmp_path):
    run = _run(tmp_path / "run")
    w = EventWriter(str(run / ".guild"), ".attrs")
    w.add_text("note", "hello")
    w.add_text("note", "again")
    w.add_text("b/text_summary", "x")
    w.close()
    assert run_attributes(str(run)) == [(".guild", "b", "x"), (".guild", "note", "again")]
