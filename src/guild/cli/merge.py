"""`guild merge [RUN]`: copy a run's source code and project-local dependencies (with `--all`
its generated files too) back into its project, or into `--target-dir`."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.errors import Aborted
from guild.util.cmdline import Command, Opt

MERGE_OPTIONS = [
    Opt(["-t", "--target-dir"], "target_dir", "value", metavar="DIR",
        help="Directory to merge run files to (required if the project directory cannot be determined "
             "or is not the current directory)."),
    Opt(["-s", "--sourcecode"], "sourcecode", help="Only copy run source code. Implies use of --skip-deps."),
    Opt(["-a", "--all"], "all", help="Copy all run files, including generated files."),
    Opt(["-S", "--skip-sourcecode"], "skip_sourcecode", help="Don't copy run source code."),
    Opt(["-D", "--skip-deps"], "skip_deps", help="Don't copy project-local dependencies."),
    Opt(["-x", "--exclude"], "exclude", "multi", metavar="PATTERN",
        help="Exclude a file or directory from the merge. May be used multiple times."),
    Opt(["--no-summary"], "no_summary", help="Don't generate a run summary."),
    Opt(["-r", "--replace"], "replace", help="Replace changed files in the target directory."),
    Opt(["-p", "--preview"], "preview", help="Show what would happen on a merge."),
    Opt(["-y", "--yes"], "yes", help="Do not prompt before copying files."),
]

COMMAND = Command(
    "merge",
    "Copy run files to a project directory.",
    options=[*MERGE_OPTIONS, *runsel.FILTER_OPTIONS],
    args=[runsel.RUN_ARG],
    epilog="""\
  By default, Guild copies run files into the current directory. To
  copy files to a different directory, use `--target-dir DIR`.

  Guild copies the run's source code and project-local dependencies
  (files required by the operation that come from the project). Use
  `--all` to include generated files too, `--sourcecode` for source
  code only, and `--skip-sourcecode` / `--skip-deps` to leave either
  out. Files that are the same in the run and the target are skipped.

  Guild does not replace changed files: in a git work tree, files with
  unstaged changes; elsewhere, any file that exists. Use `--replace`
  to skip this check. Use `--preview` to show what would be copied.
""",
)


def main(args) -> int:
    from guild import api
    from guild.cli import confirm
    from guild.util import log

    plan = plan_from_args(args, COMMAND)
    run_row = _run_row(plan.run)
    if not plan.to_copy and not args.preview:
        sys.stdout.write(f"Nothing to copy for the following run:\n  {run_row}\n"
                         "Try 'guild merge --preview' for a list of skipped files.\n")
        return 0
    if args.preview:
        sys.stdout.write(_preview(plan, args, run_row))
        return 0
    if not args.yes:
        sys.stdout.write(_preview(plan, args, run_row))
        sys.stdout.flush()
        if not confirm.confirm("Continue?"):
            raise Aborted(quiet=True)
    api.merge(plan, lambda f: log.info(f"Copying {f.target_path}"))
    return 0


def plan_from_args(args, cmd: Command):
    """The merge plan of the run the args select, with the args' options."""
    from guild import api

    run = runsel.select_one(args, cmd)
    sourcecode = not args.skip_sourcecode
    return api.merge_plan(
        run, args.target_dir, sourcecode=sourcecode, deps=not args.skip_deps and not args.sourcecode,
        generated=args.all and not args.sourcecode, replace=args.replace,
    )


def _run_row(run) -> str:
    from guild.cli import format

    return format.format_table([format.preview_row(run)]).rstrip()


def _preview(plan, args, run_row: str) -> str:
    from guild.store.merge import SKIP_REASONS

    where = "the current directory" if not args.target_dir else plan.target_dir
    lines = [f"Merge will copy files from the following run to {where}:", f"  {run_row}", "Files:"]
    lines += [f"  {f.target_path}" for f in plan.to_copy] or ["  nothing to copy"]
    if plan.to_skip:
        width = max(len(f.run_path) for f in plan.to_skip)
        lines.append("Skipped:")
        lines += [f"  {f.run_path:{width}}  {SKIP_REASONS[f.reason]}" for f in plan.to_skip]
    return "\n".join(lines) + "\n"
