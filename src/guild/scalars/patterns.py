"""Output scalar and attribute capture: output lines -> (key, value, step) (guildfile-and-run.md §6).

`OutputScalars` applies the default rules or an op's `output-scalars` config and tracks the step
(explicit `step` values stick; before that, steps are implied from repeated keys).
`OutputAttrs` finds the `key: text` attributes of §6.4."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

KEY = r"[_a-zA-Z]\S*"
VALUE = r"(?:[-+]?[0-9]*\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF])"
STEP = r"[0-9]+"

_DEFAULT_SCALARS = [
    (None, r"^\key:\s+\value\s+\((?:step\s+)?(?P<step>\step)\)$"),
    (None, r"^(\key):\s+(\value)(?:\s+\(.*\))?$"),
]
_DEFAULT_ATTRS = [(None, r"^(\key):\s+(\S+)$")]


def expand_aliases(pattern: str, value: str = VALUE) -> str:
    """Replace `\\key`, `\\value` and `\\step` by their regexes."""
    return pattern.replace(r"\key", KEY).replace(r"\value", value).replace(r"\step", STEP)


def _compile(config: Any, value_alias: str) -> list[tuple[str | None, "re.Pattern"]]:
    """[(mapping key or None, compiled pattern)] from a string, mapping or list of them."""
    items = config if isinstance(config, list) else [config]
    specs: list[tuple[str | None, str]] = []
    for item in items:
        if isinstance(item, dict):
            specs.extend((str(k), v) for k, v in sorted(item.items(), key=lambda kv: str(kv[0])))
        elif isinstance(item, str):
            specs.append((None, item))
    compiled = []
    for key, pattern in specs:
        if not isinstance(pattern, str):
            continue
        try:
            compiled.append((key, re.compile(expand_aliases(pattern, value_alias))))
        except re.error as e:
            from guild.util.log import warning

            warning(f"error compiling pattern {pattern!r}: {e}")
    return compiled


def _matches(patterns, line: str) -> list[tuple[str, str]]:
    """(key, raw value) pairs of every match of every pattern in `line`."""
    found: list[tuple[str, str]] = []
    for key, pattern in patterns:
        for m in pattern.finditer(line):
            named = m.groupdict()
            if named:
                if "_key" in named and "_val" in named:
                    if named["_key"] is not None:
                        found.append((named["_key"], named["_val"]))
                for name, val in named.items():
                    if name not in ("_key", "_val"):
                        found.append((name, val))
                continue
            groups = m.groups()
            if len(groups) == 1 and key is not None:
                found.append((key, groups[0]))
            elif len(groups) >= 2:
                found.append((groups[0], groups[1]))
    return [(k, v) for k, v in found if k is not None and v is not None]


def _is_disabled(config: Any) -> bool:
    return config is False or config == [] or config == {} or config == ""


class OutputScalars:
    """Turns output lines into scalars. `config` is the op's `output-scalars` value: None for the
    default rules, `False`/`[]` to disable, or a string / mapping / list of them."""

    def __init__(self, config: Any = None, flag_names: set[str] | frozenset[str] = frozenset()):
        self.default = config is None or config is True
        self._config = config
        self._patterns: list | None = None
        self.ignored = set(flag_names) if self.default else set()
        self.step = 0
        self._explicit_step = False
        self._seen: set[str] = set()

    @property
    def patterns(self) -> list:
        """The compiled patterns, compiled on first use (a run that prints nothing needs none)."""
        if self._patterns is None:
            if self.default:
                self._patterns = _compile([p for _, p in _DEFAULT_SCALARS], VALUE)
            elif _is_disabled(self._config):
                self._patterns = []
            else:
                self._patterns = _compile(self._config, VALUE)
        return self._patterns

    @property
    def enabled(self) -> bool:
        return bool(self.patterns)

    def feed_line(self, line: str) -> list[tuple[str, float, int]]:
        """Scalars of one output line as (key, value, step), sorted by key."""
        if self.default and ":" not in line:  # the default patterns all need `key: value`
            return []
        if not self.patterns:
            return []
        line = line.rstrip()
        values: dict[str, float] = {}
        for key, raw in _matches(self.patterns, line):
            if key == "step":
                try:
                    self.step = int(float(raw))
                except (ValueError, OverflowError):
                    continue
                self._explicit_step = True
                continue
            if key in self.ignored:
                continue
            try:
                values[key] = float(raw)
            except ValueError:
                continue
        if values and not self._explicit_step:
            keys = set(values)
            if keys & self._seen:
                self.step += 1
                self._seen = keys
            else:
                self._seen |= keys
        step = self.step
        return [(k, values[k], step) for k in sorted(values)]

    def test_line(self, line: str) -> list[tuple[str, list[tuple[str, float]]]]:
        """Each pattern (its compiled text) with the (key, value) pairs it captures from `line`,
        for `--test-output-scalars`. Leaves out what `feed_line` drops; changes no step state."""
        line = line.rstrip()
        result = []
        for entry in self.patterns:
            found = []
            for key, raw in _matches([entry], line):
                if key in self.ignored:
                    continue
                try:
                    found.append((key, float(raw)))
                except ValueError:
                    continue
            result.append((entry[1].pattern, found))
        return result


class OutputAttrs:
    """Finds output attributes (§6.4): `key: text` lines whose key is not a scalar of the same
    line nor (with the default rules) a flag name. `config` is the op's `output-attrs` value."""

    def __init__(self, config: Any = None, flag_names: set[str] | frozenset[str] = frozenset()):
        self.default = config is None or config is True
        self._config = config
        self._patterns: list | None = None
        self.ignored = set(flag_names) if self.default else set()

    @property
    def patterns(self) -> list:
        """The compiled patterns, compiled on first use."""
        if self._patterns is None:
            if self.default:
                self._patterns = _compile([p for _, p in _DEFAULT_ATTRS], r"\S+")
            elif _is_disabled(self._config):
                self._patterns = []
            else:
                self._patterns = _compile(self._config, r"\S+")
        return self._patterns

    def feed_line(self, line: str, scalar_keys: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        """Attributes of one line as (key, text), sorted by key."""
        if self.default and ":" not in line:
            return []
        if not self.patterns:
            return []
        found: dict[str, str] = {}
        for key, raw in _matches(self.patterns, line.rstrip()):
            if key in scalar_keys or key in self.ignored or key == "step":
                continue
            found[key] = raw
        return sorted(found.items())
