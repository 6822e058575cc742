"""Shell completion candidates: `guild __complete SHELL WORD...` (COMP_CWORD: the index of the
word being completed; the last word by default) prints one candidate per line. The scripts of
`guild completion` call it: commands, options, operations of the project's guild.yml, flag
names after an operation (`lr=`), run ids for run arguments and labels for `--label`."""

from __future__ import annotations

import os
import sys

from guild.cli.commands import ALIASES, COMMANDS, GROUPS, HIDDEN_ALIASES, UNAVAILABLE

_ROOT_OPTIONS = ["--version", "-C", "-H", "--debug", "--help"]
_ROOT_VALUE_OPTIONS = ("-C", "-H")
_RUN_LIMIT = 200  # run ids offered at most (newest first)


def main(argv: list[str]) -> int:
    if not argv:
        return 1
    words = argv[1:]
    cword = os.environ.get("COMP_CWORD")
    index = int(cword) if cword and cword.isdigit() else len(words) - 1
    words = words[: index + 1] + ([""] if index >= len(words) else [])
    try:
        for candidate in candidates(words[1:index], words[index]):
            sys.stdout.write(candidate + "\n")
    except Exception:  # completion never shows an error in the middle of a command line
        pass
    return 0


def candidates(before: list[str], cur: str) -> list[str]:
    """What may follow `guild BEFORE...` at the word `cur`."""
    i = 0
    while i < len(before) and before[i].startswith("-"):
        i += 2 if before[i] in _ROOT_VALUE_OPTIONS else 1
    if i >= len(before):
        if before and before[-1] in _ROOT_VALUE_OPTIONS:
            return []  # a path: the shell's own completion
        if cur.startswith("-"):
            return _matching(_ROOT_OPTIONS, cur)
        names = {n for n in (*COMMANDS, *ALIASES) if COMMANDS[ALIASES.get(n, n)][0] != UNAVAILABLE}
        return _matching(sorted(names), cur)
    name = ALIASES.get(before[i], before[i])
    rest = before[i + 1:]
    if name in GROUPS:
        subcommands, aliases, default = GROUPS[name]
        if not rest and not cur.startswith("-"):
            return _matching(sorted(n for n in (*subcommands, *aliases) if n not in HIDDEN_ALIASES
                                    and subcommands[aliases.get(n, n)][0] != UNAVAILABLE), cur)
        sub = default
        if rest and not rest[0].startswith("-"):
            sub, rest = aliases.get(rest[0], rest[0]), rest[1:]
        if sub is None or sub not in subcommands:
            return []
        return _command_candidates(subcommands[sub][0], rest, cur)
    if name not in COMMANDS:
        return []
    return _command_candidates(COMMANDS[name][0], rest, cur)


def _command_candidates(module_name: str, rest: list[str], cur: str) -> list[str]:
    import importlib

    if module_name == UNAVAILABLE:
        return []
    cmd = importlib.import_module(module_name).COMMAND
    by_name = {n: opt for opt in cmd.options for n in opt.names}
    prev = rest[-1] if rest else None
    prev_opt = by_name.get(prev) if prev else None
    if prev_opt is not None and prev_opt.kind in ("value", "multi"):
        if prev_opt.dest in ("filter_labels", "label"):
            return _matching(_labels(), cur)
        if prev_opt.dest == "filter_ops":
            return _matching(_op_names(), cur)
        return []  # a value: paths and the like, the shell's own completion
    if cur.startswith("-"):
        names = sorted({n for opt in cmd.options for n in opt.names if n.startswith("--")} | {"--help"})
        return _matching(names, cur)
    positionals = _positionals(rest, by_name)
    if cmd.path == "run":
        if not positionals:
            return _matching(_op_names() + _scripts(), cur)
        return _matching(_flag_assigns(positionals[0]), cur)
    arg_names = [a.name for a in cmd.args]
    if "runs" in arg_names or "run" in arg_names:
        return _matching(_run_ids(), cur)
    return []


def _positionals(rest: list[str], by_name: dict) -> list[str]:
    found, skip = [], False
    for word in rest:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            opt = by_name.get(word.split("=", 1)[0])
            skip = opt is not None and opt.kind in ("value", "multi") and "=" not in word
            continue
        found.append(word)
    return found


def _matching(names: list[str], cur: str) -> list[str]:
    return [n for n in names if n.startswith(cur)]


def _op_names() -> list[str]:
    from guild import api

    return sorted(op.full_name for op in api.project_opdefs() if not op.name.startswith("_"))


def _scripts() -> list[str]:
    return sorted(n for n in os.listdir(".") if n.endswith(".py") and os.path.isfile(n))


def _flag_assigns(opspec: str) -> list[str]:
    from guild import api

    opdef = api.opdef(opspec)
    return [f"{name}=" for name in sorted(opdef.flags)]


def _run_ids() -> list[str]:
    from guild import api

    return [run.short_id for run in api.runs()[:_RUN_LIMIT]]


def _labels() -> list[str]:
    from guild import api

    labels = {str(run.get("label")) for run in api.runs()[:_RUN_LIMIT] if run.get("label")}
    return sorted(labels)
