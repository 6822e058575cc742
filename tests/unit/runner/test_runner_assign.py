"""Removing the first module-level assignment of injected names (spec §4.5 step 4)."""

from guild.runner import assign


def _run(source: str, names: dict) -> dict:
    tree = assign.parse(source.encode(), "<test>")
    assign.strip_first_assignments(tree, set(names))
    ns = dict(names)
    exec(compile(tree, "<test>", "exec"), ns)
    return ns


def test_later_reassignments_still_run():
    assert _run("x = 1\nx = x + 100\n", {"x": 7})["x"] == 107


def test_assignment_inside_top_level_if_and_else():
    src = "if cond:\n    a = 1\nelse:\n    b = 2\n"
    ns = _run("cond = False\n" + src, {"a": "A", "b": "B"})
    assert (ns["a"], ns["b"]) == ("A", "B")


def test_only_named_targets_of_chained_assignment_are_dropped():
    ns = _run("x = y = 1\n", {"x": 5})
    assert (ns["x"], ns["y"]) == (5, 1)


def test_annotated_assignment_and_untouched_names():
    ns = _run("lr: float = 0.1\nother = 3\n", {"lr": 0.5})
    assert (ns["lr"], ns["other"]) == (0.5, 3)


def test_function_locals_are_not_module_level():
    src = "def f():\n    x = 1\n    return x\nx = 2\nr = f()\n"
    ns = _run(src, {"x": 9})
    assert (ns["x"], ns["r"]) == (9, 1)
