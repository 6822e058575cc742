"""The log directory `guild tensorboard` serves: one subdirectory per run mirroring the run's
event files as symlinks, plus a `time` scalar per run (compare-and-scalars.md §7), and the
`--export-scalars` CSV rows.

Runs are duck-typed (`id`, `path`, `get(attr)`); the caller names each run directory."""

from __future__ import annotations

import os
import re
import shutil

from guild.scalars import events
from guild.util.files import list_dir

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterable, Iterator

MAX_PATH = 148
TIME_FILE = "events.out.tfevents.9999999999.time"


def run_dir_name(short_id: str, op: str, started: str, label: str) -> str:
    """`<short-id> <op> <started> [<label>]` with `/` and `\\` runs as `_` and `…` as `?`."""
    name = " ".join(p for p in (short_id, op, started, label) if p)
    return re.sub(r"[/\\]+", "_", name).replace("\u2026", "?")


def sync_logdir(logdir: str, runs: Iterable[tuple[object, str]], with_time: bool = True,
                hparams: bool = False, images: bool = False, scalar_cache: Any = None) -> None:
    """Make `logdir` mirror `runs` ((run, dir name) pairs): add new runs and event files,
    remove the directories of runs no longer selected. `with_time` adds the `time` scalar,
    `hparams` TensorBoard's HParams experiment and sessions (the runs' scalars read through
    `scalar_cache`, a `scalars.cache.ScalarCache`, when given), `images` the runs' images."""
    wanted = {}
    for run, name in runs:
        path = os.path.join(logdir, name)
        if len(path) > MAX_PATH:
            path = path[:MAX_PATH]
        wanted[os.path.basename(path)] = (run, path)
    for entry in list_dir(logdir):
        if entry not in wanted and not events.is_event_file(entry):
            shutil.rmtree(os.path.join(logdir, entry), ignore_errors=True)
    if hparams or images:
        from guild.scalars import tbsummaries
    all_flags, metrics = [], set()
    for run, path in wanted.values():
        _link_event_files(run.path, path)
        if hparams:
            flags = run.get("flags") or {}
            all_flags.append(flags)
            tbsummaries.write_session(path, flags, _secs(run.get("started")))
            metrics.update(_metrics(run, scalar_cache))
        if with_time:
            _write_time(run, path, session_end=hparams)
        if images:
            tbsummaries.write_images(run.path, path, finished=isinstance(run.get("stopped"), int))
    if hparams and wanted:
        tbsummaries.write_experiment(logdir, all_flags, metrics | ({("", "time")} if with_time else set()))


def _secs(timestamp_us) -> float | None:
    return timestamp_us / 1e6 if isinstance(timestamp_us, int) else None


def _metrics(run, scalar_cache: Any) -> set[tuple[str, str]]:
    """(TensorBoard run under the session, tag) of the run's scalars but `sys/` ones."""
    from guild.scalars.summary import cached_run_scalars

    return {(s.prefix, s.tag) for s in cached_run_scalars(run, scalar_cache) if not s.tag.startswith("sys/")}


def _link_event_files(run_dir: str, dest: str) -> None:
    # Links are not followed: a pipeline's steps are runs of their own.
    for root, dirs, names in os.walk(run_dir):
        for name in names:
            if not events.is_event_file(name):
                continue
            rel = os.path.relpath(os.path.join(root, name), run_dir)
            link = os.path.join(dest, rel)
            if os.path.lexists(link):
                continue
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(os.path.join(root, name), link)


def _write_time(run, dest: str, session_end: bool = False) -> None:
    """`time` = run duration in seconds, written once the run has stopped (with the end of
    its HParams session when `session_end`)."""
    path = os.path.join(dest, TIME_FILE)
    started, stopped = run.get("started"), run.get("stopped")
    if os.path.exists(path) or not isinstance(started, int) or not isinstance(stopped, int):
        return
    os.makedirs(dest, exist_ok=True)
    raw = []
    if session_end:
        from guild.scalars import tbsummaries

        raw.append(tbsummaries.session_end_record(run.get("exit_status"), stopped / 1e6))
    events.write_scalars_file(path, [("time", (stopped - started) / 1e6, 0, stopped / 1e6)], raw)


def export_rows(runs: Iterable) -> Iterator[list]:
    """`run,path,tag,value,step` rows: one per raw scalar event of each run's sources."""
    for run in runs:
        for prefix, path, names in events.find_sources(run.path):
            for name in names:
                try:
                    for tag, val, step, _wall in events.iter_events(os.path.join(path, name)):
                        yield [run.id, prefix, tag, val, step]
                except events.EventDecodeError:
                    break
