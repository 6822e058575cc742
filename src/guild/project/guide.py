"""The `guild help` text: a guide to a project's guild.yml - its base operations and models with
their operations and flags, as plain text or Markdown."""

from __future__ import annotations

import textwrap

from guild.flags.encode import assign_value
from guild.project.guildfile import Guildfile, ModelDef
from guild.project.opdef import OpDef
from guild.util.text import first_line

_OVERVIEW = """\
You are viewing help for operations defined in {where}.

To run an operation use 'guild run OPERATION' where OPERATION is one of options listed below. \
If an operation is associated with a model, include the model name as MODEL:OPERATION.

To list available operations, run 'guild operations'.

Set operation flags using 'FLAG=VALUE' arguments to the run command. Refer to the operations \
below for a list of supported flags.

For more information on running operations, try 'guild run --help'. For general information, \
try 'guild --help'."""


def project_guide(gf: Guildfile, where: str, *, all_ops: bool = False, markdown: bool = False,
                  title: str | None = None, heading_level: int = 1) -> str:
    """The guide to `gf`, ending with one newline. `where` completes "operations defined in ..."."""
    out = _MarkdownOut(heading_level) if markdown else _TextOut()
    if title:
        out.title(title)
    out.section("Overview", _OVERVIEW.format(where=where).split("\n\n"))
    base = [m for m in gf.models if not m.name]
    named = [m for m in gf.models if m.name]
    base_ops = [op for m in base for op in _ops(m, all_ops)]
    if base_ops:
        out.heading("Base operations")
        for op in base_ops:
            out.operation(op)
    if named:
        out.heading("Models")
        for model in named:
            out.model(model, _ops(model, all_ops))
    return out.text()


def _ops(model: ModelDef, all_ops: bool) -> list[OpDef]:
    return [op for name, op in model.operations.items() if all_ops or not name.startswith("_")]


def _flag_lines(op: OpDef) -> list[tuple[str, str]]:
    rows = []
    for name in sorted(op.flags):
        fd = op.flags[name] or {}
        text = first_line(fd.get("description"))
        if fd.get("required"):
            text = f"{text} (required)".strip()
        if fd.get("default") is not None:
            text = f"{text} (default is {assign_value(fd['default'])})".strip()
        if fd.get("choices"):
            choices = ", ".join(assign_value(c.get("value") if isinstance(c, dict) else c)
                                for c in fd["choices"])
            text = f"{text} (choose from {choices})".strip()
        rows.append((name, text))
    return rows


class _TextOut:
    """Headings in capitals, bodies indented by four spaces, wrapped at 78 columns."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def title(self, title: str) -> None:
        self.lines.extend([title.upper(), ""])

    def heading(self, name: str) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.extend([name.upper(), ""])

    def section(self, name: str, paragraphs: list[str]) -> None:
        self.heading(name)
        for i, para in enumerate(paragraphs):
            if i:
                self.lines.append("")
            self.lines.extend(_wrap(para, 4))

    def operation(self, op: OpDef, indent: int = 4) -> None:
        pad = " " * indent
        self.lines.append(pad + op.name)
        if op.description and op.description.strip():
            self.lines.extend(_wrap(" ".join(op.description.split()), indent + 2))
        flags = _flag_lines(op)
        if flags:
            self.lines.extend(["", pad + "  Flags:"])
            width = min(max(len(n) for n, _ in flags), 30)
            for name, text in flags:
                self.lines.append(f"{pad}    {name.ljust(width)}  {text}".rstrip())
        self.lines.append("")

    def model(self, model: ModelDef, ops: list[OpDef]) -> None:
        self.lines.append("    " + model.name)
        if model.description and model.description.strip():
            self.lines.extend(_wrap(" ".join(model.description.split()), 6))
        self.lines.append("")
        if ops:
            self.lines.append("      Operations:")
            for op in ops:
                self.operation(op, indent=8)

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


class _MarkdownOut:
    """Markdown headings from `level` down, flags as bullet lists."""

    def __init__(self, level: int) -> None:
        self.level = max(level, 1)
        self.lines: list[str] = []

    def _h(self, depth: int, text: str) -> None:
        self.lines.extend(["#" * (self.level + depth) + " " + text, ""])

    def title(self, title: str) -> None:
        self._h(0, title)
        self.level += 1

    def heading(self, name: str) -> None:
        self._h(0, name.capitalize())

    def section(self, name: str, paragraphs: list[str]) -> None:
        self.heading(name)
        for para in paragraphs:
            self.lines.extend([para, ""])

    def operation(self, op: OpDef, depth: int = 1) -> None:
        self._h(depth, op.name)
        if op.description and op.description.strip():
            self.lines.extend([" ".join(op.description.split()), ""])
        flags = _flag_lines(op)
        if flags:
            self.lines.extend(["**Flags**", ""])
            self.lines.extend(f"- **{name}** {text}".rstrip() for name, text in flags)
            self.lines.append("")

    def model(self, model: ModelDef, ops: list[OpDef]) -> None:
        self._h(1, model.name)
        if model.description and model.description.strip():
            self.lines.extend([" ".join(model.description.split()), ""])
        for op in ops:
            self.operation(op, depth=2)

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, 78, initial_indent=pad, subsequent_indent=pad) or [pad.rstrip()]
