"""Trials of a batch in flight: started on an executor up to its slots, finished as they end,
with Guild's log lines for each (`Running trial ...`, `Trial ... exited with an error ...`).

With one slot a trial runs to its end when it is started, exactly as Guild ran them. With
more, a progress line goes to a terminal after each trial; Ctrl-C (or SIGTERM/SIGHUP) stops
every running trial, records them `terminated`, starts nothing new and ends the batch by that
signal."""

from __future__ import annotations

import sys

from guild.engine import start as start_mod
from guild.engine.process import SIGINT
from guild.errors import GuildError, Interrupted
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Callable

    from guild.engine.context import RunContext
    from guild.engine.start import StartJob
    from guild.executors.base import Executor, Handle
    from guild.store.run import Run

    PrepareTrial = Callable[[Run, dict, bool, RunContext], "StartJob | None"]


class TrialPool:
    def __init__(self, executor: Executor, ctx: RunContext, prepare: PrepareTrial, *, stage: bool = False,
                 fail_on_error: bool = False, total: int | None = None):
        self.executor = executor
        self.ctx = ctx
        self.prepare = prepare
        self.stage = stage
        self.fail_on_error = fail_on_error
        self.total = total
        self.running: dict[Handle, Run] = {}
        self.finished = 0
        self.failed = 0
        self.code = 0  # the batch's exit code: a failed trial's, with fail_on_error
        self.last_code = 0  # the exit code of the trial that ended last
        self.started_us = _now_us()
        self.stopped = False  # no new trials: one failed with fail_on_error

    @property
    def parallel(self) -> bool:
        return self.executor.slots > 1

    def start(self, trial: Run) -> None:
        """Start `trial` once a slot is free (with one slot: run it to its end)."""
        if self.stopped:
            return
        self._guarded(self._free_slot)
        if self.stopped:
            return
        handle = self._guarded(lambda: self._submit(trial))
        if handle is None:
            return
        if not self.parallel:
            self._finish(handle, trial)
        else:
            self.running[handle] = trial

    def wait_for_slot(self) -> None:
        """Wait until a trial can start (an optimizer then asks for its point with the results
        known so far)."""
        self._guarded(self._free_slot)

    def drain(self) -> int:
        """Wait for every started trial; the batch's exit code."""
        self._guarded(lambda: self._wait_until(0))
        return self.code

    def _free_slot(self) -> None:
        self._wait_until(self.executor.slots - 1)

    def _wait_until(self, max_running: int) -> None:
        while len(self.running) > max_running:
            for handle in self.executor.wait(list(self.running)):
                self._finish(handle, self.running.pop(handle))

    def _submit(self, trial: Run) -> Handle | None:
        status = trial.status
        if status != "pending":
            log.info(f"Skipping {trial.id} because its status is '{status}' (expected 'pending')")
            return None
        from guild.flags import encode

        flags = trial.get("flags") or {}
        op = trial.opref.base_desc() if trial.opref else "?"
        log.info(f"{'Staging' if self.stage else 'Running'} trial {trial.id}: {op} ({encode.flags_desc(flags)})")
        sys.stdout.flush()
        try:
            job = self.prepare(trial, flags, self.stage, self.ctx)
        except GuildError as e:
            self._record(trial, e.exit_code, e.message)
            return None
        if job is None:  # staged
            return None
        try:
            return self.executor.submit(job)
        except GuildError as e:
            self._record(trial, e.exit_code, e.message)
            return None

    def _finish(self, handle: Handle, trial: Run) -> None:
        msg = None
        try:
            code = start_mod.exit_code_for(handle.result())
        except GuildError as e:
            code, msg = e.exit_code, e.message
        except Interrupted:
            log.info(f"Trial {trial.id} was terminated")
            raise
        self._record(trial, code, msg)

    def _record(self, trial: Run, code: int, msg: str | None) -> None:
        self.finished += 1
        self.last_code = code
        if code != 0:
            self.failed += 1
            trial.clear_cache()
            if msg:
                log.error(f"Trial {trial.id} exited with an error: ({code}) {msg}")
            elif trial.status == "terminated":
                log.info(f"Trial {trial.id} was terminated")
            else:
                log.error(f"Trial {trial.id} exited with an error ({code}) - see log for details")
            if self.fail_on_error and not self.stopped:
                self.stopped = True
                self.code = code
                log.error("Stopping batch because a trial failed (pending trials can be started as needed)")
        self._progress(trial)

    def _progress(self, trial: Run) -> None:
        """`trial 3/20 completed, 2 running, 15 pending - elapsed 0:00:07, loss 0.25` for a
        person watching (util.progress.wanted)."""
        from guild.util import progress

        if not progress.wanted():
            return
        from guild.util.clock import format_duration

        total = f"/{self.total}" if self.total else ""
        parts = [f"trial {self.finished}{total} completed"]
        if self.parallel:
            parts.append(f"{len(self.running)} running")
            if self.total:
                parts.append(f"{max(self.total - self.finished - len(self.running), 0)} pending")
        details = [f"elapsed {format_duration(self.started_us, _now_us())}"]
        scalar = _last_scalar(trial)
        if scalar:
            details.append(scalar)
        log.info(f"{', '.join(parts)} - {', '.join(details)}")

    def _guarded(self, fn):
        """Run `fn`; a stop signal meanwhile stops every running trial first (parallel pools:
        a single trial is stopped by the wait it is in), then ends the batch by that signal."""
        try:
            return fn()
        except (KeyboardInterrupt, Interrupted) as e:
            if not self.parallel:
                raise
            signum = getattr(e, "signum", SIGINT)
            self._stop_all(signum)
            raise Interrupted(signum) from None

    def _stop_all(self, signum: int) -> None:
        stop = getattr(self.executor, "stop", None)
        if stop is not None:
            stop(signum)
        while self.running:
            try:
                done = self.executor.wait(list(self.running))
            except (KeyboardInterrupt, Interrupted):
                continue  # a second Ctrl-C: the trials are being stopped already
            for handle in done:
                trial = self.running.pop(handle)
                try:
                    code = start_mod.exit_code_for(handle.result())
                except (Interrupted, GuildError):
                    code = None
                trial.clear_cache()
                if code is None or trial.status == "terminated":
                    log.info(f"Trial {trial.id} was terminated")
                else:  # it ended before it could be stopped
                    self._record(trial, code, None)


def _now_us() -> int:
    from guild.util import clock

    return clock.timestamp_us()


def _last_scalar(trial: Run) -> str:
    """`loss 0.25`: the trial's last loss (or its first scalar), for a progress line."""
    from guild.scalars.summary import run_scalars
    from guild.util.text import float32_shortest

    try:
        summaries = run_scalars(trial.path)
    except Exception:
        return ""
    chosen = next((s for s in summaries if s.key == "loss"), summaries[0] if summaries else None)
    if chosen is None or chosen.last_val is None:
        return ""
    return f"{chosen.key} {float32_shortest(chosen.last_val):g}"
