"""A small declarative command-line parser with Guild's usage-error messages (used by the CLI and by
the pipeline's step parser, which reads `guild run` command lines written in guild.yml).

We do not use click: importing it costs ~30 ms, most of the start-up budget. Options may be
interspersed with arguments; `--` ends options; `--name=value` is accepted; `-S<chars>` status
options are supported through `Opt(kind="status")`."""

from __future__ import annotations

from guild.errors import GuildError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

# Plain classes, not dataclasses: importing `dataclasses` (and `inspect` with it) costs more
# start-up time than every command's parsing together.


class Opt:
    """An option. kinds: flag (bool), value, multi (repeatable value), count, status (-S chars)."""

    def __init__(self, names: list[str], dest: str, kind: str = "flag", help: str = "",
                 metavar: str = "VALUE", type: Callable[[str], Any] | None = None, default: Any = None,
                 min: int | None = None, hidden: bool = False, const: Any = None):
        self.names = names
        self.dest = dest
        self.kind = kind
        self.help = help
        self.metavar = metavar
        self.type = type
        self.default = default
        self.min = min
        self.hidden = hidden
        self.const = const  # the value a "status" option appends

    def __repr__(self) -> str:
        return f"Opt({self.names!r}, {self.dest!r}, {self.kind!r})"


class Arg:
    """A positional argument. nargs: "1" (required), "?" (optional) or "*" (any number)."""

    def __init__(self, name: str, nargs: str = "1", metavar: str | None = None):
        self.name = name
        self.nargs = nargs
        self.metavar = metavar

    def __repr__(self) -> str:
        return f"Arg({self.name!r}, {self.nargs!r})"


class Command:
    """A command: its path as typed after `guild` (e.g. "runs list"), help, options, arguments."""

    def __init__(self, path: str, help: str, options: list[Opt] | None = None,
                 args: list[Arg] | None = None, epilog: str = ""):
        self.path = path
        self.help = help
        self.options = options if options is not None else []
        self.args = args if args is not None else []
        self.epilog = epilog

    def __repr__(self) -> str:
        return f"Command({self.path!r})"


class Namespace(dict):
    """Parsed values by dest name. Attribute access reads the values first, so an option named
    `clear` or `items` is its value, not the dict method."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("__") and dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return dict.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


# Status filter chars of `-S<chars>` (runs.md §6.3).
STATUS_CHARS = {"r": "running", "c": "completed", "e": "error", "t": "terminated",
                "p": "pending", "s": "staged"}


def try_line(cmd: Command) -> str:
    return f"Try 'guild {cmd.path} --help' for more information."


def usage_error(cmd: Command, msg: str) -> UsageError:
    return UsageError(msg, hint=try_line(cmd))


def parse(cmd: Command, argv: list[str]) -> Namespace:
    """Parse argv for `cmd`. Raises UsageError (exit 2) with Guild's wording."""
    ns = Namespace()
    by_name: dict[str, Opt] = {}
    status_opt = None
    for opt in cmd.options:
        for name in opt.names:
            by_name[name] = opt
        if opt.kind == "status" and any(n.startswith("-S") for n in opt.names):
            status_opt = opt
        if opt.kind in ("multi", "status"):
            ns.setdefault(opt.dest, list(opt.default or []))
        elif opt.kind == "count":
            ns[opt.dest] = opt.default or 0
        elif opt.kind == "flag":
            ns.setdefault(opt.dest, bool(opt.default))
        else:
            ns.setdefault(opt.dest, opt.default)
    ns["help"] = False
    positionals: list[str] = []
    i = 0
    only_args = False
    while i < len(argv):
        tok = argv[i]
        i += 1
        if only_args or tok == "-" or not tok.startswith("-") or _is_number(tok):
            positionals.append(tok)
            continue
        if tok == "--":
            only_args = True
            continue
        if tok == "--help":
            ns["help"] = True
            continue
        name, eq, inline = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        opt = by_name.get(name)
        if opt is None and status_opt is not None and tok.startswith("-S") and len(tok) > 2:
            for ch in tok[2:]:
                if ch not in STATUS_CHARS:
                    raise GuildError(f"unrecognized status char '{ch}' in option '-S'", hint=try_line(cmd))
                ns[status_opt.dest].append(STATUS_CHARS[ch])
            continue
        if opt is None:
            raise usage_error(cmd, f"unrecognized option '{name}'{_suggest(name, by_name)}")
        if opt.kind in ("flag", "count"):
            if eq:
                raise usage_error(cmd, f"option '{name}' does not take a value")
            if opt.kind == "flag":
                ns[opt.dest] = True
            else:
                ns[opt.dest] += 1
            continue
        if opt.kind == "status":
            ns[opt.dest].append(opt.const)
            continue
        if eq:
            value = inline
        elif i < len(argv):
            value = argv[i]
            i += 1
        else:
            raise usage_error(cmd, f"option '{name}' requires an argument")
        value = _convert(cmd, opt, name, value)
        if opt.kind == "multi":
            ns[opt.dest].append(value)
        else:
            ns[opt.dest] = value
    if ns["help"]:
        return ns
    _assign_positionals(cmd, ns, positionals)
    return ns


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def _suggest(name: str, by_name: dict[str, Opt]) -> str:
    import difflib

    longs = [n for n in by_name if n.startswith("--")]
    match = difflib.get_close_matches(name, longs, n=1)
    return f" (did you mean {match[0]}?)" if match else ""


def _convert(cmd: Command, opt: Opt, name: str, value: str) -> Any:
    if opt.type is None:
        return value
    try:
        converted = opt.type(value)
    except (TypeError, ValueError):
        kind = "integer" if opt.type is int else ("float" if opt.type is float else "value")
        raise usage_error(cmd, f"Invalid value for {_opt_label(opt)}: '{value}' is not a valid {kind}.") from None
    if opt.min is not None and converted < opt.min:
        raise usage_error(cmd, f"Invalid value for {_opt_label(opt)}: {converted} is not in the range x>={opt.min}.")
    return converted


def _opt_label(opt: Opt) -> str:
    return " / ".join(f"'{n}'" for n in opt.names)


def _assign_positionals(cmd: Command, ns: Namespace, positionals: list[str]) -> None:
    rest = list(positionals)
    for n, arg in enumerate(cmd.args):
        if arg.nargs == "*":
            ns[arg.name] = rest
            rest = []
        elif arg.nargs == "?":
            ns[arg.name] = rest.pop(0) if rest else None
        else:
            if not rest:
                raise usage_error(cmd, f"missing argument for {arg.metavar or arg.name.upper()}")
            ns[arg.name] = rest.pop(0)
    if rest:
        raise usage_error(cmd, f"unexpected extra argument '{rest[0]}'")


def format_help(cmd: Command) -> str:
    """The `--help` text of a command."""
    usage_args = " ".join(
        (a.metavar or a.name.upper()) + ("..." if a.nargs == "*" else "")
        if a.nargs == "1" else f"[{a.metavar or a.name.upper()}]" + ("..." if a.nargs == "*" else "")
        for a in cmd.args
    )
    lines = [f"Usage: guild {cmd.path} [OPTIONS] {usage_args}".rstrip(), "", f"  {cmd.help}", ""]
    if cmd.epilog:
        lines += [cmd.epilog.rstrip(), ""]
    lines.append("Options:")
    rows = []
    for opt in cmd.options:
        if opt.hidden:
            continue
        label = ", ".join(opt.names)
        if opt.kind in ("value", "multi"):
            label += f" {opt.metavar}"
        rows.append((label, opt.help))
    rows.append(("--help", "Show this message and exit."))
    width = min(max(len(r[0]) for r in rows), 30)
    for label, text in rows:
        if len(label) > width:
            lines.append(f"  {label}")
            lines.append(f"  {'':{width}}  {text}")
        else:
            lines.append(f"  {label:{width}}  {text}")
    return "\n".join(lines) + "\n"
