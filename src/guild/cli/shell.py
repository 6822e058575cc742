"""`guild shell`: a Python interpreter with guild importable (`from guild import api`)."""

from __future__ import annotations

from guild.util.cmdline import Arg, Command

COMMAND = Command(
    "shell",
    "Start a Python shell for API use.",
    args=[Arg("args", "*", "[ARG]...")],
    epilog="""\
  ARGs are passed to the Python interpreter: a script path, or
  interpreter options after `--` (`guild shell -- -c CODE`).""",
)


def main(args) -> int:
    import os
    import sys

    os.execv(sys.executable, [sys.executable, *args.args])
    return 0  # not reached: the interpreter replaces this process
