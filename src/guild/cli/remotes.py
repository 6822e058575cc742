"""`guild remotes`: the remotes of the user config (name, type, what it is)."""

from __future__ import annotations

from guild.util.cmdline import Command

COMMAND = Command("remotes", "Show available remotes.",
                  description="Remotes are defined under `remotes` in the user config (~/.guild/config.yml).")


def main(args) -> int:
    from guild.cli import format
    from guild.remotes.config import configured, describe

    rows = [[name, str(cfg.get("type") or ""), describe(name, cfg)] for name, cfg in sorted(configured().items())]
    format.write_table(rows)
    return 0
