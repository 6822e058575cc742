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
                 min: int | None = None, hidden: bool = False, const: Any = None, max: int | None = None):
        self.names = names
        self.dest = dest
        self.kind = kind
        self.help = help
        self.metavar = metavar
        self.type = type
        self.default = default
        self.min = min
        self.max = max
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
    """A command: its path as typed after `guild` (e.g. "runs list"), help (one line), options,
    arguments, a description (paragraphs with Guild's markup, re-wrapped) and an epilog
    (preformatted text)."""

    def __init__(self, path: str, help: str, options: list[Opt] | None = None,
                 args: list[Arg] | None = None, epilog: str = "", description: str = ""):
        self.path = path
        self.help = help
        self.options = options if options is not None else []
        self.args = args if args is not None else []
        self.epilog = epilog
        self.description = description

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
        if tok == "--help" or (tok == "-h" and "-h" not in by_name):
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
        if opt is None and not tok.startswith("--"):
            expanded = _short_cluster(tok, by_name)
            if expanded is not None:  # `-n1` (a value attached) or `-py` (flags together)
                argv[i:i] = expanded
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


def _short_cluster(tok: str, by_name: dict[str, Opt]) -> list[str] | None:
    """`tok` as separate tokens, as click reads short options: `-n1` is `-n 1` (an option that
    takes a value, with the value attached) and `-py` is `-p -y` (flags together). None when
    `tok` is neither."""
    prefixes = [n for n in by_name if not n.startswith("--") and tok.startswith(n) and len(tok) > len(n)]
    if not prefixes:
        return None
    name = max(prefixes, key=len)
    opt = by_name[name]
    rest = tok[len(name):]
    if opt.kind in ("value", "multi"):
        return [name, rest]
    flags = [f"-{ch}" for ch in rest]
    if all(by_name.get(f) is not None and by_name[f].kind in ("flag", "count", "status") for f in flags):
        return [name, *flags]
    return None


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def _suggest(name: str, by_name: dict[str, Opt]) -> str:
    """Guild's form of the suggestion: ` (did you mean --verbose?)`."""
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
    out_of_range = ((opt.min is not None and converted < opt.min)
                    or (opt.max is not None and converted > opt.max))
    if out_of_range:
        raise usage_error(cmd, f"Invalid value for {_opt_label(opt)}: {converted} is not in the range {_range_text(opt)}.")
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


HELP_WIDTH = 78  # click's: an 80-column terminal less its margin
COL_MAX = 30


def format_help(cmd: Command, subcommands: list[tuple[str, str]] | None = None, version: str = "") -> str:
    """The `--help` text of a command, laid out as click lays it out (Guild's help). With
    GUILD_HELP_JSON=1 in the environment, the same content as JSON (raw markup kept)."""
    import os

    rows = _option_rows(cmd)
    if os.environ.get("GUILD_HELP_JSON") == "1":
        return _help_json(cmd, rows, subcommands, version)
    lines = [f"Usage: guild {cmd.path} {usage_args(cmd, bool(subcommands))}".rstrip(), ""]
    for para in _paragraphs(cmd.help + ("\n\n" + cmd.description if cmd.description else "")):
        lines += _wrap(para, HELP_WIDTH - 2, "  ")
        lines.append("")
    if cmd.epilog:
        lines += [cmd.epilog.rstrip(), ""]
    lines.append("Options:")
    lines += definition_list([(t, render(h)) for t, h in rows])
    if subcommands:
        lines += ["", "Commands:"]
        lines += definition_list([(t, render(h)) for t, h in subcommands])
    return "\n".join(lines).rstrip("\n") + "\n"


def usage_args(cmd: Command, group: bool = False) -> str:
    if group:
        return "[OPTIONS] COMMAND [ARGS]..."
    words = ["[OPTIONS]"]
    for a in cmd.args:
        name = a.metavar or a.name.upper()
        if a.nargs == "1":
            words.append(name)
        elif a.nargs == "*":
            words.append(f"[{name}...]")
        else:
            words.append(f"[{name}]")
    return " ".join(words)


def render(text: str) -> str:
    """Guild's help markup for a terminal: ``code`` as 'code', `NAME` as NAME."""
    import re

    text = re.sub(r"``(.+?)``", lambda m: "'" + m.group(1).replace("\n", " ") + "'", text, flags=re.S)
    return text.replace("`", "")


def _option_rows(cmd: Command) -> list[tuple[str, str]]:
    """(term, raw help) per visible option; a status filter and its `--not-` form share a row."""
    import os

    by_name = {n: o for o in cmd.options for n in o.names}
    rows = []
    for opt in cmd.options:
        if opt.hidden or (opt.kind == "status" and opt.names[0].startswith("--not-")):
            continue
        term = ", ".join(opt.names)
        if opt.kind in ("value", "multi"):
            term += f" {opt.metavar}"
        negative = by_name.get(f"--not-{opt.const}") if opt.kind == "status" else None
        if negative is not None:
            term += f" / {negative.names[0]}"
        text = opt.help
        if os.environ.get("SKIP_PATCH_CLICK") == "1" and (opt.min is not None or opt.max is not None):
            text += "  [" + _range_text(opt) + "]"  # what click adds unless Guild's patch strips it
        rows.append((term, text))
    rows.append(("--help", "Show this message and exit."))
    return rows


def _range_text(opt: Opt) -> str:
    if opt.min is not None and opt.max is not None:
        return f"{opt.min}<=x<={opt.max}"
    return f"x>={opt.min}" if opt.min is not None else f"x<={opt.max}"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def _wrap(text: str, width: int, indent: str) -> list[str]:
    import textwrap

    return textwrap.wrap(render(" ".join(text.split())), width, initial_indent=indent,
                         subsequent_indent=indent) or [indent]


def definition_list(rows: list[tuple[str, str]]) -> list[str]:
    """click's two-column list: terms padded to the widest (at most COL_MAX), help wrapped, and
    a blank line after an entry whose help takes several lines."""
    import textwrap

    first_col = min(max(len(t) for t, _ in rows), COL_MAX) + 2
    text_width = max(HELP_WIDTH - first_col - 2, 10)
    out = []
    for term, text in rows:
        help_lines = textwrap.wrap(" ".join(text.split()), text_width) if text else []
        if not help_lines:
            out.append(f"  {term}")
            continue
        if len(term) <= first_col - 2:
            out.append(f"  {term:{first_col}}{help_lines[0]}")
        else:
            out.append(f"  {term}")
            out.append(f"  {'':{first_col}}{help_lines[0]}")
        out += [f"  {'':{first_col}}{line}" for line in help_lines[1:]]
        if len(help_lines) > 1:
            out.append("")
    return out


def _help_json(cmd: Command, rows, subcommands, version: str) -> str:
    import json

    data = {
        "help": cmd.help + ("\n\n" + cmd.description if cmd.description else ""),
        "options": [{"help": h, "term": t} for t, h in rows],
        "usage": {"args": usage_args(cmd, bool(subcommands)), "prog": f"guild {cmd.path}"},
        "version": version,
    }
    if subcommands:
        data["commands"] = [{"help": h, "term": t} for t, h in subcommands]
    return json.dumps(data, sort_keys=True) + "\n"
