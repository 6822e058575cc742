"""`--print-trials` and `--save-trials PATH`: generate a batch's trials without creating any
run, then print them as a table or save them as CSV/JSON (pipelines-and-batches.md §4.9)."""

from __future__ import annotations

import os
import sys

from guild.batch.optimizers import Optimizer
from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def print_or_save(opts, opt: Optimizer, flags: dict[str, Any], file_trials: list[dict[str, Any]],
                  max_trials: int | None, user_flags: dict[str, Any] | None = None) -> int:
    """Print or save the trials `opt` would run; returns the exit code."""
    if opts.save_trials:
        _check_save_ext(opts.save_trials)
    if not opt.upfront:
        what = "saving trials" if opts.save_trials and not opts.print_trials else "printing trials"
        sys.stderr.write(f"ERROR: [guild] optimizer does not support {what}\n")
        raise GuildError("", quiet=True)
    trials = _generate(opts, opt, flags, user_flags or {}, file_trials, max_trials)
    if opts.print_trials:
        print_trials(trials)
    else:
        save_trials(trials, opts.save_trials)
    return 0


def print_cmds(opts, opt: Optimizer, batch_plan, proto_plan, user_flags: dict[str, Any],
               file_trials: list[dict[str, Any]], max_trials: int | None) -> int:
    """`--print-cmd` for a batch: the batch op's command, then each trial's (`+` and random)."""
    from guild.engine import run as run_mod

    run_mod.print_cmd(batch_plan)
    if not opt.upfront:
        sys.stdout.flush()
        sys.stderr.write("ERROR: [guild] optimizer does not support printing trials command\n")
        raise GuildError("", quiet=True)
    import copy

    for trial in _generate(opts, opt, proto_plan.flags, user_flags, file_trials, max_trials):
        plan = copy.copy(proto_plan)
        plan.flags = trial
        run_mod.print_cmd(plan)
    return 0


def _generate(opts, opt: Optimizer, flags, user_flags, file_trials, max_trials) -> list[dict[str, Any]]:
    from guild.batch import runner
    from guild.engine import lifecycle

    seed = opts.random_seed if opts.random_seed is not None else lifecycle.new_random_seed()
    return runner.generate(opt, flags, user_flags, file_trials, max_trials, seed)


def _check_save_ext(path: str) -> None:
    ext = os.path.splitext(path)[1]
    if ext.lower() not in ("", ".csv", ".json"):
        raise GuildError(f"Unsupported extension '{ext}' - use '.csv', '.json', or no extension")


def _names(trials: list[dict[str, Any]]) -> list[str]:
    return sorted({name for t in trials for name in t})


def print_trials(trials: list[dict[str, Any]]) -> None:
    from guild.flags.encode import encode_flag_value

    names = _names(trials)
    rows = [["#", *names]]
    for i, trial in enumerate(trials, 1):
        rows.append([str(i), *(encode_flag_value(trial[n]) if n in trial else "" for n in names)])
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    out = sys.stdout
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n")


def save_trials(trials: list[dict[str, Any]], path: str) -> None:
    from guild.util.files import tilde_path

    abspath = os.path.abspath(os.path.expanduser(path))
    print(f"Saving trials to {tilde_path(abspath)}")
    if os.path.splitext(path)[1].lower() == ".json":
        import json

        text = json.dumps([{n: t[n] for n in sorted(t)} for t in trials], sort_keys=True)
    else:
        text = _csv_text(trials)
    with open(abspath, "w", encoding="utf-8") as f:
        f.write(text)


def _csv_text(trials: list[dict[str, Any]]) -> str:
    import csv
    import io

    from guild.flags.encode import encode_flag_value

    names = _names(trials)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for trial in trials:
        writer.writerow([encode_flag_value(trial[n]) if n in trial else "" for n in names])
    return buf.getvalue()
