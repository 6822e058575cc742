"""`guild api help-op OPERATION`: an operation's help (description, flags) as JSON."""

from __future__ import annotations


from guild.cli import jsonout
from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "api help-op",
    "Show operation help as JSON.",
    options=[Opt(["-f", "--format"], "format", help=jsonout.FORMAT_OPT_HELP)],
    args=[Arg("opspec", "1", "OPERATION")],
)


def main(args) -> int:
    from guild import api
    from guild.flags.encode import flag_assign

    opdef = api.opdef(args.opspec)
    flags = {}
    for name, fd in sorted(opdef.flags.items()):
        default = fd.get("default")
        flags[name] = {
            "choices": [_choice(c) for c in fd.get("choices") or []],
            "default": default,
            "defaultAssign": flag_assign(name, default),
            "description": fd.get("description") or "",
            "type": fd.get("type"),
        }
    jsonout.write({
        "description": opdef.description or "",
        "flags": flags,
        "fullname": opdef.full_name,
        "guildfile": {"dir": opdef.project_dir, "src": opdef.guildfile_path},
        "name": opdef.name,
        "opref": jsonout.opref(api.opref_of(opdef)),
    }, args.format)
    return 0


def _choice(choice) -> dict:
    if isinstance(choice, dict):
        return {"alias": choice.get("alias"), "description": choice.get("description") or "",
                "value": choice.get("value")}
    return {"alias": None, "description": "", "value": choice}


