"""The run filter options every run command shares, and selecting runs from parsed args.

Commands add `FILTER_OPTIONS` (or `COMMON_FILTER_OPTIONS` for `stop`) and `RUNS_ARG` to their
`Command`, then call `select_runs`, `select_one` or `filtered_runs` (runs.md §6)."""

from __future__ import annotations

import os
import sys

from guild.util.cmdline import Arg, Command, Opt
from guild.errors import GuildError
from guild.store.run import Run

COMMON_FILTER_OPTIONS: list[Opt] = [
    Opt(["-F", "--filter"], "filter_expr", "value", metavar="EXPR",
        help="Filter runs using a filter expression. See Filter by Expression above for details."),
    Opt(["-Fo", "--operation"], "filter_ops", "multi", metavar="VAL",
        help="Filter runs with operations matching `VAL`."),
    Opt(["-Fl", "--label"], "filter_labels", "multi", metavar="VAL",
        help="Filter runs with labels matching VAL. To show unlabeled runs, use --unlabeled."),
    Opt(["-Fu", "--unlabeled"], "filter_unlabeled", help="Filter runs without labels."),
    Opt(["-Ft", "--tag"], "filter_tags", "multi", metavar="TAG", help="Filter runs with TAG."),
    Opt(["-Fc", "--comment"], "filter_comments", "multi", metavar="VAL",
        help="Filter runs with comments matching VAL."),
    Opt(["-Fm", "--marked"], "filter_marked", help="Filter marked runs."),
    Opt(["-Fn", "--unmarked"], "filter_unmarked", help="Filter unmarked runs."),
    Opt(["-Fs", "--started"], "filter_started", "value", metavar="RANGE",
        help="Filter runs started within RANGE. See above for valid time ranges."),
    Opt(["-Fd", "--digest"], "filter_digest", "value", metavar="VAL",
        help="Filter runs with a matching source code digest."),
]

_STATUS_OPTS = [("r", "running", "Filter runs that are still running."),
                ("c", "completed", "Filter completed runs."),
                ("e", "error", "Filter runs that exited with an error."),
                ("t", "terminated", "Filter runs terminated by the user."),
                ("p", "pending", "Filter pending runs."),
                ("s", "staged", "Filter staged runs.")]

STATUS_FILTER_OPTIONS: list[Opt] = [
    opt
    for ch, name, help_ in _STATUS_OPTS
    for opt in (
        Opt([f"-S{ch}", f"--{name}"], "filter_status", "status", const=name, help=help_),
        Opt([f"--not-{name}"], "filter_not_status", "status", const=name,
            help=f"Filter only runs that are not {name}."),
    )
]

FILTER_OPTIONS: list[Opt] = COMMON_FILTER_OPTIONS + STATUS_FILTER_OPTIONS

def remote_option(help_: str) -> Opt:
    """`-r/--remote REMOTE` (see 'guild remotes'), with the command's own help text."""
    return Opt(["-r", "--remote"], "remote", "value", metavar="REMOTE", help=help_)


RUNS_ARG = Arg("runs", "*", "RUN")
RUN_ARG = Arg("run", "?", "RUN")


def runs_root(args, *, deleted: bool = False) -> str:
    """The runs dir a command reads: `--deleted` → the trash, `--archive` → that archive,
    `--remote` → the remote's runs (an S3 remote's metadata mirrored here)."""
    from guild.store import home

    if args.get("remote"):
        from guild.remotes import listing

        return listing.runs_root(args.remote, deleted=deleted or bool(args.get("deleted")))
    archive = args.get("archive")
    if archive:
        return archive_root(archive)
    if deleted or args.get("deleted"):
        return home.trash_runs_dir()
    return home.runs_dir()


def reject_storage_remote(args, verb: str) -> None:
    """Commands on running runs given an S3 remote (SSH remotes run them there): no such runs."""
    if args.get("remote"):
        raise GuildError(f"remote '{args.remote}' only stores runs: there are no runs to {verb} there")


def archive_root(archive: str) -> str:
    """The runs dir of `archive`: an export directory, a named archive (runs.md §12.4), or a
    zip made by export, unpacked to a temp dir removed when the command exits."""
    from guild.store import manage

    path = os.path.expanduser(archive)
    if os.path.isfile(path):
        import zipfile

        if zipfile.is_zipfile(path):
            return _unpacked_zip(path)
    return os.path.abspath(manage.archive_runs_dir(path))


def _unpacked_zip(path: str) -> str:
    import atexit
    import shutil
    import tempfile

    from guild.store import manage

    tmp = tempfile.mkdtemp(prefix="guild-archive-")
    atexit.register(shutil.rmtree, tmp, True)
    manage.unpack_zip(path, tmp)
    return tmp


def filter_args(args, cmd: Command) -> dict:
    """The keyword arguments of `api.filter_runs` the parsed filter options give."""
    g = args.get
    if g("filter_labels") and g("filter_unlabeled"):
        raise GuildError("--label and --unlabeled cannot both be used")
    if g("filter_marked") and g("filter_unmarked"):
        raise GuildError("--marked and --unmarked cannot both be used")
    return dict(
        ops=g("filter_ops") or [], labels=g("filter_labels") or [],
        unlabeled=bool(g("filter_unlabeled")), tags=g("filter_tags") or [],
        comments=g("filter_comments") or [], marked=bool(g("filter_marked")),
        unmarked=bool(g("filter_unmarked")), started=g("filter_started"),
        digest=g("filter_digest"), status=g("filter_status") or [],
        not_status=g("filter_not_status") or [], expr=g("filter_expr"),
    )


def filter_argv(args) -> list[str]:
    """The parsed filter options as command-line arguments again (for a remote's guild)."""
    argv: list[str] = []
    for opt in FILTER_OPTIONS:
        value = args.get(opt.dest)
        name = opt.names[-1]
        if opt.kind == "status":
            argv += [name] if opt.const in (value or []) else []
        elif opt.kind == "multi":
            for item in value or []:
                argv += [name, str(item)]
        elif opt.kind == "value":
            argv += [name, str(value)] if value is not None else []
        elif value:
            argv.append(name)
    return argv


def run_filter(args, cmd: Command):
    """A `store.select.RunFilter` from the parsed filter options (raises on bad values)."""
    from guild import api

    try:
        return api.filter_runs(**filter_args(args, cmd))
    except api.InvalidRange as e:
        raise GuildError(e.message, hint=f"Try 'guild {cmd.path} --help' for help specifying time ranges.") from None


def filtered_runs(args, cmd: Command, root: str | None = None) -> list[Run]:
    """The filtered runs, newest first (no spec resolution)."""
    from guild import api

    return api.runs(filter=run_filter(args, cmd), root=root or runs_root(args))


def select_runs(args, cmd: Command, default_spec: str = ":", *, root: str | None = None,
                check: str = "full") -> list[Run]:
    """The runs a multi-run command acts on: filter, sort, resolve `args.runs` (or `default_spec`).
    `check` is `api.runs`'s."""
    from guild import api

    specs = list(args.get("runs") or []) or [default_spec]
    try:
        return api.runs(*specs, filter=run_filter(args, cmd), root=root or runs_root(args), check=check)
    except api.RunNotFound as e:
        raise not_found_error(e.spec, cmd) from None


def select_one(args, cmd: Command, root: str | None = None) -> Run:
    """The one run a single-run command acts on (`args.run`, default `1`)."""
    from guild import api

    spec = args.get("run")
    if spec is None:
        specs = args.get("runs") or ["1"]
        spec = specs[0]
    try:
        return api.one_run(spec, filter=run_filter(args, cmd), root=root or runs_root(args))
    except api.RunNotFound as e:
        raise not_found_error(e.spec, cmd) from None
    except api.RunAmbiguous as e:
        raise ambiguous_error(e.spec, e.runs) from None


def not_found_error(spec: str, cmd: Command) -> GuildError:
    return GuildError(
        f"could not find a run matching '{spec}'",
        hint=f"Try 'guild runs list' for a list or 'guild {cmd.path} --help' for more information.")


def ambiguous_error(spec: str, runs: list[Run]) -> GuildError:
    """Writes the match list to stderr now; the returned error only sets exit 1."""
    lines = [f"'{spec}' matches multiple runs:"] + [f"  {r.short_id}" for r in runs]
    sys.stderr.write("\n".join(lines) + "\n")
    return GuildError(f"'{spec}' matches multiple runs", quiet=True)
