"""The `--filter EXPR` query language (runs.md §6.5) and run value lookup by name.

`compile_filter(text, scalar_lookup)` returns a predicate over runs. Scalars live in another
package of the same layer, so the caller passes `scalar_lookup(run, key, qual) -> value`."""

from __future__ import annotations

import re

from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    ScalarLookup = Callable[[Run, str, str], Any]


class FilterSyntaxError(ValueError):
    """A syntax error; str() is the whole `syntax error in filter ...` message."""


_KEYWORDS = {"and", "or", "not", "in", "is", "contains", "true", "false", "undefined"}
_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<punct>[()\[\],])"
    r"|(?P<op>!=|<>|<=|>=|=|<|>)"
    r"|(?P<number>-?\.?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<string>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<id>[a-zA-Z][^ ,<>!=\n()\[\]]*)"
)
_END = ("end", None, "", -1)


def _lex(text: str) -> list[tuple[str, Any, str, int]]:
    """Tokens as (kind, value, text, pos)."""
    from guild.util import yamlutil

    toks = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise FilterSyntaxError(
                f"syntax error in filter at position {pos}: unexpected character '{text[pos]}'")
        kind, word = m.lastgroup, m.group()
        if kind != "ws":
            if kind in ("number", "string"):
                toks.append(("term", _yaml_value(yamlutil, word), word, pos))
            elif kind == "id" and word.lower() in _KEYWORDS:
                kw = word.lower()
                if kw in ("true", "false", "undefined"):
                    toks.append(("term", {"true": True, "false": False, "undefined": None}[kw], word, pos))
                else:
                    toks.append((kw, kw, word, pos))
            elif kind == "op":
                toks.append(("op", "!=" if word == "<>" else word, word, pos))
            elif kind == "punct":
                toks.append((word, word, word, pos))
            else:
                toks.append(("id", word, word, pos))
        pos = m.end()
    return toks


def _yaml_value(yamlutil, word: str) -> Any:
    try:
        return yamlutil.load(word)
    except Exception:
        return word.strip("'\"")


class _Parser:
    def __init__(self, toks, lookup: Callable[[Run, str], Any]):
        self.toks = toks
        self.i = 0
        self.lookup = lookup

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else _END

    def take(self, *kinds: str):
        tok = self.peek()
        if tok is _END:
            raise FilterSyntaxError("syntax error in filter - unexpected end of expresion")
        if kinds and tok[0] not in kinds:
            self.unexpected(tok)
        self.i += 1
        return tok

    @staticmethod
    def unexpected(tok):
        if tok is _END:
            raise FilterSyntaxError("syntax error in filter - unexpected end of expresion")
        raise FilterSyntaxError(f"syntax error in filter at position {tok[3]}: unexpected token '{tok[2]}'")

    def parse(self) -> Callable[[Run], bool]:
        pred = self.expr()
        if self.peek() is not _END:
            self.unexpected(self.peek())
        return pred

    def expr(self) -> Callable[[Run], bool]:
        left = self.unary()
        kind = self.peek()[0]
        if kind in ("and", "or"):
            self.take()
            right = self.expr()  # one precedence level, grouping to the right
            if kind == "and":
                return lambda r: bool(left(r)) and bool(right(r))
            return lambda r: bool(left(r)) or bool(right(r))
        return left

    def unary(self) -> Callable[[Run], bool]:
        tok = self.peek()
        if tok[0] == "not":
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if tok[0] == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if tok[0] == "id" and self._is_test():
            return self.test()
        value = self.term()
        return lambda r: bool(value)

    def _is_test(self) -> bool:
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else _END
        return nxt[0] in ("op", "is", "in", "contains", "not")

    def test(self) -> Callable[[Run], bool]:
        name = self.take("id")[1]
        get = self.lookup
        tok = self.take("op", "is", "in", "contains", "not")
        kind = tok[0]
        if kind == "op":
            op = tok[1]
            target = self.term()
            return lambda r: compare(get(r, name), op, target)
        if kind == "is":
            negate = False
            if self.peek()[0] == "not":
                self.take()
                negate = True
            target = self.term()
            return lambda r: _is(get(r, name), target) != negate
        negate = kind == "not"
        if negate:
            kind = self.take("in", "contains")[0]
        if kind == "in":
            target = self.term()
            items = target if isinstance(target, list) else [target]
            return lambda r: _in(get(r, name), items) != negate
        target = self.term()
        return lambda r: contains(get(r, name), target) != negate

    def term(self) -> Any:
        tok = self.take("term", "id", "[")
        if tok[0] == "[":
            items = [self.term()]
            while self.peek()[0] == ",":
                self.take()
                items.append(self.term())
            self.take("]")
            return items
        return tok[1]


def _same_kind(a: Any, b: Any) -> bool:
    num = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, num) and isinstance(b, num):
        return True
    return type(a) is type(b)


def compare(val: Any, op: str, target: Any) -> bool:
    """`val <op> target`; values of different types never compare true (`!=` is then true)."""
    if op in ("=", "!="):
        equal = _same_kind(val, target) and val == target
        return equal if op == "=" else not equal
    if val is None or target is None or not _same_kind(val, target):
        return False
    try:
        if op == "<":
            return val < target
        if op == "<=":
            return val <= target
        if op == ">":
            return val > target
        return val >= target
    except TypeError:
        return False


def _is(val: Any, target: Any) -> bool:
    if target is None or isinstance(target, bool):
        return val is target
    return _same_kind(val, target) and val == target


def _in(val: Any, items: list) -> bool:
    return any(_same_kind(val, item) and val == item for item in items)


def contains(val: Any, target: Any) -> bool:
    if val is None or val == "" or val == [] or val == {}:
        return False
    if isinstance(val, list):
        if isinstance(target, list):
            return all(t in val for t in target)
        return target in val
    return str(target).lower() in str(val).lower()


def compile_filter(text: str, scalar_lookup: ScalarLookup | None = None) -> Callable[[Run], bool]:
    """A predicate over runs for EXPR `text`; raises FilterSyntaxError."""
    toks = _lex(text)
    if not toks:
        raise FilterSyntaxError("syntax error in filter - unexpected end of expresion")
    return _Parser(toks, lambda run, name: run_value(run, name, scalar_lookup)).parse()


# ---- value lookup


def run_value(run: Run, name: str, scalar_lookup: ScalarLookup | None = None) -> Any:
    """The value of `name` for a run: `attr:`, `flag:`, `scalar:` force the kind; otherwise the
    first non-null of attribute, flag, scalar (runs.md §6.5)."""
    kind, sep, rest = name.partition(":")
    if sep and kind in ("attr", "flag", "scalar"):
        if kind == "attr":
            return attr_value(run, rest)
        if kind == "flag":
            return flag_value(run, rest)
        return scalar_lookup(run, rest, "last") if scalar_lookup else None
    val = attr_value(run, name)
    if val is None:
        val = flag_value(run, name)
    if val is None and scalar_lookup:
        val = scalar_lookup(run, name, "last")
    return val


def flag_value(run: Run, name: str) -> Any:
    flags = run.get("flags")
    return flags.get(name) if isinstance(flags, dict) else None


def attr_value(run: Run, name: str) -> Any:
    """A computed attribute (`id`, `run`, `operation`, `status`, `time`, ...) or the raw attr."""
    from guild.store.describe import computed_attr

    computed, val = computed_attr(run, name)
    if computed:
        return val
    if name in ("tags", "comments"):
        return None
    val = run.get(name)
    if val is None:
        opdef_attrs = run.get("opdef_attrs")
        if isinstance(opdef_attrs, dict):
            val = opdef_attrs.get(name)
    return val


# ---- compare column specs (`select --min/--max`)

_QUALS = ("min", "max", "first", "last", "avg", "total", "count")


def column_value(run: Run, colspec: str, scalar_lookup: ScalarLookup | None = None) -> Any:
    """The value of a compare column spec (`loss`, `max acc`, `flag:lr`, `=lr`, `.label`)."""
    words = colspec.split()
    qual = "last"
    if len(words) > 1 and words[0] in _QUALS:
        qual = words.pop(0)
    if words and words[-1] == "step":
        words.pop()
    name = " ".join(words)
    if name.startswith("flag:") or name.startswith("="):
        return flag_value(run, name.split(":", 1)[1] if name.startswith("flag:") else name[1:])
    if name.startswith("attr:") or name.startswith("."):
        return attr_value(run, name.split(":", 1)[1] if name.startswith("attr:") else name[1:])
    if name.startswith("scalar:"):
        name = name[len("scalar:"):]
    return scalar_lookup(run, _unquote(name), qual) if scalar_lookup else None


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s
