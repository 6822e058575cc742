"""The `guild run OP --help-op` text (guildfile-and-run.md §3.6).

Layout follows a 78-column help formatter: flag names padded to a common width (at most 30), help
text wrapped beside them, continuation lines indented to the text column, and a blank line after
every flag whose help takes more than one line."""

from __future__ import annotations

from guild.flags.encode import assign_value, encode_flag_value
from guild.util.text import first_line, wrap

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

_WIDTH = 78
_INDENT = 2
_NAME_COL_MAX = 30
_COL_GAP = 2


def format_help_op(
    op_full_name: str, description: str | None, flagdefs: dict,
    dependencies: list[tuple[str, str]] | None = None,
) -> str:
    """The help text for an operation, ending with one newline (ready for `sys.stdout.write`).
    `dependencies` are the `(spec, description)` rows of the `Dependencies:` section."""
    lines = [f"Usage: guild run [OPTIONS] {op_full_name} [FLAG]...", ""]
    if description and description.strip():
        lines.extend(_wrap_paragraphs(description, _WIDTH))
        lines.append("")
    lines.append("Use 'guild run --help' for a list of options.")
    if dependencies:
        lines.extend(["", "Dependencies:"])
        lines.extend(_definition_list([(spec, _split_paragraphs(desc)) for spec, desc in dependencies]))
    if flagdefs:
        lines.extend(["", "Flags:"])
        lines.extend(_definition_list([(name, _flag_help(flagdefs[name] or {})) for name in sorted(flagdefs)]))
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _flag_help(flagdef: dict) -> list[str | list[str]]:
    """A flag's help as paragraphs: strings are rewrapped, lists are lines kept as they are."""
    text = str(flagdef.get("description") or "").strip()
    if flagdef.get("required"):
        text += " (required)"
    if flagdef.get("default") is not None:
        text += f" (default is {assign_value(flagdef['default'])})"
    paragraphs: list[str | list[str]] = _split_paragraphs(text.strip())
    choices = flagdef.get("choices")
    if choices:
        paragraphs.append(_choices_lines(choices))
    return paragraphs


def _choices_lines(choices: list) -> list[str]:
    rows = [_choice_row(c) for c in choices]
    if not any(desc for _, desc in rows):
        return ["Choices:  " + ", ".join(value for value, _ in rows)]
    width = max(len(value) for value, _ in rows)
    return ["Choices:"] + [f"  {value.ljust(width)}  {desc}".rstrip() for value, desc in rows]


def _choice_row(choice: Any) -> tuple[str, str]:
    if not isinstance(choice, dict):
        return encode_flag_value(choice), ""
    alias = choice.get("alias")
    shown = str(alias) if alias is not None else encode_flag_value(choice.get("value"))
    return shown, first_line(choice.get("description"))


def _definition_list(rows: list[tuple[str, list[str | list[str]]]]) -> list[str]:
    name_col = min(max(len(name) for name, _ in rows), _NAME_COL_MAX) + _COL_GAP
    text_width = max(_WIDTH - name_col - 2, 10)
    text_indent = " " * (_INDENT + name_col)
    out: list[str] = []
    for name, paragraphs in rows:
        head = " " * _INDENT + name
        help_lines = _render_paragraphs(paragraphs, text_width)
        if not help_lines:
            out.append(head)
            continue
        if len(name) <= name_col - _COL_GAP:
            out.append(head.ljust(_INDENT + name_col) + help_lines[0])
        else:
            out.extend([head, text_indent + help_lines[0]])
        out.extend(text_indent + line for line in help_lines[1:])
        if len(help_lines) > 1:
            out.append("")
    return out


def _render_paragraphs(paragraphs: list[str | list[str]], width: int) -> list[str]:
    lines: list[str] = []
    for para in paragraphs:
        if lines:
            lines.append("")
        lines.extend(para if isinstance(para, list) else wrap(para, width))
    return lines


def _split_paragraphs(text: str) -> list[str | list[str]]:
    paragraphs: list[str | list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _wrap_paragraphs(text: str, width: int) -> list[str]:
    return _render_paragraphs(_split_paragraphs(text.strip()), width)


# The flag attributes `--test-flags` shows, in order (guildfile-and-run.md §5.3), with the value
# shown when a flag def leaves them out.
_TEST_FLAG_ATTRS: list[tuple[str, Any]] = [
    ("default", None), ("type", None), ("required", False), ("arg-name", None),
    ("arg-skip", None), ("arg-switch", None), ("arg-split", None), ("arg-encoding", None),
    ("env-name", None), ("env-encoding", None), ("choices", []), ("allow-other", False),
    ("distribution", None), ("max", None), ("min", None), ("null-label", None),
]


def format_test_flags(flags_dest: str | None, flags_import: Any, flagdefs: dict) -> str:
    """The `guild run --test-flags` text: flags-dest, flags-import, then each flag's attributes
    (`name:` alone for a null value). Ends with one newline."""
    lines = [_test_attr("flags-dest", flags_dest, 0), _test_attr("flags-import", flags_import, 0), "flags:"]
    for name in sorted(flagdefs):
        flagdef = flagdefs[name] or {}
        lines.append(f"  {name}:")
        for attr, missing in _TEST_FLAG_ATTRS:
            val = flagdef.get(attr, missing)
            if attr == "choices" and isinstance(val, list):
                val = [c.get("value") if isinstance(c, dict) else c for c in val]
            lines.append(_test_attr(attr, val, 4))
    return "\n".join(lines) + "\n"


def _test_attr(name: str, val: Any, indent: int) -> str:
    prefix = f"{' ' * indent}{name}:"
    return prefix if val is None else f"{prefix} {encode_flag_value(val)}"


def format_script_flags(op_name: str, script_flags: dict | None) -> str:
    """The flags-import details `--test-flags` writes to stderr: the flags found in the op's
    script, one `name: {attrs}` line each. Ends with one newline."""
    lines = [f"### Script flags for {op_name}"]
    if not script_flags:
        lines.append("  <none>")
    for name in sorted(script_flags or {}):
        lines.append(f"  {name}: {encode_flag_value(script_flags[name] or {})}")
    return "\n".join(lines) + "\n"
