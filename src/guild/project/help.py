"""The `guild run [MODEL:]OP --help-model` text: usage, the model description and its public
operations with the first line of their descriptions (guildfile-and-run.md §5.3)."""

from __future__ import annotations

from guild.project.opdef import OpDef
from guild.util.text import first_line, wrap

_WIDTH = 78
_NAME_COL_MAX = 30


def model_help(opspec: str | None, cwd: str) -> str:
    """The help of the model of the operation `opspec` names from `cwd` (the project's default
    model when None). Ends with one newline. Raises GuildError when nothing matches."""
    from guild.project import opspec as opspec_mod

    model = None if opspec else _default_model(cwd)
    if model is not None:
        return format_model_help(model.name, model.description, list(model.operations.values()))
    opdef = opspec_mod.resolve_opspec(opspec, cwd)
    model = _modeldef(opdef)
    if model is None:
        return format_model_help("", None, [opdef])
    return format_model_help(model.name, model.description, list(model.operations.values()))


def _default_model(cwd: str):
    import os

    from guild.project.guildfile import load_guildfile

    path = os.path.join(cwd, "guild.yml")
    if not os.path.isfile(path):
        return None
    gf = load_guildfile(path)
    return gf.default_model() or gf.get_model("")


def _modeldef(opdef: OpDef):
    if not opdef.guildfile_path:
        return None
    from guild.project.guildfile import load_guildfile

    return load_guildfile(opdef.guildfile_path).get_model(opdef.model_name)


def format_model_help(model_name: str, description: str | None, opdefs: list[OpDef]) -> str:
    op_arg = f"{model_name}:OPERATION" if model_name else "OPERATION"
    lines = [f"Usage: guild run [OPTIONS] {op_arg} [FLAG]...", ""]
    if description and description.strip():
        lines.extend(wrap(" ".join(description.split()), _WIDTH))
        lines.append("")
    lines.append(f"Use 'guild run {op_arg} --help-op' for help on a particular operation.")
    rows = [(op.name, first_line(op.description)) for op in opdefs if not op.name.startswith("_")]
    if rows:
        lines.extend(["", "Operations:"])
        lines.extend(_rows(rows))
    return "\n".join(lines) + "\n"


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    width = min(max(len(name) for name, _ in rows), _NAME_COL_MAX)
    text_col = 2 + width + 2
    out = []
    for name, desc in rows:
        if not desc:
            out.append(f"  {name}")
            continue
        wrapped = wrap(desc, max(_WIDTH - text_col, 10))
        if len(name) > width:
            out.append(f"  {name}")
            out.append(" " * text_col + wrapped[0])
        else:
            out.append(f"  {name.ljust(width)}  {wrapped[0]}")
        out.extend(" " * text_col + line for line in wrapped[1:])
    return out
