"""Decode one flag-arg token the way YAML 1.1 (Guild's flavour, `1e3` is a float) reads a scalar.

Covers what the engine's YAML flow encoding produces: null/~, yes/no/true/false/on/off, ints
(incl. 0b/0o-style/0x/sexagesimal), floats (incl. `1e3`, `.inf`, `.nan`), quoted strings and
`[a, b]` flow lists. Anything else is a plain string. Written without `re` or PyYAML so the
launcher stays fast."""

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_DIGITS = frozenset("0123456789")
_DIGITS_ = frozenset("0123456789_")
_OCT_ = frozenset("01234567_")
_BIN_ = frozenset("01_")
_HEX_ = frozenset("0123456789abcdefABCDEF_")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def decode(text: str) -> object:
    """The value YAML would load from `text`, or `text` itself when it is a plain string."""
    t = text.strip()
    if t in _NULLS:
        return None
    first, last = t[0], t[-1]
    if first == "'" and last == "'" and len(t) > 1:
        return t[1:-1].replace("''", "'")
    if first == '"' and last == '"' and len(t) > 1:
        return _unescape(t[1:-1])
    if first == "[" and last == "]":
        return [decode(item) for item in _split_flow(t[1:-1])]
    try:
        return _BOOLS[t]
    except KeyError:
        pass
    if first in "-+0123456789.":
        num = _number(t)
        if num is not None:
            return num
    return t


def _number(t: str) -> int | float | None:
    signed = t[0] in "+-"
    sign = -1 if t[0] == "-" else 1
    body = t[1:] if signed else t
    if not body:
        return None
    if body[0] == ".":
        return _dot_float(body, signed, sign)
    if body[0] not in _DIGITS:
        return None
    val = _int(body)
    if val is not None:
        return sign * val
    val = _float(body)
    return None if val is None else sign * val


def _int(body: str) -> int | None:
    chars = set(body)
    if body[:2] == "0b" and len(body) > 2 and set(body[2:]) <= _BIN_:
        return int(body[2:].replace("_", "") or "0", 2)
    if body[:2] == "0x" and len(body) > 2 and set(body[2:]) <= _HEX_:
        return int(body[2:].replace("_", "") or "0", 16)
    if body == "0":
        return 0
    if body[0] == "0":
        return int(body.replace("_", ""), 8) if chars <= _OCT_ else None
    if chars <= _DIGITS_:
        return int(body.replace("_", ""))
    if ":" in body and _sexagesimal_ok(body.split(":")):
        return _base60([int(p.replace("_", "")) for p in body.split(":")])
    return None


def _float(body: str) -> float | None:
    """`D[D_]*.[D_]*[e[+-]D+]`, `D[D_]*e[+-]D+` or `D[D_]*(:[0-5]?D)+.[D_]*` (sign removed)."""
    i = 1
    while i < len(body) and body[i] in _DIGITS_:
        i += 1
    rest = body[i:]
    if rest[:1] == ":":
        whole, dot, frac = body.partition(".")
        if not dot or not set(frac) <= _DIGITS_ or not _sexagesimal_ok(whole.split(":")):
            return None
        parts = [int(p.replace("_", "")) for p in whole.split(":")]
        return float(_base60(parts)) + float("0." + (frac.replace("_", "") or "0"))
    if rest[:1] == ".":
        j = 1
        while j < len(rest) and rest[j] in _DIGITS_:
            j += 1
        exp = rest[j:]
        if exp and not _exponent_ok(exp, sign_required=False):
            return None
    elif not _exponent_ok(rest, sign_required=False):
        return None
    return float(body.replace("_", ""))


def _dot_float(body: str, signed: bool, sign: int) -> float | None:
    """`.inf` (sign allowed), `.nan`, and `.D[D_]*[e[+-]D+]` (no sign, exponent sign required)."""
    if body in (".inf", ".Inf", ".INF"):
        return sign * float("inf")
    if signed:
        return None
    if body in (".nan", ".NaN", ".NAN"):
        return float("nan")
    j = 1
    while j < len(body) and body[j] in _DIGITS_:
        j += 1
    if j == 1 or (body[j:] and not _exponent_ok(body[j:], sign_required=True)):
        return None
    return float(body.replace("_", ""))


def _exponent_ok(exp: str, sign_required: bool) -> bool:
    if exp[:1] not in ("e", "E"):
        return False
    digits = exp[1:]
    if digits[:1] in ("+", "-"):
        digits = digits[1:]
    elif sign_required:
        return False
    return bool(digits) and set(digits) <= _DIGITS


def _sexagesimal_ok(parts: list[str]) -> bool:
    head, tail = parts[0], parts[1:]
    if not head or head[0] not in "123456789" or not set(head) <= _DIGITS_:
        return False
    return all(
        0 < len(p) <= 2 and set(p) <= _DIGITS and (len(p) == 1 or p[0] in "012345") for p in tail
    )


def _base60(parts: list[int]) -> int:
    val = 0
    for p in parts:
        val = val * 60 + p
    return val


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 == len(s):
            out.append(c)
            i += 1
            continue
        code = s[i + 1]
        if code in _HEX_ESCAPES:
            width = _HEX_ESCAPES[code]
            out.append(chr(int(s[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(_ESCAPES.get(code, code))
            i += 2
    return "".join(out)


def _split_flow(s: str) -> list[str]:
    """Split the inside of a flow list at top-level commas (quotes and brackets respected)."""
    items: list[str] = []
    depth = 0
    quote = ""
    start = 0
    i = 0
    while i < len(s):
        c = s[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(s[start:i])
            start = i + 1
        i += 1
    items.append(s[start:])
    if not items[-1].strip():
        items.pop()
    return items
