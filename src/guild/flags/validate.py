"""Final flag values of a run: user values + defaults, aliases, choice aliases and choice flags,
type coercion, then the checks (unknown flags, choices, existing paths, min/max, required) with
Guild's exact messages (guildfile-and-run.md §3.3)."""

from __future__ import annotations

import os
import sys

from guild.errors import FlagError
from guild.flags.decode import split_function
from guild.flags.encode import encode_flag_value, split_value
from guild.util.text import first_line

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def resolve_flags(
    flagdefs: dict[str, dict],
    user_flags: dict[str, Any],
    *,
    force: bool = False,
    op_full_name: str,
    op_name: str,
    cwd: str | None = None,
) -> dict[str, Any]:
    """All flag values of a run, sorted by name: every defined flag (None when it has no default)
    plus the user's values. With `force`, nothing is checked and values that fail coercion are
    kept as given. `cwd` is where relative path values are made absolute (default: process cwd).

    Raises `FlagError`; the choice and required-flag blocks are written to stderr first and the
    raised error is quiet."""
    flagdefs = {name: flagdef or {} for name, flagdef in flagdefs.items()}
    given = _rename_aliases(flagdefs, user_flags, force)
    flags = dict(given)
    for name, flagdef in flagdefs.items():
        if name not in flags:
            flags[name] = flagdef.get("default")
    _apply_choices(flagdefs, flags, set(given))
    for name in sorted(flags):
        flagdef = flagdefs.get(name)
        if not flagdef or not flagdef.get("type"):
            continue
        try:
            flags[name] = coerce_value(flags[name], flagdef, cwd)
        except FlagError as e:
            if not force:
                raise FlagError(f"invalid value {flags[name]} for {name}: {e.message}") from None
    if not force:
        _check_flags(flagdefs, flags, op_full_name, op_name)
    return {name: flags[name] for name in sorted(flags)}


def _rename_aliases(flagdefs: dict[str, dict], user_flags: dict[str, Any], force: bool) -> dict[str, Any]:
    aliases = {fd["alias"]: name for name, fd in flagdefs.items() if fd.get("alias")}
    renamed: dict[str, Any] = {}
    for name, value in user_flags.items():
        target = aliases.get(name) if name not in flagdefs else None
        if target is None:
            renamed[name] = value
            continue
        if target in user_flags:
            if not force:
                # The names are swapped in this message, as Guild prints it.
                raise FlagError(
                    f"cannot specify both alias '{target}' and name for flag '{name}'",
                    hint="Use --force-flags to skip this check.",
                )
            continue  # the flag's own name wins
        renamed[target] = value
    return renamed


def _apply_choices(flagdefs: dict[str, dict], flags: dict[str, Any], given: set[str]) -> None:
    """Replace choice aliases with their values and apply the matched choice's `flags:`.

    A choice with an alias matches only its alias (so its flags apply only when the alias is used)."""
    for name in sorted(flagdefs):
        value = flags.get(name)
        if value is None or isinstance(value, (list, dict)):
            continue
        for choice in flagdefs[name].get("choices") or ():
            if not isinstance(choice, dict):
                continue
            alias = choice.get("alias")
            if alias is not None:
                if value != alias:
                    continue
                flags[name] = choice.get("value")
            elif value != choice.get("value"):
                continue
            for flag_name, flag_value in (choice.get("flags") or {}).items():
                if flag_name not in given:
                    flags[flag_name] = flag_value
            break


def coerce_value(v: Any, flagdef: dict, cwd: str | None = None) -> Any:
    """`v` converted to the flagdef's `type` (lists element-wise; None and flag functions unchanged;
    `arg-split` strings split, coerced per part and re-joined). Raises `FlagError`."""
    flag_type = flagdef.get("type")
    if flag_type not in _COERCERS or v is None:
        return v
    if isinstance(v, list):
        return [coerce_value(x, flagdef, cwd) for x in v]
    if isinstance(v, str) and split_function(v) is not None:
        return v
    coerce = _COERCERS[flag_type]
    try:
        split = flagdef.get("arg-split")
        if split and isinstance(v, str):
            sep = " " if split is True else str(split)
            return sep.join(str(coerce(part, cwd)) for part in split_value(v, split))
        return coerce(v, cwd)
    except (TypeError, ValueError, OverflowError):
        raise FlagError(f"invalid value for type '{flag_type}'") from None


def _to_int(v: Any, cwd: str | None) -> int:
    if isinstance(v, float):
        raise ValueError(v)
    return int(v)


def _to_number(v: Any, cwd: str | None) -> int | float:
    if isinstance(v, (int, float)):
        return v
    try:
        return int(v)
    except (TypeError, ValueError):
        return float(v)


def _to_path(v: Any, cwd: str | None) -> str:
    text = str(v)
    if text == "":
        return text
    path = os.path.expanduser(text)
    return os.path.normpath(os.path.join(cwd or os.getcwd(), path))


_COERCERS = {
    "string": lambda v, cwd: str(v),
    "int": _to_int,
    "float": lambda v, cwd: float(v),
    "number": _to_number,
    "boolean": lambda v, cwd: bool(v),
    "path": _to_path,
    "existing-path": _to_path,
}


def _check_flags(flagdefs: dict[str, dict], flags: dict[str, Any], op_full_name: str, op_name: str) -> None:
    for name in sorted(flags):
        if name not in flagdefs:
            from guild.util.text import did_you_mean

            raise FlagError(
                f"unsupported flag '{name}'{did_you_mean(name, flagdefs, '.')}",
                hint=f"Try 'guild run {op_full_name} --help-op' for a list of flags "
                "or use --force-flags to skip this check.",
            )
    for name in sorted(flags):
        value = flags[name]
        if value is None or isinstance(value, (list, dict)) or (
            isinstance(value, str) and split_function(value) is not None
        ):
            continue
        flagdef = flagdefs[name]
        _check_choice(name, value, flagdef)
        if flagdef.get("type") == "existing-path" and not os.path.exists(str(value)):
            raise FlagError(f"invalid value {value} for {name}: {value} does not exist")
        _check_range(name, value, flagdef)
    _check_required(flagdefs, flags, op_name)


def _check_choice(name: str, value: Any, flagdef: dict) -> None:
    choices = flagdef.get("choices")
    if not choices or flagdef.get("allow-other"):
        return
    values = [c.get("value") if isinstance(c, dict) else c for c in choices]
    for choice_value in values:
        try:
            choice_value = coerce_value(choice_value, flagdef)
        except FlagError:
            pass
        if choice_value == value:
            return
    rows = [
        (encode_flag_value(v), str(c.get("description") or "") if isinstance(c, dict) else "")
        for v, c in zip(values, choices)
    ]
    _fail_with_block(
        f"Unsupported value for '{name}' - supported values are:",
        rows,
        "Run the command again using one of these options.",
    )


def _check_range(name: str, value: Any, flagdef: dict) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    low, high = flagdef.get("min"), flagdef.get("max")
    try:
        if low is not None and value < low:
            raise FlagError(f"invalid value {value} for {name}: out of range (less than min {low})")
        if high is not None and value > high:
            raise FlagError(f"invalid value {value} for {name}: out of range (greater than max {high})")
    except TypeError:  # a non-numeric bound
        pass


def _check_required(flagdefs: dict[str, dict], flags: dict[str, Any], op_name: str) -> None:
    missing = [
        name for name in sorted(flagdefs)
        if flagdefs[name].get("required") and flags.get(name) in (None, "")
    ]
    if not missing:
        return
    rows = [(name, first_line(flagdefs[name].get("description"))) for name in missing]
    _fail_with_block(
        "Operation requires the following missing flags:",
        rows,
        f"Run the command again with these flags or try 'guild run {op_name} --help-op' for help.",
    )




def _fail_with_block(header: str, rows: list[tuple[str, str]], footer: str) -> None:
    """Write a `header / rows / footer` block to stderr and raise a quiet `FlagError` holding it."""
    width = max(len(key) for key, _ in rows)
    lines = [header, ""] + [f"  {key.ljust(width)}  {desc}" for key, desc in rows] + ["", footer]
    block = "\n".join(lines)
    sys.stderr.write(block + "\n")
    sys.stderr.flush()
    raise FlagError(block, quiet=True)
