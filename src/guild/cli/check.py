"""`guild check`: show the versions and paths this `guild` uses."""

from __future__ import annotations

import os
import sys

from guild.util.cmdline import Command

COMMAND = Command(path="check", help="Check the Guild setup.")


def main(args) -> int:
    import guild
    from guild.store import home

    rows = [
        ("guild_version", f"{guild.__version__} (guild-modern)"),
        ("guild_ai_compatible", guild.GUILD_AI_VERSION),
        ("guild_install_location", os.path.dirname(guild.__file__)),
        ("guild_home", home.guild_home()),
        ("python_version", sys.version.split("\n")[0]),
        ("python_exe", sys.executable),
        ("platform", " ".join(os.uname())),
    ]
    try:
        import yaml

        rows.append(("pyyaml_version", yaml.__version__))
    except ImportError:
        rows.append(("pyyaml_version", "not installed"))
    width = max(len(k) for k, _ in rows)
    for key, val in rows:
        print(f"{key + ':':{width + 1}}  {val}")
    _report_incomplete(home.runs_dir())
    return 0


def _report_incomplete(runs_dir: str) -> None:
    """Leftovers of runs that were never finished being made (their process was killed)."""
    from guild.store.run import incomplete_dirs

    leftovers = incomplete_dirs(runs_dir)
    if not leftovers:
        return
    sys.stderr.write(f"WARNING: {len(leftovers)} incomplete run director{'y' if len(leftovers) == 1 else 'ies'} "
                     f"in {runs_dir} (their process was stopped while making them):\n")
    for path in leftovers:
        sys.stderr.write(f"  {os.path.basename(path)}\n")
    sys.stderr.write("Remove them with 'guild runs purge --incomplete'.\n")
