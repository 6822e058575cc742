"""The `guild run --test-output-scalars` and `--test-flags` options: how an operation would
capture scalars from sample output, or how its flags are defined, without running it
(guildfile-and-run.md §5.3)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Iterable, Iterator

    from guild.engine.context import RunContext


def output_scalar_matches(opdef, lines: Iterable[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """For each line of sample output: the line, and per output-scalars pattern of the op its
    repr and what it captures (`key=value, ...`, or `<no matches>`)."""
    from guild.scalars.patterns import OutputScalars

    scalars = OutputScalars(opdef.output_scalars, set(opdef.flags))
    for line in lines:
        line = line.rstrip()
        found_by_pattern = []
        for pattern, found in scalars.test_line(line):
            matches = ", ".join(f"{key}={_value_text(key, val)}" for key, val in found)
            found_by_pattern.append((repr(pattern), matches or "<no matches>"))
        yield line, found_by_pattern


def output_attr_matches(opdef, lines: Iterable[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """For each line of sample output: the line and the attributes (key, text) the op's
    output-attrs rules capture from it."""
    from guild.scalars.patterns import OutputAttrs, OutputScalars

    scalars = OutputScalars(opdef.output_scalars, set(opdef.flags))
    attrs = OutputAttrs(opdef.output_attrs, set(opdef.flags))
    for line in lines:
        line = line.rstrip()
        keys = {k for k, _, _ in scalars.feed_line(line)}
        yield line, attrs.feed_line(line, keys)


def _value_text(key: str, val: float) -> str:
    return str(int(val)) if key == "step" else repr(val)


def flags_report(opdef, ctx: RunContext) -> tuple[str, str]:
    """(the flags found in the op's script, or "" for non-Python ops; the op's flags-dest,
    flags-import and flag attributes)."""
    from guild.flags import help_op

    script = ""
    if opdef.is_python and not opdef.is_pipeline:
        script = help_op.format_script_flags(opdef.full_name, _script_flags(opdef, ctx))
    flags_import = opdef.raw.get("flags-import", opdef.flags_import)
    return script, help_op.format_test_flags(opdef.flags_dest, flags_import, opdef.flags)


def _script_flags(opdef, ctx: RunContext) -> dict:
    """Every flag the op's script defines, whatever flags-import selects."""
    from guild.project import flags_import

    probe = opdef.replace(flags={}, flags_import=True, flags_import_skip=[])
    flags_import.import_flags(probe, ctx.cache_dir("import-flags"), ctx.environ)
    return probe.flags
