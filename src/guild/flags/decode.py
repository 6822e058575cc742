"""Command-line flag text to Python values (guildfile-and-run.md §3.2).

`split_assigns` splits `NAME=VAL` arguments, `decode_flag_value` turns one value's text into a
value using the flag's type, and `decode_flags` does both for a whole command line. The flag
function syntax (`NAME[a:b]`, `[a:b]`) is recognized here; `range`/`linspace`/`logspace` expand to
lists, other functions stay strings (search spaces, see `search.py`)."""

from __future__ import annotations

import re

from guild.errors import FlagError
from guild.util.text import is_number

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

# Patterns stay strings, compiled on first use by re's cache, to keep this import cheap.
# `NAME[a:b...]` or anonymous `[a:b...]`; nested brackets make it a YAML list instead.
_FUNCTION_PAT = r"(?s)([A-Za-z0-9_.\-]*)\[([^\[\]]*)\]\Z"
_REPEAT_PAT = r"(?s)(\[.*\])\s*\*\s*([0-9]+)\Z"
# Text YAML would read back as the same string: no need to load PyYAML for it.
_PLAIN_WORD_PAT = r"[A-Za-z_][A-Za-z0-9_\-./]*\Z"
_SIMPLE_INT_PAT = r"[-+]?(?:0|[1-9][0-9]*)\Z"
_SIMPLE_FLOAT_PAT = r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z"
_SIMPLE_LIST_PAT = r"\[([^\[\]{}'\"#&*!|>%@`:?]*)\]\Z"
_YAML_WORDS: dict[str, Any] = {
    **{w: True for w in "yes Yes YES true True TRUE on On ON".split()},
    **{w: False for w in "no No NO false False FALSE off Off OFF".split()},
    **{w: None for w in ("null", "Null", "NULL", "~")},
}
_STRING_TYPES = ("string", "path", "existing-path")
_NO_VALUE = object()


def split_assigns(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split `NAME=VAL` args at the first `=` (the last assignment of a name wins).

    Returns `(assigns, batch_files)`, where batch files are the `@FILE` args without the `@`.
    Raises `FlagError` listing every arg that has no `=`."""
    assigns: dict[str, str] = {}
    batch_files: list[str] = []
    bad: list[str] = []
    for arg in args:
        if arg.startswith("@"):
            batch_files.append(arg[1:])
            continue
        name, sep, val = arg.partition("=")
        if not sep:
            bad.append(arg)
            continue
        assigns[name] = val
    if bad:
        raise FlagError("invalid argument(s):\n" + "\n".join(bad) + "\nexpected NAME=VAL")
    return assigns, batch_files


def decode_flags(assigns: dict[str, str], flagdefs: dict[str, dict]) -> dict[str, Any]:
    """Decode each assigned text with the type of its flag (looked up by name, then by alias)."""
    return {name: decode_flag_value(text, _flag_type(name, flagdefs)) for name, text in assigns.items()}


def _flag_type(name: str, flagdefs: dict[str, dict]) -> str | None:
    flagdef = flagdefs.get(name)
    if flagdef is None:
        flagdef = next((fd for fd in flagdefs.values() if fd and fd.get("alias") == name), None)
    return flagdef.get("type") if flagdef else None


def decode_flag_value(text: str, flag_type: str | None = None) -> Any:
    """The value of a flag's command-line text, per the type-specific then default decoders."""
    if text == "":
        return ""
    value = _decode_typed(text, flag_type)
    if value is _NO_VALUE:
        value = _decode_default(text)
    if type(value) in (int, float) and ("_" in text or ":" in text) and "!!" not in text:
        return text  # `1_000`, `12:30`: the user most likely meant a string
    return value


def _decode_typed(text: str, flag_type: str | None) -> Any:
    if flag_type in _STRING_TYPES:
        return _NO_VALUE if text[0] in "['\"{" else text
    try:
        if flag_type == "int":
            return int(text)
        if flag_type == "float":
            return float(text)
        if flag_type == "number":
            try:
                return int(text)
            except ValueError:
                return float(text)
    except ValueError:
        return _NO_VALUE
    if flag_type == "boolean":
        value = _yaml_decode(text)
        if isinstance(value, (bool, int, float)):
            return bool(value)
    return _NO_VALUE


def _decode_default(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    parts = split_function(text)
    if parts is not None:
        return _decode_function(text, *parts)
    m = re.match(_REPEAT_PAT, text)
    if m:
        items = _yaml_decode(m.group(1))
        if isinstance(items, list):
            return items * int(m.group(2))
    value = _yaml_decode(text)
    return text if value is _NO_VALUE else value


def _yaml_decode(text: str) -> Any:
    """YAML 1.1 value of `text`, or `_NO_VALUE` when it is not valid YAML."""
    simple = _simple_scalar(text)
    if simple is not _NO_VALUE:
        return simple
    if text.startswith("["):
        items = _simple_flow_list(text)
        if items is not None:
            return items
    from guild.util import yamlutil

    try:
        return yamlutil.load(text)
    except (ValueError, TypeError, OverflowError, *yamlutil.yaml_error_types()):
        return _NO_VALUE


def _simple_scalar(text: str) -> Any:
    """The YAML value of a word, boolean, null or decimal number (without PyYAML), or _NO_VALUE."""
    if text in _YAML_WORDS:
        return _YAML_WORDS[text]
    if re.match(_PLAIN_WORD_PAT, text):
        return text
    if re.match(_SIMPLE_INT_PAT, text):
        return int(text)
    if re.match(_SIMPLE_FLOAT_PAT, text):
        return float(text)
    return _NO_VALUE


def _simple_flow_list(text: str) -> list | None:
    """`[a, 1, yes]` of simple scalars without PyYAML (a grid's values), else None."""
    m = re.match(_SIMPLE_LIST_PAT, text)
    if not m:
        return None
    body = m.group(1).strip()
    if not body:
        return []
    items = [_simple_scalar(item.strip()) for item in body.split(",")]
    return None if _NO_VALUE in items else items


def split_function(text: str) -> tuple[str | None, list[str]] | None:
    """`(name, raw_args)` when `text` is a flag function (name None when anonymous), else None.

    A named function needs at least one arg, an anonymous one at least two."""
    m = re.match(_FUNCTION_PAT, text)
    if not m:
        return None
    name, body = m.groups()
    if not body:
        return None
    args = body.split(":")
    if not name:
        return (None, args) if len(args) >= 2 else None
    return name, args


def _decode_function(text: str, name: str | None, raw_args: list[str]) -> Any:
    if name not in _SEQUENCES:
        return text
    sequence, min_args, max_args = _SEQUENCES[name]
    from guild.util import log

    args = []
    for raw in raw_args:
        value = decode_flag_value(raw)
        if not is_number(value):
            log.warning(f"error decoding '{text}': invalid arg '{raw}': expected a number")
            return text
        args.append(value)
    try:
        if not min_args <= len(args) <= max_args:
            raise ValueError(f"expected {min_args} to {max_args} args, got {len(args)}")
        return sequence(*args)
    except ValueError as e:
        log.warning(f"error decoding '{text}': {e}")
        return text




def _range(*args: float) -> list:
    """`range[end]` is exclusive like Python's; with a start, the end is inclusive."""
    if len(args) == 1:
        start, end, step, inclusive = 0, args[0], 1, False
    else:
        start, end = args[0], args[1]
        step = args[2] if len(args) == 3 else 1
        inclusive = True
    if step == 0:
        raise ValueError("step cannot be 0")
    if all(isinstance(a, int) for a in (start, end, step)):
        stop = end + (1 if step > 0 else -1) if inclusive else end
        return list(range(start, stop, step))
    import math

    span = (end - start) / step
    count = math.floor(span + 1e-9) + 1 if inclusive else math.ceil(span - 1e-9)
    return [_clean(start + i * step) for i in range(max(count, 0))]


def _linspace(start: float, end: float, count: int = 5) -> list[float]:
    if not isinstance(count, int):
        raise ValueError(f"invalid count {count}: expected an integer")
    if count == 1:
        return [float(start)]
    step = (end - start) / (count - 1) if count > 1 else 0
    return [_clean(start + i * step) for i in range(max(count, 0))]


def _logspace(start: float, end: float, count: int = 5, base: float = 10) -> list[float]:
    return [_clean(base ** x) for x in _linspace(start, end, count)]


def _clean(x: float) -> float:
    """`x` at 15 significant digits: float steps lose their noise (`0.30000000000000004` is
    0.3) and small or precise values keep their value (`1e-9` stays 1e-9; Guild's rounding to
    8 decimals made it 0.0)."""
    return float(f"{x:.15g}")


# name -> (function, min args, max args)
_SEQUENCES = {
    "range": (_range, 1, 3),
    "linspace": (_linspace, 2, 3),
    "logspace": (_logspace, 2, 4),
}
