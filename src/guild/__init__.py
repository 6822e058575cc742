"""A modern implementation of Guild AI's `guild` command.

Kept empty of imports: `python -m guild.op_main` (the in-run launcher) imports this package
before the user's script starts, so it must cost nothing.
"""

__version__ = "0.9.1"
