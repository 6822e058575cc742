"""`--print-trials` and `--save-trials PATH`: generate a batch's trials without creating any
run, then print them as a table or save them as CSV/JSON (pipelines-and-batches.md §4.9)."""

from __future__ import annotations

import os

from guild.batch.optimizers import Optimizer
from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def trials(opts, opt: Optimizer, flags: dict[str, Any], user_flags: dict[str, Any],
           file_trials: list[dict[str, Any]], max_trials: int | None, print_cmd: bool) -> list[dict[str, Any]]:
    """The trials `opt` would run, generated up front (for `--print-trials`, `--save-trials` or,
    with `print_cmd`, `--print-cmd`). Optimizers that learn from earlier trials cannot: that is
    logged as an error and raised quietly."""
    if opts.save_trials and not print_cmd:
        _check_save_ext(opts.save_trials)
    if not opt.upfront:
        if print_cmd:
            what = "printing trials command"
        else:
            what = "saving trials" if opts.save_trials and not opts.print_trials else "printing trials"
        from guild.util import log

        log.runner("ERROR", f"optimizer does not support {what}")
        raise GuildError("", quiet=True)
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


def trials_table(trials: list[dict[str, Any]]) -> list[list[str]]:
    """`--print-trials` rows: a header (`#` and the flag names), then one row per trial."""
    from guild.flags.encode import encode_flag_value

    names = _names(trials)
    rows = [["#", *names]]
    for i, trial in enumerate(trials, 1):
        rows.append([str(i), *(encode_flag_value(trial[n]) if n in trial else "" for n in names)])
    return rows


def save_trials(trials: list[dict[str, Any]], abspath: str) -> None:
    """Write `trials` to `abspath` as JSON (`.json`) or CSV."""
    if os.path.splitext(abspath)[1].lower() == ".json":
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
