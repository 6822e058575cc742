"""`guild api merge [RUN]`: `guild merge` with a JSON answer (`resp` says what happened:
`nothing-to-copy`, `preview`, `ok`, `replacement-paths`, `unstaged-paths`, or `error`)."""

from __future__ import annotations

from guild.cli import jsonout, merge, runsel
from guild.util.cmdline import Command, Opt

COMMAND = Command(
    "api merge",
    "Copy run files to a project directory (JSON output).",
    options=[Opt(["-f", "--format"], "format", help=jsonout.FORMAT_OPT_HELP), *merge.MERGE_OPTIONS,
             *runsel.FILTER_OPTIONS],
    args=[runsel.RUN_ARG],
)


def main(args) -> int:
    from guild import api

    try:
        plan = merge.plan_from_args(args, COMMAND)
    except api.MergeError as e:
        if e.kind in ("replacement-paths", "unstaged-paths"):  # an answer, not a failure
            jsonout.write({"paths": e.paths, "resp": e.kind}, args.format)
            return 0
        jsonout.write({"error": e.message, "resp": "error"}, args.format)
        return 1
    if args.preview:
        jsonout.write({
            "resp": "preview",
            "run": jsonout.run_summary(plan.run),
            "targetDir": plan.target_dir,
            "toCopy": [{"fileType": f.file_type, "runPath": f.run_path, "targetPath": f.target_path}
                       for f in plan.to_copy],
            "toSkip": [{"fileType": f.file_type, "reason": f.reason, "runPath": f.run_path,
                        "targetPath": f.target_path} for f in plan.to_skip],
        }, args.format)
        return 0
    if not plan.to_copy:
        jsonout.write({"resp": "nothing-to-copy"}, args.format)
        return 0
    jsonout.write({"copied": api.merge(plan), "resp": "ok"}, args.format)
    return 0
