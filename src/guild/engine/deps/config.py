"""Config sources: a YAML/JSON/INI file rewritten with `params` and the run's flag values into
`<run-dir>/.guild/generated/<random>/<name>` (dependencies.md §8)."""

from __future__ import annotations

import os

from guild.engine.deps.files import ResolveError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def config_format(path: str) -> str:
    name = os.path.basename(path).lower()
    if name.endswith(".in"):
        name = name[:-3]
    ext = os.path.splitext(name)[1]
    if ext in (".yml", ".yaml"):
        return "yaml"
    if ext == ".json":
        return "json"
    if ext in (".cfg", ".ini"):
        return "ini"
    raise ResolveError(f"unsupported file type for '{path}'")


def generate(path: str, params: Any, flags: dict[str, Any], flagdefs: dict[str, dict], run_dir: str) -> str:
    """Write the config for `path` into the run's generated dir; returns the new file's path."""
    fmt = config_format(path)
    try:
        data = _load(path, fmt)
    except Exception as e:
        raise ResolveError(f"error loading config from {path}: {e}") from None
    if not isinstance(data, dict):
        data = {}
    for key, val in (params or {}).items() if isinstance(params, dict) else ():
        _set_dotted(data, str(key), val)
    for name in sorted(flags):
        val = flags[name]
        if val is None:
            continue
        flagdef = flagdefs.get(name) or {}
        split = flagdef.get("arg-split")
        if split and isinstance(val, str):
            from guild.flags import decode, encode

            val = [decode.decode_flag_value(part) for part in encode.split_value(val, split)]
        _set_dotted(data, str(flagdef.get("arg-name") or name), val)
    dest = os.path.join(run_dir, ".guild", "generated", _random_name(), os.path.basename(path))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w", encoding="utf-8") as f:
        f.write(_dump(data, fmt))
    return dest


def _random_name() -> str:
    import random
    import string

    chars = string.ascii_lowercase + string.digits
    return "".join(random.choice(chars) for _ in range(8))


def _set_dotted(data: dict, key: str, val: Any) -> None:
    parts = key.split(".")
    target = data
    for part in parts[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = target[part] = {}
        target = nxt
    target[parts[-1]] = val


def _load(path: str, fmt: str) -> Any:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if fmt == "yaml":
        from guild.util import yamlutil

        return yamlutil.load(text)
    if fmt == "json":
        import json

        return json.loads(text)
    import configparser

    from guild.flags import decode

    parser = configparser.ConfigParser()
    parser.read_string(text, source=path)
    return {s: {k: decode.decode_flag_value(v) for k, v in parser.items(s, raw=True)} for s in parser.sections()}


def _dump(data: dict, fmt: str) -> str:
    if fmt == "yaml":
        from guild.util import yamlutil

        return yamlutil.dump(data).rstrip("\n")
    if fmt == "json":
        import json

        return json.dumps(data, sort_keys=True)
    import configparser
    import io

    from guild.flags import encode

    parser = configparser.ConfigParser()
    for section in sorted(data):
        val = data[section]
        if not isinstance(val, dict):
            continue
        parser.add_section(str(section))
        for k, v in val.items():
            # INI values are raw text: a string is written as it is, never quoted.
            parser.set(str(section), str(k), v if isinstance(v, str) else encode.encode_flag_value(v))
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()
