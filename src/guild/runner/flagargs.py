"""Parse flag args for the globals-style dests (spec §4.5 step 3).

`args_to_flags` turns `--name value...` flag args into a dict of YAML-decoded values; `nest`
re-nests dotted names for `dict:`/`namespace:` dests."""

from guild.runner.yamlval import decode


def args_to_flags(args: list[str]) -> tuple[dict[str, object], list[str]]:
    """(flags, extra args). `--name` starts a key whose following tokens are its values: none
    gives True, one gives the value, several (or a repeated key) give a list. `-N` that decodes
    to a number is a value, another `-x` starts key `x`. Tokens before any key are extra."""
    values: dict[str, list[object]] = {}
    extra: list[str] = []
    name = None
    for arg in args:
        if arg[:2] == "--" and len(arg) > 2:
            name = arg[2:]
            values.setdefault(name, [])
            continue
        if arg[:1] == "-" and len(arg) > 1:
            val = decode(arg)
            if not isinstance(val, (int, float)) or isinstance(val, bool):
                name = arg[1:]
                values.setdefault(name, [])
                continue
        else:
            val = decode(arg)
        if name is None:
            extra.append(arg)
        else:
            values[name].append(val)
    flags = {
        key: (True if not vals else vals[0] if len(vals) == 1 else vals)
        for key, vals in values.items()
    }
    return flags, extra


def nest(flags: dict[str, object]) -> dict[str, object]:
    """`{"opt.m": 0.1, "x": 1}` -> `{"opt": {"m": 0.1}, "x": 1}`."""
    out: dict[str, object] = {}
    for key, val in flags.items():
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = val
    return out
