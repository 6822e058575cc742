"""The error family: each error carries the message shown as `guild: <message>` and an exit code.

Only the CLI turns these into output and `sys.exit`; everything below raises them.
"""


class GuildError(Exception):
    """An error reported to the user as `guild: <message>` with `exit_code`.

    `hint` is an optional second line printed after the message (e.g. a `Try ...` line).
    `quiet` errors print nothing more (their output was already written), they only exit.
    """

    exit_code = 1

    def __init__(self, message: str = "", hint: str | None = None, exit_code: int | None = None,
                 quiet: bool = False):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.quiet = quiet
        if exit_code is not None:
            self.exit_code = exit_code


def report(e: GuildError) -> int:
    """Print `guild: <message>` and its hint line on stderr (unless quiet); return its exit code.

    Used by the CLI and by the helper processes (steps and batch runners), which report their
    fatal errors the same way."""
    import sys

    if not e.quiet:
        if e.message:
            sys.stderr.write(f"guild: {e.message}\n")
        if e.hint:
            sys.stderr.write(e.hint + "\n")
    return e.exit_code


class Interrupted(BaseException):
    """A stop signal (Ctrl-C, SIGTERM, SIGHUP) ended a run: it was recorded `terminated`; the
    process that got the signal stops too (`guild run` exits 128 + `signum`). A BaseException,
    as KeyboardInterrupt is: raised by a signal handler at any point, it must not be swallowed
    by an `except Exception` that guards some other step (an output callback, say)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class UsageError(GuildError):
    """Bad command-line usage (unknown option, bad value): exit 2."""

    exit_code = 2


class ProjectError(GuildError):
    """guild.yml cannot be read or is invalid."""


class FlagError(GuildError):
    """A flag value is invalid or a flag is unknown."""


class RunError(GuildError):
    """A run cannot be created, found, started or changed."""


class RunNotFound(RunError):
    """A run spec that matches no run."""

    def __init__(self, spec: str, hint: str | None = "Try 'guild runs list' for a list."):
        super().__init__(f"could not find a run matching '{spec}'", hint=hint)
        self.spec = spec


class RunAmbiguous(RunError):
    """A run spec that must select one run but matches several (`runs`, newest first)."""

    def __init__(self, spec: str, runs: list):
        super().__init__(f"'{spec}' matches multiple runs")
        self.spec = spec
        self.runs = runs


class Aborted(GuildError):
    """The user answered no at a confirmation prompt."""

    exit_code = 4


def unexpected(e: Exception) -> GuildError:
    """The one-line error for an exception nothing else caught: the environment failing a
    command (a file where a directory should be, no permission, a full disk), input nested past
    Python's limit, or a bug of ours (`--debug` shows its traceback)."""
    if isinstance(e, RecursionError):
        return GuildError("input is nested too deeply or refers to itself")
    if isinstance(e, OSError):
        return GuildError(str(e))
    return GuildError(f"unexpected error: {type(e).__name__}: {e}",
                      hint="Run the command again with 'guild --debug' to see where it happened.")
