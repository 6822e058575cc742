"""The values a run is planned and started with: the command's directory, the environment, the
Guild home and where the op's output is echoed.

They travel down the run path as one `RunContext` value and are never set on the process (no
`os.chdir`, no `os.environ` writes), so many runs can be prepared at once in one process."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Callable, Mapping

    Echo = Callable[[bytes, int], None]  # (chunk, stream: 0 stdout / 1 stderr)


def terminal_echo(chunk: bytes, stream: int) -> None:
    """Echo op output to this process's stdout/stderr (what `guild run` shows)."""
    import sys

    target = sys.stdout.buffer if stream == 0 else sys.stderr.buffer
    try:
        target.write(chunk)
        target.flush()
    except (OSError, ValueError):
        pass


class RunContext:
    """Where a run is prepared (`cwd`), with which environment (`environ`: what the op process
    inherits, and the `NO_*`/`GUILD_*` settings the engine reads), in which Guild home, and
    where its output is echoed (`echo`, None for no echo)."""

    __slots__ = ("cwd", "environ", "echo", "_home")

    def __init__(self, cwd: str, environ: Mapping[str, str], home: str | None = None,
                 echo: Echo | None = terminal_echo):
        self.cwd = os.path.abspath(cwd)
        self.environ = {k: v for k, v in environ.items() if k != "_"}
        self.echo = echo
        self._home = os.path.abspath(home) if home else None

    def __repr__(self) -> str:
        return f"<RunContext cwd={self.cwd!r} home={self._home!r}>"

    @classmethod
    def current(cls, *, cwd: str | None = None, home: str | None = None,
                env: Mapping[str, str] | None = None, echo: Echo | None = terminal_echo) -> "RunContext":
        """This process's directory and environment (plus `env`), and `home` if given."""
        environ = dict(os.environ)
        if env:
            environ.update(env)
        return cls(cwd or os.getcwd(), environ, home, echo)

    def derive(self, *, cwd: str | None = None, env: Mapping[str, str | None] | None = None,
               echo: Echo | None | bool = True) -> "RunContext":
        """A copy with another `cwd`, `env` changes (None removes a variable) or `echo`
        (True keeps this one)."""
        environ = dict(self.environ)
        for name, val in (env or {}).items():
            if val is None:
                environ.pop(name, None)
            else:
                environ[name] = val
        new = RunContext(cwd or self.cwd, environ, self._home, self.echo if echo is True else echo)
        return new

    # ---- Guild home

    @property
    def home(self) -> str:
        """The Guild home (resolved from `environ` and `cwd` on first use; GuildError when the
        home it names does not exist)."""
        if self._home is None:
            from guild.store import home

            self._home = home.guild_home(self.cwd, self.environ)
        return self._home

    def ensure_home(self) -> str:
        """The Guild home, made if GUILD_HOME (or `-H`) names one that does not exist yet."""
        if self._home is None:
            from guild.store import home

            self._home = home.guild_home(self.cwd, self.environ, create=True)
        return self._home

    @property
    def runs_dir(self) -> str:
        return os.path.join(self.home, "runs")

    @property
    def trash_runs_dir(self) -> str:
        return os.path.join(self.home, "trash", "runs")

    def cache_dir(self, name: str) -> str | None:
        """`<home>/cache/<name>`, or None when there is no usable home."""
        from guild.errors import GuildError

        try:
            return os.path.join(self.home, "cache", name)
        except GuildError:
            return None

    # ---- environment

    def getenv(self, name: str, default: str | None = None) -> str | None:
        return self.environ.get(name, default)

    def is_set(self, name: str) -> bool:
        """True when the `name` setting is on (`NAME=1`)."""
        return self.environ.get(name) == "1"

    @property
    def runs_parent(self) -> str | None:
        """The pipeline run whose steps alone are listed (GUILD_RUNS_PARENT, runs.md §1.2)."""
        return self.environ.get("GUILD_RUNS_PARENT") or None

    def path(self, path: str) -> str:
        """`path` (`~` expanded) made absolute against `cwd`."""
        return os.path.normpath(os.path.join(self.cwd, os.path.expanduser(path)))
