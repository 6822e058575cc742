"""The `--filter EXPR` query language (runs.md §6.5): text -> a run predicate."""

from __future__ import annotations


class FilterSyntaxError(ValueError):
    """A syntax error; str() is the whole `syntax error in filter ...` message."""


def compile_filter(text: str):
    raise FilterSyntaxError("syntax error in filter - unexpected end of expresion")
