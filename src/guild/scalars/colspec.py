"""The compare column spec language: `loss`, `min loss as best`, `=lr`, `.label`, `'sys/cpu'`...
(compare-and-scalars.md §6.4). `parse_cols(text)` returns the column specs or raises
`ColSpecError` with the reference's message (positions count from the start of `select <text>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

QUALIFIERS = ("min", "max", "first", "last", "avg", "total", "count")
_KEYWORDS = set(QUALIFIERS) | {"step", "as"}
_OFFSET = len("select ")

_TOKEN_RE = re.compile(
    r"""(?P<ws>[ \t]+)
      | (?P<scalar_prefix>scalar:)
      | (?P<attr_prefix>attr:)
      | (?P<flag_prefix>flag:)
      | (?P<dot>\.)
      | (?P<comma>,)
      | (?P<equals>=)
      | (?P<unquoted>[^'",\n][^ ,\n]*)
      | (?P<quoted>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""",
    re.VERBOSE,
)


class ColSpecError(Exception):
    """A column spec that does not parse."""


@dataclass(frozen=True)
class ColSpec:
    """One column: `kind` is "scalar", "attr" or "flag"; `key` the scalar key / attr / flag name."""

    kind: str
    key: str
    qual: str | None = None
    step: bool = False
    name: str | None = None  # `as NAME`
    header: str = field(init=False, compare=False)  # the column's name in the table

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", self._header())

    def _header(self) -> str:
        if self.name is not None:
            return self.name
        if self.kind != "scalar":
            return self.key
        header = self.key.replace("#", " ").strip()
        return header + " step" if self.step else header


@dataclass
class _Tok:
    type: str
    text: str
    value: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise ColSpecError(f"unexpected character '{text[pos]}', line 1, pos {pos + _OFFSET}")
        kind = m.lastgroup
        raw = m.group()
        if kind == "unquoted" and raw in _KEYWORDS:
            kind = raw
        if kind == "quoted":
            toks.append(_Tok(kind, raw, _unquote(raw), pos))
        elif kind != "ws":
            toks.append(_Tok(kind, raw, raw, pos))
        pos = m.end()
    return toks


def _unquote(raw: str) -> str:
    from guild.util import yamlutil

    try:
        val = yamlutil.load(raw)
    except Exception:
        return raw[1:-1]
    return val if isinstance(val, str) else raw[1:-1]


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, *types: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise ColSpecError("query string cannot be empty")
        if tok.type not in types:
            raise ColSpecError(f"unexpected token '{tok.text}', line 1, pos {tok.pos + _OFFSET}")
        self.i += 1
        return tok

    def accept(self, type_: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.type == type_:
            self.i += 1
            return True
        return False

    def cols(self) -> list[ColSpec]:
        cols = [self.col()]
        while self.peek() is not None:
            self.take("comma")
            cols.append(self.col())
        return cols

    def col(self) -> ColSpec:
        kind, key, qual, step = self.base()
        name = None
        if self.accept("as"):
            name = self.take("unquoted", "quoted", "step", *QUALIFIERS).value
        return ColSpec(kind, key, qual, step, name)

    def base(self) -> tuple[str, str, str | None, bool]:
        tok = self.take("scalar_prefix", "attr_prefix", "flag_prefix", "dot", "equals",
                        "unquoted", "quoted", *QUALIFIERS)
        if tok.type in ("dot", "attr_prefix"):
            return "attr", self.take("unquoted", "quoted").value, None, False
        if tok.type in ("equals", "flag_prefix"):
            return "flag", self.take("unquoted").value, None, False
        if tok.type == "scalar_prefix":
            key = self.take("unquoted", "quoted").value
            return "scalar", key, None, self.accept("step")
        if tok.type in QUALIFIERS:
            qual = tok.type
            key = self.take("unquoted", "quoted").value
        else:
            qual, key = None, tok.value
        return "scalar", key, qual, self.accept("step")


def parse_cols(text: str) -> list[ColSpec]:
    """The column specs of a COLUMNS string (comma-separated specs)."""
    return _Parser(text).cols()
