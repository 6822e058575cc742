"""What the run commands read when given `-r REMOTE`: for an S3 remote, a local mirror of its runs'
metadata (so listing, filtering and info work as on local runs); an SSH remote answers its own
run commands (`passthrough_args`)."""

from __future__ import annotations

from guild.errors import GuildError

REMOTE_OPTION_NAMES = ("-r", "--remote")


def runs_root(name: str, deleted: bool = False) -> str:
    """The runs dir that stands for remote `name`'s runs (or its deleted runs)."""
    from guild.remotes.config import remote_for

    remote = remote_for(name)
    if remote.kind != "s3":
        raise GuildError(f"remote '{name}' ({remote.kind}) cannot be read as a runs directory")
    return remote.mirror(deleted=deleted)


def passthrough_args(argv: list[str]) -> list[str]:
    """`argv` without its `-r REMOTE` / `--remote REMOTE` / `--remote=REMOTE` options: the command
    as the remote's guild runs it."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in REMOTE_OPTION_NAMES:
            skip = True
        elif arg.startswith("--remote=") or (arg.startswith("-r") and len(arg) > 2 and not arg.startswith("--")):
            continue
        else:
            out.append(arg)
    return out
