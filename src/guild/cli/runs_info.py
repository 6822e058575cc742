"""`guild runs info`: one run's fields, flags, scalars and optional sections (runs.md §10)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.flags.encode import encode_flag_value
from guild.util.text import natural_key

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

COMMAND = Command(
    "runs info",
    "Show run information.",
    options=[
        Opt(["-c", "--comments"], "comments", help="Show run comments."),
        Opt(["-e", "--env"], "env", help="Show run environment."),
        Opt(["-m", "--manifest"], "manifest", help="Show run manifest."),
        Opt(["-d", "--deps"], "deps", help="Show resolved dependencies."),
        Opt(["-p", "--plugins"], "plugins", help="Show plugins used for the run."),
        Opt(["-s", "--all-scalars"], "all_scalars", help="Show all scalars."),
        Opt(["--private-attrs"], "private_attrs", help="Show private attributes."),
        Opt(["--json"], "json", help="Format information as JSON."),
        *runsel.FILTER_OPTIONS,
        runsel.remote_option("Show info for a run on REMOTE rather than a local run."),
    ],
    args=[runsel.RUN_ARG],
)

# Attribute names Guild itself writes; logged/opdef attributes with these names are not shown.
CORE_ATTRS = frozenset((
    "id initialized cmd flags user_flags label tags comments run_params random_seed op host user "
    "platform plugins opdef_attrs sourcecode_digest vcs_commit deps started env pip_freeze "
    "exit_status stopped marked trials max_trials objective stage_trials steps r_sys_info "
    "r_packages_loaded dvc compare resolved_deps opdef run_dir opref status pid").split())


def main(args) -> int:
    run = runsel.select_one(args, COMMAND)
    info = run_info(run, args)
    if args.json:
        import json

        sys.stdout.write(json.dumps(_json_ready(info)) + "\n")
    else:
        sys.stdout.write(info_text(info))
    return 0


def info_text(info: dict[str, Any]) -> str:
    """The text `guild runs info` shows for `info` (from `run_info`)."""
    return "".join(_render(k, v) for k, v in info.items())


def run_info(run, args) -> dict[str, Any]:
    """What `guild runs info` shows of `run`, for the parsed options `args` (a mapping: the
    sections not named in it are left out)."""
    from guild.cli import format

    args = {k: args.get(k) for k in ("private_attrs", "all_scalars", "comments", "json", "env",
                                     "manifest", "deps", "plugins")}
    info: dict[str, Any] = dict((k, v) for k, v in format.run_fields(run).items() if k in format.DETAIL_KEYS)
    info = {k: info[k] for k in format.DETAIL_KEYS}
    if args["private_attrs"]:
        opref = run.opref
        info["opref"] = opref.encode() if opref else ""
        info["op"] = run.get("op")
    info["tags"] = _list(run.get("tags"))
    info["flags"] = _dict(run.get("flags"))
    proto = run.batch_proto
    if proto is not None:
        info["proto-flags"] = _dict(proto.get("flags"))
    info["scalars"] = _scalars(run, args["all_scalars"])
    attrs = _attributes(run, args["private_attrs"])
    if attrs:
        info["attributes"] = attrs
    if args["comments"]:
        info["comments"] = _comments(run, args["json"])
    if args["env"]:
        info["environment"] = _dict(run.get("env"))
    if args["manifest"]:
        info["manifest"] = _manifest(run)
    if args["deps"]:
        info["dependencies"] = _dict(run.get("deps"))
    if args["plugins"]:
        info["plugins"] = _list(run.get("plugins"))
    return info


def _list(val) -> list:
    if val is None:
        return []
    return val if isinstance(val, list) else [val]


def _dict(val) -> dict:
    return val if isinstance(val, dict) else {}


# ---- scalars and attributes


class _Scalar:
    """A rendered scalar value: `%.6f (step n)` text, and its JSON form."""

    def __init__(self, val, step):
        self.val, self.step = val, step

    def __str__(self) -> str:
        return f"{_fmt_float(self.val)} (step {self.step})"


def _fmt_float(val) -> str:
    if val is None:
        return "nan"
    return "%.6f" % val


def _scalars(run, all_scalars: bool):
    try:
        from guild.api import run_scalars
    except ImportError:
        return {}
    try:
        summaries = run_scalars(run)
    except Exception as e:  # shown in place of the section, as the reference does
        return f"ERROR: {e}"
    by_key: dict[str, Any] = {}
    for s in summaries:
        if s.tag.startswith("sys/") and not all_scalars:
            continue
        if all_scalars:
            by_key[s.key] = {
                "avg": _Scalar(s.avg_val, s.count),
                "first": _Scalar(s.first_val, s.first_step),
                "last": _Scalar(s.last_val, s.last_step),
                "max": _Scalar(s.max_val, s.min_step),
                "min": _Scalar(s.min_val, s.min_step),
                "total": _Scalar(s.total, s.count),
            }
        else:
            by_key[s.key] = _Scalar(s.last_val, s.last_step)
    keys = sorted(by_key, key=lambda k: tuple(x.encode() for x in _split_key(k)))
    return _Ordered((k, by_key[k]) for k in keys)


class _Ordered(dict):
    """A dict section shown in its own order instead of natural-sorted."""


def _split_key(key: str) -> tuple[str, str]:
    prefix, sep, tag = key.partition("#")
    return (prefix, tag) if sep else ("", key)


def _attributes(run, private: bool) -> dict:
    attrs: dict[str, Any] = {}
    opdef_attrs = run.get("opdef_attrs")
    if isinstance(opdef_attrs, dict):
        attrs.update(opdef_attrs)
    try:
        from guild.scalars.summary import run_attributes

        for prefix, name, text in run_attributes(run.path):
            attrs[name if prefix in ("", ".guild") else f"{prefix}#{name}"] = text
    except ImportError:
        pass
    except Exception as e:
        from guild.util.log import warning

        warning(f"error reading attributes of run {run.id}: {e}")
    return {k: v for k, v in attrs.items()
            if k not in CORE_ATTRS and (private or not str(k).startswith("_"))}


def _comments(run, raw: bool) -> list:
    from guild.util import clock

    result = []
    for c in _list(run.get("comments")):
        if isinstance(c, dict) and not raw:
            c = dict(c)
            if isinstance(c.get("time"), int):
                c["time"] = clock.format_timestamp(c["time"])
        result.append(c)
    return result


def _manifest(run) -> dict:
    import shlex

    found: dict[str, list[str]] = {"dependencies": [], "sourcecode": []}
    try:
        with open(run.guild_path("manifest"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return found
    for line in lines:
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if len(words) >= 2 and words[0] in ("s", "d"):
            found["sourcecode" if words[0] == "s" else "dependencies"].append(words[1])
    return {k: sorted(v) for k, v in found.items()}


# ---- rendering


def _render(name: str, val) -> str:
    if isinstance(val, list):
        return f"{name}:\n" + "".join(_list_item(item) for item in val)
    if isinstance(val, dict):
        items = val.items() if isinstance(val, _Ordered) else _natural_items(val)
        return f"{name}:\n" + "".join(_dict_entry(k, v) for k, v in items)
    return f"{name}: {_encode_top(val)}\n"


def _encode_top(val) -> str:
    if isinstance(val, (str, _Scalar)):
        return str(val)
    if isinstance(val, bool):
        return "yes" if val else "no"
    return "" if val is None else str(val)


def _list_item(item) -> str:
    if isinstance(item, dict):
        lines = ["  -\n"]
        for k in sorted(item, key=str):
            v = item[k]
            text = "" if v is None else str(v)
            if "\n" in text:
                lines.append(f"    {k}: |\n" + "".join(f"      {ln}\n" for ln in text.split("\n")))
            else:
                lines.append(f"    {k}: {text}\n")
        return "".join(lines)
    return f"  - {encode_flag_value(item)}\n"


def _dict_entry(key, val) -> str:
    if isinstance(val, _Scalar):
        return f"  {key}: {val}\n"
    if isinstance(val, list):
        return f"  {key}:\n" + "".join(f"    - {encode_flag_value(item)}\n" for item in val)
    if isinstance(val, dict):
        if val and all(isinstance(v, _Scalar) for v in val.values()):
            return f"  {key}:\n" + "".join(f"    {k}: {v}\n" for k, v in val.items())
        from guild.util import yamlutil

        block = yamlutil.dump(val).rstrip("\n") if val else ""
        return f"  {key}:\n" + "".join(f"    {ln}\n" for ln in block.split("\n") if block)
    return f"  {key}: {encode_flag_value(val)}\n"


def _natural_items(d: dict):
    return sorted(d.items(), key=lambda kv: natural_key(str(kv[0])))




def _json_ready(val):
    if isinstance(val, _Scalar):
        return [val.val, val.step]
    if isinstance(val, dict):
        return {str(k): _json_ready(v) for k, v in val.items()}
    if isinstance(val, list):
        return [_json_ready(v) for v in val]
    return val
