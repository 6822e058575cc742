"""`guild ls`: list the files of one run (runs.md §8)."""

from __future__ import annotations

import fnmatch
import os
import re
import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import GuildError
from guild.store import access
from guild.util.text import natural_key

COMMAND = Command(
    "ls",
    "List run files.",
    options=[
        Opt(["-p", "--path"], "path", "value", metavar="PATH", help="Path to list."),
        Opt(["-s", "--sourcecode"], "sourcecode", help="List source code files."),
        Opt(["-d", "--dependencies"], "dependencies", help="List dependency files."),
        Opt(["-g", "--generated"], "generated", help="List generated files."),
        Opt(["-a", "--all"], "all", help="Show all files including hidden files."),
        Opt(["-f", "--full-path"], "full_path", help="Show full path for files."),
        Opt(["-L", "--follow-links"], "follow_links", help="Follow links when listing files."),
        Opt(["-n", "--no-format"], "no_format", help="Show files without additional formatting."),
        Opt(["-h", "--human-readable"], "human_readable", help="Show human readable sizes."),
        *runsel.FILTER_OPTIONS,
    ],
    args=[runsel.RUN_ARG],
)


def main(args) -> int:
    if args.path and os.path.isabs(args.path):
        raise GuildError("PATH must be relative", hint=try_line(COMMAND))
    run = runsel.select_one(args, COMMAND)
    entries = list_run_files(
        run, path=args.path, all_=args.all, follow_links=args.follow_links,
        sourcecode=args.sourcecode, dependencies=args.dependencies, generated=args.generated)
    lines = []
    if args.full_path:
        lines = [os.path.join(run.path, e) for e in entries]
    elif args.no_format:
        lines = entries
    else:
        lines.append(_header(run.path))
        lines.extend("  " + e for e in entries)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _header(path: str) -> str:
    from guild.util import files

    if os.environ.get("NO_HEADER_PATH") == "1":
        return os.path.basename(path) + ":"
    return files.tilde_path(path) + ":"


def list_run_files(run, path: str | None = None, all_: bool = False, follow_links: bool = False,
                   sourcecode: bool = False, dependencies: bool = False,
                   generated: bool = False) -> list[str]:
    """Run-relative entries (dirs end with `/`), natural-sorted, as `guild ls` shows them."""
    walked = list(_walk(run.path, follow_links, _link_roots(run) if follow_links else ()))
    manifest_filter = sourcecode or dependencies or generated
    if manifest_filter:
        walked = _manifest_entries(run, walked, sourcecode, dependencies, generated)
    matcher = _path_matcher(path, hidden_ok=all_ or manifest_filter)
    entries = [(rel, is_dir) for rel, is_dir in walked if matcher(rel)]
    entries.sort(key=lambda e: natural_key(e[0]))
    return [rel + "/" if is_dir else rel for rel, is_dir in entries]


def _link_roots(run) -> tuple[str, ...]:
    from guild.store import home

    return access.allowed_roots(run, home.guild_home())


def _walk(root: str, follow_links: bool, link_roots: tuple[str, ...]):
    """(relpath, is_dir) for every entry under root; linked dirs walked only with follow_links,
    and only when they lead inside `link_roots` (the run and the Guild home)."""
    seen = {os.path.realpath(root)}
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel_dir)))
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            yield rel, is_dir
            if not is_dir:
                continue
            if entry.is_symlink():
                if not follow_links:
                    continue
                real = os.path.realpath(entry.path)
                if real in seen or not access.is_allowed(real, link_roots):
                    continue
                seen.add(real)
            stack.append(rel)


def _manifest_entries(run, walked, sourcecode: bool, dependencies: bool, generated: bool):
    kinds = _manifest_paths(run)
    if generated:
        listed = kinds["s"] | kinds["d"] | kinds["i"]
        return [(rel, d) for rel, d in walked
                if not d and rel not in listed and not rel.startswith(".guild/") and rel != ".guild"]
    wanted = (kinds["s"] if sourcecode else set()) | (kinds["d"] if dependencies else set())
    return [(rel, d) for rel, d in walked if rel in wanted]


def _manifest_paths(run) -> dict[str, set[str]]:
    import shlex

    kinds: dict[str, set[str]] = {"s": set(), "d": set(), "i": set()}
    try:
        with open(run.guild_path("manifest"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return kinds
    for line in lines:
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if len(words) >= 2 and words[0] in kinds:
            kinds[words[0]].add(words[1].rstrip("/"))
    return kinds


def _split(path: str) -> list[str]:
    return [p for p in re.split(r"[/\\]", path) if p and p != "."]


def _path_matcher(path: str | None, hidden_ok: bool):
    if not path:
        if hidden_ok:
            return lambda rel: True
        return lambda rel: not any(p.startswith(".") for p in rel.split("/"))
    want = _split(path)
    pattern = "*" in path or "?" in path

    def match(rel: str) -> bool:
        parts = rel.split("/")
        if len(parts) < len(want):
            return False
        for have, w in zip(parts, want):
            if pattern:
                if not fnmatch.fnmatch(have, w):
                    return False
                if have.startswith(".") and not w.startswith(".") and not hidden_ok:
                    return False
            elif have != w:
                return False
        if hidden_ok:
            return True
        return not any(p.startswith(".") for p in parts[len(want):])

    return match


