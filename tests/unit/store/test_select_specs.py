"""RUN spec resolution and the op filter (runs.md §6.1–6.2)."""

from __future__ import annotations

import pytest

from guild.store import select
from guild.store.run import Run


def _run(tmp_path, run_id, opref="guildfile:/p/guild.yml x '' train") -> Run:
    path = tmp_path / run_id
    (path / ".guild" / "attrs").mkdir(parents=True)
    (path / ".guild" / "opref").write_text(opref)
    return Run(run_id, str(path))


@pytest.fixture
def runs(tmp_path):
    return [_run(tmp_path, i * 32) for i in "abc"] + [_run(tmp_path, "ab" + "1" * 30)]


@pytest.mark.parametrize("spec, ids", [
    ("1", ["a"]), ("4", ["ab"]), ("2:3", ["b", "c"]), (":", ["a", "b", "c", "ab"]), (":2", ["a", "b"]),
    ("3:", ["c", "ab"]), ("3:2", []), ("c", ["c"]), ("ab", ["ab"]), ("a", ["a", "ab"]),
])
def test_resolve_spec(runs, spec, ids):
    names = ["a", "b", "c", "ab"]
    got = select.resolve_spec(runs, spec)
    assert [names[runs.index(r)] for r in got] == ids


@pytest.mark.parametrize("spec", ["0", "5", "5:9", "0:1", "zz"])
def test_out_of_range_is_id_prefix(runs, spec):
    with pytest.raises(select.SpecNotFound):
        select.resolve_spec(runs, spec)


def test_select_specs_dedupes_in_spec_order(runs):
    got = select.select_specs(runs, ["3", "1", "3", "1:2"])
    assert [r.id for r in got] == [runs[2].id, runs[0].id, runs[1].id]


def test_select_one_ambiguous(runs):
    with pytest.raises(select.SpecAmbiguous) as e:
        select.select_one_spec(runs, "a")
    assert [r.id for r in e.value.runs] == [runs[0].id, runs[3].id]


@pytest.mark.parametrize("val, opref, expected", [
    ("train", "guildfile:/p/guild.yml x '' train", True),
    ("train", "guildfile:/p/guild.yml x m train", True),
    ("trai", "guildfile:/p/guild.yml x '' train", False),
    ("tr*", "guildfile:/p/guild.yml x '' train", True),
    ("m:train", "guildfile:/p/guild.yml x '' train", False),
    ("m:*", "guildfile:/p/guild.yml x m train", True),
    ("^tr", "guildfile:/p/guild.yml x '' train", True),
    ("in$", "guildfile:/p/guild.yml x '' train", True),
    ("pkg/train", "package:pkg 1.0 '' train", True),
])
def test_op_matches(tmp_path, val, opref, expected):
    assert select.op_matches(_run(tmp_path, "r" * 32, opref), val) is expected
