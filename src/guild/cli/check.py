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
        ("guild_version", guild.__version__),
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
    return 0
