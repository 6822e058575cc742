"""Runs of a Python function in this process (`guild.ipy.run(fn, x=1)`): a run directory like
any other (opref `func:<module> '' '' <name>`, flags, label, status), the function's keyword
arguments as its flags, what it prints captured to `.guild/output` (and still shown) with
`key: value` lines as scalars, its exception recorded as the run's error.

While the function runs, the process's stdout/stderr are captured and its working directory is
the run directory, as a script run would have it: these are process-wide, so function runs are
one at a time (not from several threads)."""

from __future__ import annotations

import inspect
import os
import sys

from guild.engine import lifecycle
from guild.engine.start import output_handler
from guild.store.opref import OpRef
from guild.store.run import Run, incomplete_path
from guild.util import clock

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    from guild.engine.context import RunContext


def function_flags(fn: Callable, flags: dict[str, Any]) -> dict[str, Any]:
    """The function's keyword defaults overridden by `flags` (unknown names: TypeError, as a
    call would raise)."""
    params = inspect.signature(fn).parameters
    defaults = {name: p.default for name, p in params.items()
                if p.default is not inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    unknown = [name for name in flags if name not in params and not accepts_any]
    if unknown:
        raise TypeError(f"{fn.__name__}() got an unexpected keyword argument '{unknown[0]}'")
    return {**defaults, **flags}


def run_function(fn: Callable, flags: dict[str, Any], ctx: RunContext, *, label: str | None = None,
                 tags: list[str] | None = None, echo: bool = True) -> tuple[Run, Any]:
    """Run `fn(**flags)` as a new run under the context's runs dir; (run, what it returned).
    An exception of `fn` is recorded (status `error`, or `terminated` for KeyboardInterrupt)
    and raised again."""
    from guild.flags import encode

    all_flags = function_flags(fn, flags)
    run_id = lifecycle.new_run_id()
    run_dir = os.path.join(ctx.runs_dir, run_id)
    run = lifecycle.init_run_dir(incomplete_path(run_dir), run_id=run_id)
    run.write_opref(OpRef("func", getattr(fn, "__module__", None) or "__main__", "", "", fn.__name__))
    run.write_attr("flags", all_flags)
    run.write_attr("user_flags", dict(flags))
    run.write_attr("label", label if label is not None else encode.default_label(all_flags))
    if tags:
        run.write_attr("tags", list(tags))
    run.write_attr("started", clock.timestamp_us())
    run.write_attr("sourcecode_digest", None)
    lifecycle.publish(run, run_dir)
    run.set_marker("PENDING", False)
    run.set_marker("LOCK", content=str(os.getpid()))
    exit_status = 0
    try:
        with _Captured(run, set(all_flags), echo):
            result = fn(**flags)
    except KeyboardInterrupt:
        exit_status = -2
        raise
    except BaseException:
        exit_status = 1
        raise
    finally:
        run.write_attr("exit_status", exit_status)
        run.write_attr("stopped", clock.timestamp_us())
        run.set_marker("LOCK", False)
    return run, result


class _Captured:
    """stdout/stderr teed into the run's output (and scalars), cwd in the run dir."""

    def __init__(self, run: Run, flag_names: set[str], echo: bool):
        from guild.engine.process import OutputTee

        self.run = run
        self.tee = OutputTee(run.guild_path(), None, output_handler(run, None, None, flag_names))
        self.echo = echo

    def __enter__(self) -> "_Captured":
        self.saved = (sys.stdout, sys.stderr, os.getcwd())
        sys.stdout = _Stream(self.tee, 0, self.saved[0] if self.echo else None)
        sys.stderr = _Stream(self.tee, 1, self.saved[1] if self.echo else None)
        os.chdir(self.run.path)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and not isinstance(exc, KeyboardInterrupt):
            import traceback

            sys.stderr.write("".join(traceback.format_exception(exc_type, exc, tb)))
        sys.stdout.flush()
        sys.stdout, sys.stderr, cwd = self.saved
        os.chdir(cwd)
        self.tee.close()


class _Stream:
    """A text stream writing to the output tee and to the stream it stands in for."""

    def __init__(self, tee, stream: int, shown):
        self.tee = tee
        self.stream = stream
        self.shown = shown
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        if self.shown is not None:
            self.shown.write(text)
        self.tee.write(text.encode("utf-8", "replace"), self.stream)
        return len(text)

    def flush(self) -> None:
        if self.shown is not None:
            self.shown.flush()

    def isatty(self) -> bool:
        return False
