"""Flag values to text: the display encoding ("flag encode", guildfile-and-run.md §3.5), `NAME=VAL`
lists and default labels (runs.md §4.3), label templates (§5.9), prompt values, and the encodings
for argv and env (§3.4) including `${name}` command references (§2.1)."""

from __future__ import annotations

import re

from guild.errors import GuildError
from guild.flags.decode import split_function
from guild.util import yamlutil

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

_BOOL_WORDS = frozenset(
    "yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF".split()
)
_NULL_WORDS = frozenset(("null", "Null", "NULL"))
# Strings that are certainly plain YAML scalars reading back as themselves (others ask PyYAML).
# Non-ASCII text stays readable (`/data/…/guild`) rather than escaped.
# Any non-ASCII char is plain: written `[^\x00-\x7f]`, which compiles in 0.4 ms; the equivalent
# range `\u0080-\U0010ffff` costs 22 ms to compile on every run.
_PLAIN_PAT = r"(?:[A-Za-z_/]|[^\x00-\x7f])(?:[\w./\-]|[^\x00-\x7f])*(?: (?:[\w./\-]|[^\x00-\x7f])+)*\Z"
_YAML_QUOTED_YN = frozenset("yYnN")
_TRUNCATE_PAT = r"(\.[0-9]{5})[0-9]+"
_GLOBALS_PREFIXES = ("global:", "dict:", "namespace:")


def encode_flag_value(v: Any) -> str:
    """The display text of a flag value: `yes`/`no`/`null`, `[a, b]`, `{k: v}`, floats as YAML,
    strings plain when they read back as the same string, else single-quoted."""
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if v is None:
        return "null"
    if isinstance(v, str):
        return _encode_str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return yamlutil.float_text(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_encode_list_item(x) for x in v) + "]"
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: str(kv[0]))
        return "{" + ", ".join(f"{encode_flag_value(k)}: {encode_flag_value(x)}" for k, x in items) + "}"
    return _yaml_flow(v)


def _encode_list_item(x: Any) -> str:
    text = encode_flag_value(x)
    return repr(x) if isinstance(x, str) and "," in text else text


def _encode_str(s: str, quote_yn: bool = False) -> str:
    # Our YAML dumper quotes y/Y/n/N; the flag encoding leaves them plain.
    if re.match(_PLAIN_PAT, s) and s not in _BOOL_WORDS and s not in _NULL_WORDS and s.isprintable():
        if not (quote_yn and s in _YAML_QUOTED_YN):
            return s
    return _yaml_flow(s)


def _yaml_flow(v: Any) -> str:
    try:
        return yamlutil.dump_flow(v)
    except Exception:  # a value PyYAML cannot represent (e.g. a custom object)
        return str(v)


def flag_assign(name: str, v: Any, truncate_floats: bool = False) -> str:
    """`NAME=VAL` with the flag encoding; a string whose encoding has a space gets repr quotes."""
    return f"{name}={assign_value(v, truncate_floats)}"


def assign_value(v: Any, truncate_floats: bool = False) -> str:
    """The VAL of `NAME=VAL`: the flag encoding, repr-quoted for a string whose encoding has a
    space (`'hello world'`); floats cut to 5 decimals with `truncate_floats`."""
    text = encode_flag_value(v)
    if truncate_floats and isinstance(v, float):
        text = re.sub(_TRUNCATE_PAT, r"\1", text)
    if isinstance(v, str) and " " in text and not text.startswith(("'", '"')):
        text = repr(text)
    return text


def flags_desc(flags: dict) -> str:
    """Non-null flags as `NAME=VAL, ...` (how batch messages name a trial's flags)."""
    return ", ".join(flag_assign(n, flags[n]) for n in sorted(flags) if flags[n] is not None)


def default_label(flags: dict) -> str:
    """The label of a run without a label template: non-null flags as `NAME=VAL`, floats cut to 5
    decimals, existing paths with `/` shortened."""
    return " ".join(f"{name}={label_value(flags[name])}" for name in sorted(flags) if flags[name] is not None)


def label_value(v: Any) -> str:
    """A value as shown in labels: the `NAME=VAL` form with floats cut to 5 decimals and existing
    paths with `/` shortened."""
    return assign_value(_label_path(v), truncate_floats=True)


def _label_path(v: Any) -> Any:
    if isinstance(v, str) and "/" in v:
        import os

        if os.path.exists(v):
            from guild.util.files import shorten_path

            return shorten_path(v, 20)
    return v


def render_label(template: str, flags: dict, default_label: str, extra: dict | None = None) -> str:
    """Expand `${name}` and `${name|filter}` refs in a label template.

    Names are looked up in `extra`, then `default_label`, then `flags`. Flag values are formatted
    as in the default label (`label_value`); undefined and null values give "".
    Filters: `%FMT` (printf-style on the value), `default:X`, `basename`, `unquote`."""

    def expand(ref: str) -> str:
        name, *filters = (part.strip() for part in ref.split("|"))
        value, text = _label_ref(name, flags, default_label, extra)
        for spec in filters:
            value, text = _apply_label_filter(spec, value, text)
        return text

    return sub_refs(template, expand)


def sub_refs(text: str, expand: Callable[[str], str]) -> str:
    r"""`text` with each `${ref}` replaced by `expand(ref)`; a backslash before `${` leaves the
    reference as it is, less the backslash. What `re.sub(r"(\\?)\$\{([^}]*)\}", ...)` does,
    without compiling a regex on every run."""
    out = []
    i = 0
    while True:
        start = text.find("${", i)
        end = text.find("}", start + 2) if start >= 0 else -1
        if end < 0:
            out.append(text[i:])
            return "".join(out)
        if start > i and text[start - 1] == "\\":
            out += [text[i:start - 1], text[start:end + 1]]
        else:
            out += [text[i:start], expand(text[start + 2:end])]
        i = end + 1


def _label_ref(name: str, flags: dict, default_label: str, extra: dict | None) -> tuple[Any, str]:
    if extra and name in extra:
        value = extra[name]
    elif name == "default_label":
        value = default_label
    else:
        value = flags.get(name)
        if value is None:
            return None, ""
        return value, label_value(value)
    if value is None:
        return None, ""
    return value, value if isinstance(value, str) else encode_flag_value(value)


def _apply_label_filter(spec: str, value: Any, text: str) -> tuple[Any, str]:
    if spec.startswith("%"):
        if value is None:
            return value, ""
        try:
            return value, spec % value
        except (TypeError, ValueError):
            return value, "#error#"
    if spec.startswith("default:"):
        if value is None or text == "":
            fallback = spec[len("default:"):]
            return fallback, fallback
        return value, text
    if spec == "basename":
        import os

        return value, os.path.basename(value if isinstance(value, str) else text)
    if spec == "unquote":
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return value, text[1:-1]
        return value, text
    from guild.util import log

    log.warning(f"error rendering label: unsupported filter '{spec}'")
    return value, "#error#"


def prompt_value(v: Any, flagdef: dict | None = None) -> str:
    """A value as shown in the run confirmation prompt (`  name: <value>`)."""
    if v is None:
        label = (flagdef or {}).get("null-label")
        return "default" if label is None else str(label)
    if isinstance(v, str) and split_function(v) is not None:
        return v
    return encode_flag_value(v)


def is_globals_dest(dest: str | None) -> bool:
    """True for flags-dests that receive YAML-encoded values (`globals`, `global:`, `dict:`,
    `namespace:`)."""
    return bool(dest) and (dest == "globals" or dest.startswith(_GLOBALS_PREFIXES))


def arg_value(v: Any, dest: str = "args", flagdef: dict | None = None) -> str:
    """The text of a value in argv (`dest` is the op's flags-dest) or, with `dest="env"`, in an env var.

    Args/env: True -> `1`, False/None -> ``, numbers by repr, strings as-is, lists space-joined and
    shell-quoted. Globals-style dests: YAML flow encoding. The flagdef's `arg-encoding` (or
    `env-encoding` for env) map applies first."""
    encoding = (flagdef or {}).get("env-encoding" if dest == "env" else "arg-encoding")
    if isinstance(encoding, dict):
        for key, encoded in encoding.items():
            if _same_value(key, v):
                v = encoded
                if isinstance(v, str):
                    return v
                break
    if is_globals_dest(dest):
        return yaml_flow_value(v)
    return _args_encode(v)


def _same_value(a: Any, b: Any) -> bool:
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _args_encode(v: Any) -> str:
    if v is True:
        return "1"
    if v is False or v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        import shlex

        return " ".join(shlex.quote(_args_encode(x)) for x in v)
    return encode_flag_value(v)


def yaml_flow_value(v: Any) -> str:
    """YAML flow encoding of a value, as the globals dests receive it (`true`, `'007'`, `[1, 2]`)."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return _encode_str(v, quote_yn=True)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return yamlutil.float_text(v)
    if isinstance(v, list) and all(x is None or isinstance(x, (bool, int, float)) for x in v):
        return "[" + ", ".join(yaml_flow_value(x) for x in v) + "]"  # a grid's values: no PyYAML
    return _yaml_flow(v)


def env_var_name(name: str, flagdef: dict | None = None) -> str:
    """`env-name`, or `FLAG_<NAME>` upper-cased with chars outside `A-Z0-9_` replaced by `_`."""
    env_name = (flagdef or {}).get("env-name")
    if env_name:
        return str(env_name)
    return "FLAG_" + re.sub(r"[^A-Z0-9_]", "_", name.upper())


def flag_args(
    flags: dict,
    flagdefs: dict,
    dest: str = "args",
    shadowed: set[str] | frozenset[str] = frozenset(),
    default_arg_skip: bool = False,
) -> list[str]:
    """Command-line args for flag values, in name order (§3.4).

    Skipped: `arg-skip` flags (default `default_arg_skip`), `shadowed` names, None values.
    `arg-switch` gives a bare `--ARG` when the value equals the switch value, `arg-split` gives
    `--ARG part...` (a YAML list for globals dests), else `--ARG ENCODED`."""
    args: list[str] = []
    for name in sorted(flags):
        value = flags[name]
        flagdef = flagdefs.get(name) or {}
        skip = flagdef.get("arg-skip")
        if (default_arg_skip if skip is None else skip) or name in shadowed or value is None:
            continue
        opt = "--" + str(flagdef.get("arg-name") or name)
        if flagdef.get("arg-switch") is not None:
            if value == flagdef["arg-switch"]:
                args.append(opt)
            continue
        split = flagdef.get("arg-split")
        if split and not isinstance(value, (list, tuple)):
            parts = split_value(value, split)
            if is_globals_dest(dest):
                from guild.flags.decode import decode_flag_value

                args.extend([opt, yaml_flow_value([decode_flag_value(p) for p in parts])])
            elif parts:
                args.append(opt)
                args.extend(parts)
            continue
        args.extend([opt, arg_value(value, dest, flagdef)])
    return args


def split_value(value: Any, split: Any) -> list[str]:
    """The parts of an `arg-split` value: shell-style for `yes`, else on the separator string."""
    text = _args_encode(value)
    if split is True:
        import shlex

        try:
            return shlex.split(text)
        except ValueError:  # unbalanced quotes
            return text.split()
    return [part.strip() for part in text.split(str(split)) if part.strip()]


def expand_cmd_refs(text: str, values: dict) -> str:
    """Replace `${name}` refs with args-encoded `values`; `\\${x}` stays as a literal `${x}`.

    Raises `GuildError` for a name missing from `values`."""
    if "${" not in text:
        return text

    def expand(name: str) -> str:
        if name not in values:
            raise GuildError(
                f"invalid setting for operation: command contains invalid reference '{name}'"
            )
        return _args_encode(values[name])

    return sub_refs(text, expand)
