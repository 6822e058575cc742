"""Output scalar capture: every example of guildfile-and-run.md §6.1–6.4."""

from __future__ import annotations

import math

import pytest

from guild.scalars.patterns import OutputAttrs, OutputScalars


def feed(osc, *lines):
    return [osc.feed_line(line) for line in lines]


@pytest.mark.parametrize("line,expected", [
    ("loss: 0.1", [("loss", 0.1, 0)]),
    ("val_loss: 0.3 (step 20)", [("val_loss", 0.3, 20)]),
    ("loss: 0.3 (20)", [("loss", 0.3, 20)]),
    ("sci: 1e-3", [("sci", 0.001, 0)]),
    ("x: -inf", [("x", -math.inf, 0)]),
    ("loss: 0.5   \n", [("loss", 0.5, 0)]),
    ("  indented: 3", []),
    ("key with space: 4", []),
    ("Epoch 3 loss=0.25", []),
    ("model: abc", []),
    ("step: 10", []),
])
def test_default_capture(line, expected):
    assert OutputScalars(None).feed_line(line) == expected


def test_default_nan():
    [(key, val, step)] = OutputScalars(None).feed_line("acc: nan")
    assert key == "acc" and math.isnan(val) and step == 0


def test_step_key_sets_step_and_sticks():
    osc = OutputScalars(None)
    assert feed(osc, "step: 10", "loss: 1", "loss: 2", "step: 11", "loss: 3") == [
        [], [("loss", 1.0, 10)], [("loss", 2.0, 10)], [], [("loss", 3.0, 11)]]


def test_step_from_match_applies_to_line_and_later():
    osc = OutputScalars(None)
    assert feed(osc, "a: 1", "b: 2 (step 5)", "a: 3", "a: 4") == [
        [("a", 1.0, 0)], [("b", 2.0, 5)], [("a", 3.0, 5)], [("a", 4.0, 5)]]


@pytest.mark.parametrize("keys,steps", [
    ("xyxy", [0, 0, 1, 1]),
    ("xyyyxy", [0, 0, 1, 2, 2, 3]),
])
def test_implied_steps(keys, steps):
    osc = OutputScalars(None)
    got = [osc.feed_line(f"{k}: 1")[0][2] for k in keys]
    assert got == steps


def test_flag_names_ignored_with_default_rules_only():
    assert OutputScalars(None, {"x"}).feed_line("x: 5") == []
    assert OutputScalars(["(\\key): (\\value)"], {"x"}).feed_line("x: 5") == [("x", 5.0, 0)]


@pytest.mark.parametrize("config", [False, [], "", {}])
def test_disabled(config):
    osc = OutputScalars(config)
    assert not osc.enabled
    assert osc.feed_line("loss: 1") == []


def test_spec_custom_example():
    osc = OutputScalars([
        {"loss": r"loss=(\value)"},
        {"step": r"Epoch (\step)"},
        r"(\key)=(\value)",
    ])
    assert osc.feed_line("Epoch 3 loss=0.25 acc=0.9") == [("acc", 0.9, 3), ("loss", 0.25, 3)]


def test_fixture_train_rules():
    osc = OutputScalars([{"step": r"step: (\step)"}, {"loss": r"loss: (\value)"}, {"acc": r"acc: (\value)"}])
    assert feed(osc, "step: 1", "loss: 0.5", "acc: 0.5", "step: 2", "loss: 0.33") == [
        [], [("loss", 0.5, 1)], [("acc", 0.5, 1)], [], [("loss", 0.33, 2)]]


def test_mapping_applied_in_sorted_key_order_and_groups():
    osc = OutputScalars({"b": r"b=(\value)", "a": r"a=(\value)", "ignored": r"(\w+)~(\value)"})
    assert osc.feed_line("a=1 b=2 c~3") == [("a", 1.0, 0), ("b", 2.0, 0), ("c", 3.0, 0)]


def test_named_groups():
    osc = OutputScalars(r"(?P<_key>\w+)=(?P<_val>\value)")
    assert osc.feed_line("p=1 q=2") == [("p", 1.0, 0), ("q", 2.0, 0)]
    osc = OutputScalars(r"acc (?P<acc>\value) at (?P<step>\step)")
    assert osc.feed_line("acc 0.5 at 7") == [("acc", 0.5, 7)]


def test_non_numbers_dropped_and_one_group_string_ignored():
    assert OutputScalars(r"(\key)=(\S+)").feed_line("a=x b=2") == [("b", 2.0, 0)]
    assert OutputScalars(r"loss=(\value)").feed_line("loss=1") == []


def test_multiple_matches_per_line():
    osc = OutputScalars(r"(\key)=(\value)")
    assert osc.feed_line("x=1 y=2") == [("x", 1.0, 0), ("y", 2.0, 0)]


def test_bad_regex_warns_and_is_skipped(capsys):
    osc = OutputScalars(["(", r"(\key)=(\value)"])
    assert osc.feed_line("x=1") == [("x", 1.0, 0)]
    assert capsys.readouterr().err.startswith("WARNING: error compiling pattern '('")


def test_output_attrs():
    oa = OutputAttrs(None, {"lr"})
    assert oa.feed_line("text_attr: hello") == [("text_attr", "hello")]
    assert oa.feed_line("loss: 0.5", {"loss"}) == []
    assert oa.feed_line("lr: 0.1") == []
    assert oa.feed_line("two words: x") == []
    assert oa.feed_line("note: a b") == []
    assert OutputAttrs(False).feed_line("a: b") == []
