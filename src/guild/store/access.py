"""What a command may read through a run: files of the run itself, and what its links reach
inside the Guild home (upstream runs, the resources cache). Links that lead anywhere else (an
imported run, a hand-made link) are not followed, so no command shows files from outside the
run and the home."""

from __future__ import annotations

import os

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from guild.store.run import Run


def allowed_roots(run: Run, home: str | None) -> tuple[str, ...]:
    roots = [os.path.realpath(run.path)]
    if home:
        roots.append(os.path.realpath(home))
    return tuple(roots)


def is_allowed(path: str, roots: tuple[str, ...]) -> bool:
    """Whether the real location of `path` is under one of `roots`."""
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def check_readable(run: Run, path: str, home: str | None) -> str:
    """`path` (inside the run, as given) when what it names may be read; GuildError otherwise."""
    if not is_allowed(path, allowed_roots(run, home)):
        rel = os.path.relpath(path, run.path)
        raise GuildError(f"{rel} is outside the run directory (a link to {os.path.realpath(path)})")
    return path
