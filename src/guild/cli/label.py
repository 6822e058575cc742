"""`guild label` (= `guild runs label`): set, prepend, append, remove or clear run labels (runs.md §11.5)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "label",
    "Set run labels.",
    options=[
        Opt(["-s", "--set"], "set", "value", metavar="VAL", help="Set VAL as the label."),
        Opt(["-p", "--prepend"], "prepend", "value", metavar="VAL", help="Prepend VAL to the existing label."),
        Opt(["-a", "--append"], "append", "value", metavar="VAL", help="Append VAL to the existing label."),
        Opt(["-rm", "--remove"], "remove", "multi", metavar="VAL",
            help="Remove VAL from the existing label. May be used multiple times."),
        Opt(["-c", "--clear"], "clear", help="Clear the entire run label."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before modifying labels."),
    ],
    args=[runsel.RUNS_ARG],
)

# Pairs that cannot be combined, in the order they are checked. `--remove` with `--clear` is
# allowed: clear wins.
_INCOMPATIBLE = [("set", "prepend"), ("set", "append"), ("set", "remove"), ("set", "clear"),
                 ("prepend", "append"), ("prepend", "clear"), ("prepend", "remove"),
                 ("append", "clear"), ("append", "remove")]


def main(args) -> int:
    from guild.cli import confirm
    from guild.util import log

    _check_args(args)
    runs = runsel.select_runs(args, COMMAND, default_spec="1")
    if not runs:
        log.info("No runs to modify.")
        return 0
    if not confirm.preview_and_confirm(_header(args), runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    for run in runs:
        _apply(args, run)
    if args["clear"]:
        log.info(f"Cleared label for {len(runs)} run(s)")
    else:
        log.info(f"Labeled {len(runs)} run(s)")
    return 0


def _check_args(args) -> None:
    if not any((args.set is not None, args.prepend is not None, args.append is not None,
                args.remove, args["clear"])):
        raise GuildError(
            "missing one of: --set, --append, --prepend, --remove, --clear",
            hint=f"Try `guild {COMMAND.path} --help` for more information.")
    for a, b in _INCOMPATIBLE:
        if _given(args, a) and _given(args, b):
            raise GuildError(f"--{a} and --{b} cannot both be specified", hint=try_line(COMMAND))


def _given(args, name: str) -> bool:
    val = args[name]
    return bool(val) if isinstance(val, (bool, list)) else val is not None


def _header(args) -> str:
    if args["clear"]:
        return "You are about to clear the label of the following runs:"
    if args.set is not None:
        return f"You are about to label the following runs with '{args.set}':"
    if args.prepend is not None:
        return f"You are about to prepend '{args.prepend}' to the label of the following runs:"
    if args.append is not None:
        return f"You are about to append '{args.append}' to the label of the following runs:"
    removed = ", ".join(f"'{v}'" for v in args.remove)
    return f"You are about to remove {removed} from the label of the following runs:"


def _apply(args, run) -> None:
    from guild.store import manage

    if args["clear"]:
        manage.set_label(run, None)
        return
    old = run.get("label")
    old = "" if old is None else str(old)
    if args.set is not None:
        new = _render(args.set, run, old).strip()
    elif args.prepend is not None:
        new = f"{_render(args.prepend, run, old)} {old}".strip()
    elif args.append is not None:
        new = f"{old} {_render(args.append, run, old)}".strip()
    else:
        new = manage.remove_words(old, args.remove)
    manage.set_label(run, new)


def _render(template: str, run, old_label: str) -> str:
    """The label template rendered with the run's flags; `${label}` is the current label."""
    if "${" not in template:
        return template
    from guild.flags import encode

    flags = run.get("flags")
    flags = flags if isinstance(flags, dict) else {}
    return encode.render_label(template, flags, encode.default_label(flags), {"label": old_label})
