"""The `.guild/opref` line: `<pkg_type>:<pkg_name> <pkg_version> <model> <op>` (runs.md §2.2)."""

from __future__ import annotations

import shlex
from collections import namedtuple


class OpRef(namedtuple("OpRef", "pkg_type pkg_name pkg_version model_name op_name")):
    """An operation reference (immutable). A named tuple, not a dataclass: start-up time."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> "OpRef | None":
        """The opref in `text`, or None when it is not a valid opref line."""
        words = _plain_split(text.strip())
        if words is None:
            try:
                words = shlex.split(text.strip())
            except ValueError:
                return None
        if len(words) != 4 or ":" not in words[0]:
            return None
        pkg_type, pkg_name = words[0].split(":", 1)
        return cls(pkg_type, pkg_name, words[1], words[2], words[3])

    def encode(self) -> str:
        from guild.util.text import shell_quote as q

        return f"{q(self.pkg_type)}:{q(self.pkg_name)} {q(self.pkg_version)} {q(self.model_name)} {q(self.op_name)}"

    def same_op(self, other: "OpRef | None") -> bool:
        """Same package type, package, model and op (the version is not compared)."""
        return other is not None and (
            (self.pkg_type, self.pkg_name, self.model_name, self.op_name)
            == (other.pkg_type, other.pkg_name, other.model_name, other.op_name)
        )

    def base_desc(self) -> str:
        """The operation description without batch form or suffixes (runs.md §4.1)."""
        t = self.pkg_type
        if t in ("guildfile", "script", "builtin", "import", "test"):
            return f"{self.model_name}:{self.op_name}" if self.model_name else self.op_name
        if t == "package":
            if self.model_name:
                return f"{self.pkg_name}/{self.model_name}:{self.op_name}"
            return f"{self.pkg_name}/{self.op_name}"
        if t == "func":
            return f"{self.op_name}()"
        if t == "pending":
            return self.op_name
        return "?"

    def project_dir(self) -> str | None:
        """The directory the run's operation came from, if it has one."""
        import os

        if self.pkg_type in ("guildfile", "import"):
            return os.path.dirname(self.pkg_name)
        if self.pkg_type == "script":
            return self.pkg_name
        return None


def _plain_split(text: str) -> list[str] | None:
    """Split a line with no shell quoting but `''` (the common opref) without shlex; None if
    the line needs the full shell rules."""
    if '"' in text or "\\" in text:
        return None
    words = text.split()
    if any("'" in w and w != "''" for w in words):
        return None
    return ["" if w == "''" else w for w in words]


