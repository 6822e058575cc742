"""The `guild run --test-output-scalars` and `--test-flags` options: show how an operation would
capture scalars from sample output, or how its flags are defined, without running it
(guildfile-and-run.md §5.3)."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Iterable


def test_output_scalars(opdef, source: str) -> None:
    """Print each line of `source` (a file path, `-` for stdin), then under it each of the op's
    output-scalars patterns with what it captures from the line."""
    from guild.scalars.patterns import OutputScalars

    scalars = OutputScalars(opdef.output_scalars, set(opdef.flags))
    if source == "-":
        _print_matches(scalars, sys.stdin)
        return
    from guild.errors import GuildError

    try:
        f = open(source, encoding="utf-8", errors="replace")
    except OSError as e:
        raise GuildError(f"cannot read {source}: {e.strerror}") from None
    with f:
        _print_matches(scalars, f)


def _print_matches(scalars, lines: Iterable[str]) -> None:
    out = sys.stdout
    for line in lines:
        line = line.rstrip()
        out.write(line + "\n")
        for pattern, found in scalars.test_line(line):
            matches = ", ".join(f"{key}={_value_text(key, val)}" for key, val in found)
            out.write(f"  {pattern!r}: {matches or '<no matches>'}\n")
        out.flush()


def _value_text(key: str, val: float) -> str:
    return str(int(val)) if key == "step" else repr(val)


def test_flags(opdef) -> None:
    """Print the op's flags-dest, flags-import and flag attributes; the flags found in its
    script go to stderr."""
    from guild.flags import help_op

    if opdef.is_python and not opdef.is_pipeline:
        sys.stderr.write(help_op.format_script_flags(opdef.full_name, _script_flags(opdef)))
    flags_import = opdef.raw.get("flags-import", opdef.flags_import)
    sys.stdout.write(help_op.format_test_flags(opdef.flags_dest, flags_import, opdef.flags))


def _script_flags(opdef) -> dict:
    """Every flag the op's script defines, whatever flags-import selects."""
    from guild.errors import GuildError
    from guild.project import flags_import
    from guild.store import home

    probe = opdef.replace(flags={}, flags_import=True, flags_import_skip=[])
    try:
        cache = home.cache_dir("import-flags")
    except GuildError:
        cache = None
    flags_import.import_flags(probe, cache)
    return probe.flags
