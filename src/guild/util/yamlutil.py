"""YAML as Guild reads and writes it: YAML 1.1 safe semantics, `1e3` read as a float,
PyYAML's C loader/dumper when available. PyYAML is imported lazily (it costs ~20 ms)."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

_FLOAT_PATTERN = (
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$"""
)

_loader = None
_dumper = None


def _classes():
    global _loader, _dumper
    if _loader is None:
        import yaml

        base_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        base_dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

        class Loader(base_loader):  # type: ignore[misc, valid-type]
            pass

        # Guild reads `1e3` (no dot) as a float; plain YAML 1.1 reads it as a string.
        Loader.yaml_implicit_resolvers = {
            k: [r for r in v if r[0] != "tag:yaml.org,2002:float"]
            for k, v in base_loader.yaml_implicit_resolvers.items()
        }
        Loader.add_implicit_resolver(
            "tag:yaml.org,2002:float", _regex(_FLOAT_PATTERN), list("-+0123456789.")
        )

        class Dumper(base_dumper):  # type: ignore[misc, valid-type]
            pass

        # Quote what our loader would not read back as the same string (e.g. '1e3').
        Dumper.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers

        def represent_str(dumper, data):
            if data in ("y", "Y", "n", "N"):
                return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
            return yaml.representer.SafeRepresenter.represent_str(dumper, data)

        Dumper.add_representer(str, represent_str)

        _loader, _dumper = Loader, Dumper
    return _loader, _dumper


def yaml_error_types() -> tuple[type[BaseException], ...]:
    import yaml

    return (yaml.YAMLError,)


def load(text: str | bytes) -> Any:
    """Parse YAML text with Guild's rules."""
    import yaml

    return yaml.load(text, Loader=_classes()[0])


def dump(value: Any, flow: bool = False, width: int | None = None, quote_yn: bool = True) -> str:
    """Serialize like PyYAML's safe_dump: block style, sorted keys, indent 2.

    Single-char strings y/Y/n/N are quoted (unless not `quote_yn`) so YAML 1.1 readers keep
    them as strings."""
    import yaml

    dumper = _classes()[1] if quote_yn else _plain_dumper()
    kw: dict[str, Any] = {"default_flow_style": flow, "Dumper": dumper, "allow_unicode": False}
    if width is not None:
        kw["width"] = width
    text = yaml.dump(value, **kw)
    return text


def _plain_dumper():
    """The dumper without the y/n rule (what Guild prints values with, as opposed to writing
    attr files)."""
    dumper = _classes()[1]

    class PlainDumper(dumper):  # type: ignore[misc, valid-type]
        pass

    import yaml

    PlainDumper.add_representer(str, yaml.representer.SafeRepresenter.represent_str)
    return PlainDumper


def dump_attr(value: Any, quote_yn: bool = True) -> str:
    """The text of a run attr file: block YAML, stripped, no `...` end marker, one newline.
    Without `quote_yn`, single-char y/n strings stay plain, as Guild shows values (`select -a`).

    Common values are written by a small emitter that produces what PyYAML's block dumper
    would; anything it is not sure about goes through PyYAML."""
    lines = _fast_block(value, quote_yn)
    if lines is not None:
        return "\n".join(lines) + "\n"
    text = dump(value, quote_yn=quote_yn).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")].rstrip()
    elif text == "...":
        text = ""
    return text + "\n"


def dump_flow(value: Any) -> str:
    """A one-line YAML flow encoding of `value` (no end marker)."""
    text = dump(value, flow=True, width=10**9).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")].rstrip()
    return text


# ---- a small block emitter for the common attr values (no PyYAML import)

# Strings with spaces that reach past this column may be folded by PyYAML (width 80): leave them to it.
_MAX_PLAIN = 70
_BAD_FIRST = set("-?:,[]{}#&*!|>'\"%@` ")
_DOT_FLOAT_SECOND = tuple("0123456789_iInN")
_NUMBER_CHARS = frozenset("0123456789_.:+-eEbTtZ \t")  # every char of a YAML 1.1 number/date
_HEX_NUMBER_CHARS = _NUMBER_CHARS | frozenset("xXabcdefABCDEF")
# What YAML 1.1 (with Guild's float rule) reads as something other than a string.
_NOT_STR_PATTERN = (
    r"""(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    |~|null|Null|NULL|=|<<
    |[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
     (?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$"""
)
_regexes: dict[str, re.Pattern] = {}


def _regex(pattern: str) -> re.Pattern:
    """Compiled on first use: compiling these costs more than a whole attr write."""
    try:
        return _regexes[pattern]
    except KeyError:
        compiled = _regexes[pattern] = re.compile(pattern, re.X)
        return compiled


class _Fallback(Exception):
    pass


def _fast_block(value: Any, quote_yn: bool = True) -> list[str] | None:
    try:
        if isinstance(value, dict):
            return _block_dict(value, 0, quote_yn) if value else ["{}"]
        if isinstance(value, list):
            return _block_list(value, 0, quote_yn) if value else ["[]"]
        return [_scalar(value, 0, quote_yn)]
    except _Fallback:
        return None


def _block_dict(d: dict, indent: int, quote_yn: bool) -> list[str]:
    pad = " " * indent
    lines = []
    try:
        keys = sorted(d)
    except TypeError:
        raise _Fallback() from None
    for key in keys:
        k = _scalar(key, indent, quote_yn)
        val = d[key]
        if isinstance(val, dict) and val:
            lines.append(f"{pad}{k}:")
            lines.extend(_block_dict(val, indent + 2, quote_yn))
        elif isinstance(val, list) and val:
            lines.append(f"{pad}{k}:")
            lines.extend(_block_list(val, indent, quote_yn))
        else:
            lines.append(f"{pad}{k}: {_flow_empty_or_scalar(val, indent + len(k) + 2, quote_yn)}")
    return lines


def _block_list(items: list, indent: int, quote_yn: bool) -> list[str]:
    pad = " " * indent
    lines = []
    for val in items:
        if isinstance(val, dict) and val:
            sub = _block_dict(val, indent + 2, quote_yn)
            lines.append(f"{pad}- {sub[0].lstrip()}")
            lines.extend(sub[1:])
        elif isinstance(val, list) and val:
            sub = _block_list(val, indent + 2, quote_yn)
            lines.append(f"{pad}- {sub[0].lstrip()}")
            lines.extend(sub[1:])
        else:
            lines.append(f"{pad}- {_flow_empty_or_scalar(val, indent + 2, quote_yn)}")
    return lines


def _flow_empty_or_scalar(val: Any, col: int, quote_yn: bool) -> str:
    if isinstance(val, dict):
        return "{}"
    if isinstance(val, list):
        return "[]"
    return _scalar(val, col, quote_yn)


def _scalar(val: Any, col: int = 0, quote_yn: bool = True) -> str:
    if val is None:
        return "null"
    if val is True:
        return "true"
    if val is False:
        return "false"
    if type(val) is int:
        return str(val)
    if type(val) is float:
        return float_text(val)
    if type(val) is str:
        return _str_scalar(val, col, quote_yn)
    raise _Fallback()


def float_text(val: float) -> str:
    """A float as YAML writes it: repr, `.0` before a bare exponent, `.nan`, `.inf`, `-.inf`."""
    if val != val:
        return ".nan"
    if val in (float("inf"), float("-inf")):
        return ".inf" if val > 0 else "-.inf"
    text = repr(val).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _str_scalar(s: str, col: int, quote_yn: bool = True) -> str:
    if not s:
        return "''"
    if (col + len(s) > _MAX_PLAIN and " " in s) or not s.isascii() or not s.isprintable():
        raise _Fallback()
    if quote_yn and s in ("y", "Y", "n", "N"):
        return f"'{s}'"
    if _plain_ok(s):
        return s
    return "'" + s.replace("'", "''") + "'"


def _plain_ok(s: str) -> bool:
    first = s[0]
    if first in "-?:" and len(s) > 1 and s[1] != " ":
        pass  # an indicator followed by a non-space is plain text (`-x`, `?a`)
    elif first in _BAD_FIRST:
        return False
    if s[-1] in " :" or ": " in s or " #" in s or s.startswith(("---", "...")):
        return False
    lead = s[1:2] if first in "+-" else first  # a sign counts for what follows it
    if lead not in "0123456789.~=<" or not lead:  # then only bool/null words read as non-strings
        return s not in _SCALAR_WORDS
    # The common cases decided without the regexes, which cost more to compile than a whole
    # attr write: decimal ints (env values like `20`); text starting with a digit that holds a
    # character no number, date or time has, or two dots (digests, versions); `.`-paths
    # (`.:/src`), as no float starts with `.` and a character other than a digit, `_`, `i`/`I`
    # or `n`/`N`.
    if lead.isdigit():
        if s.isdigit() and (first != "0" or s == "0"):
            return False
        if not set(s) <= (_HEX_NUMBER_CHARS if "x" in s or "X" in s else _NUMBER_CHARS) or s.count(".") > 1:
            return True
    elif first == "." and s[1:2] not in _DOT_FLOAT_SECOND:
        return True
    return not (_regex(_NOT_STR_PATTERN).match(s) or _regex(_FLOAT_PATTERN).match(s))


# ---- a small block parser for attr files (no PyYAML import)

_SIMPLE_INT_PATTERN = r"-?(?:0|[1-9][0-9]*)\Z"
_SIMPLE_FLOAT_PATTERN = r"-?(?:0|[1-9][0-9]*)\.[0-9]+(?:e[-+][0-9]+)?\Z"
_SCALAR_WORDS: dict[str, Any] = {
    **{w: True for w in "yes Yes YES true True TRUE on On ON".split()},
    **{w: False for w in "no No NO false False FALSE off Off OFF".split()},
    **{w: None for w in ("null", "Null", "NULL", "~")},
    ".inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan"),
}


def load_attr(data: str | bytes) -> Any:
    """The value of an attr file. The block YAML that `dump_attr` (and PyYAML's safe_dump, as
    Guild 0.9 wrote them) produce is read by a small parser; anything else — flow collections,
    double quotes, folded lines, dates, octal numbers — goes to PyYAML."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        return _BlockParser(text).parse()
    except _Fallback:
        return load(text)


class _BlockParser:
    def __init__(self, text: str):
        if "\t" in text or "\r" in text or "#" in text or '"' in text:
            raise _Fallback()
        lines = text.split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        self.lines: list[tuple[int, str]] = []
        for line in lines:
            content = line.lstrip(" ")
            if not content or content != content.rstrip():
                raise _Fallback()
            self.lines.append((len(line) - len(content), content))

    def parse(self) -> Any:
        if not self.lines:
            return None
        indent, content = self.lines[0]
        if indent or content.startswith(("---", "%", "?")):
            raise _Fallback()
        if len(self.lines) == 1 and not _is_seq(content) and _split_key(content) is None:
            return _plain_or_quoted(content)
        value, end = self._block(0, 0)
        if end != len(self.lines):
            raise _Fallback()
        return value

    def _block(self, i: int, indent: int) -> tuple[Any, int]:
        return self._seq(i, indent) if _is_seq(self.lines[i][1]) else self._mapping(i, indent)

    def _mapping(self, i: int, indent: int) -> tuple[dict, int]:
        result: dict = {}
        n = len(self.lines)
        while i < n and self.lines[i][0] == indent and not _is_seq(self.lines[i][1]):
            split = _split_key(self.lines[i][1])
            if split is None:
                raise _Fallback()
            key_text, rest = split
            key = _plain_or_quoted(key_text)
            if isinstance(key, (dict, list)) or key in result:
                raise _Fallback()
            i += 1
            if rest:
                value = _plain_or_quoted(rest)
            elif i < n and self.lines[i][0] > indent:
                value, i = self._block(i, self.lines[i][0])
            elif i < n and self.lines[i][0] == indent and _is_seq(self.lines[i][1]):
                value, i = self._seq(i, indent)
            else:
                value = None
            result[key] = value
        if i < n and self.lines[i][0] >= indent:  # a stray deeper line or a sequence item here
            raise _Fallback()
        return result, i

    def _seq(self, i: int, indent: int) -> tuple[list, int]:
        result: list = []
        n = len(self.lines)
        while i < n and self.lines[i][0] == indent and _is_seq(self.lines[i][1]):
            item = self.lines[i][1][2:]
            if not item or item.startswith(" "):
                raise _Fallback()
            if _is_seq(item) or _split_key(item) is not None:
                self.lines[i] = (indent + 2, item)
                value, i = self._block(i, indent + 2)
            else:
                value = _plain_or_quoted(item)
                i += 1
            result.append(value)
        if i < n and self.lines[i][0] > indent:
            raise _Fallback()
        return result, i


def _is_seq(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _split_key(content: str) -> tuple[str, str] | None:
    """(key text, value text) of a `key: value` / `key:` line, or None."""
    if content.startswith("'"):
        end = _quoted_end(content)
        if end is None:
            raise _Fallback()
        rest = content[end:]
        if rest == ":":
            return content[:end], ""
        if rest.startswith(": "):
            return content[:end], rest[2:]
        return None
    pos = content.find(": ")
    if pos >= 0:
        return content[:pos], content[pos + 2:]
    if content.endswith(":"):
        return content[:-1], ""
    return None


def _quoted_end(text: str) -> int | None:
    """The index after the closing quote of a single-quoted scalar starting `text`."""
    i = 1
    while True:
        j = text.find("'", i)
        if j < 0:
            return None
        if text[j + 1:j + 2] == "'":
            i = j + 2
            continue
        return j + 1


def _plain_or_quoted(text: str) -> Any:
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text.startswith("'"):
        if _quoted_end(text) != len(text):
            raise _Fallback()
        return text[1:-1].replace("''", "'")
    if text[0] in "[]{}&*!|>%@`'\"" or text.startswith(("- ", "? ", ": ")) or ": " in text:
        raise _Fallback()
    if text in _SCALAR_WORDS:
        return _SCALAR_WORDS[text]
    if re.match(_SIMPLE_INT_PATTERN, text):
        return int(text)
    if re.match(_SIMPLE_FLOAT_PATTERN, text):
        return float(text)
    if _regex(_NOT_STR_PATTERN).match(text) or _regex(_FLOAT_PATTERN).match(text):
        raise _Fallback()  # octal, sexagesimal, dates, other float forms: PyYAML decides
    return text
