"""A modern implementation of Guild AI's `guild` command.

Kept empty of imports: `python -m guild.op_main` (the in-run launcher) imports this package
before the user's script starts, so it must cost nothing.
"""

__version__ = "0.2.0"  # this guild (the `guild-modern` package)
GUILD_AI_VERSION = "0.9.1"  # the Guild AI whose guild.yml files, homes and runs this one reads and writes


def version_line() -> str:
    return f"guild {__version__} (guild-modern, compatible with Guild AI {GUILD_AI_VERSION})"
