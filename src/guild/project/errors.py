"""The guild.yml error: where it is reported and how it reads.

A bad guild.yml prints `ERROR: error in <path>: <detail>` and then fails with
`guild: guildfile in the current directory contains an error (see above for details)`."""

from __future__ import annotations

from guild.errors import ProjectError

GUILDFILE_ERROR_MSG = "guildfile in the current directory contains an error (see above for details)"


class GuildfileDataError(Exception):
    """Raised while reading guild.yml data; turned into GuildfileError by the loader."""

    def __init__(self, path: str, detail: str):
        super().__init__(detail)
        self.path = path
        self.detail = detail


class GuildfileError(ProjectError):
    """A guild.yml cannot be used. `path` and `detail` say why; the ERROR line was logged."""

    def __init__(self, path: str, detail: str):
        super().__init__(GUILDFILE_ERROR_MSG)
        self.path = path
        self.detail = detail

    @property
    def error_line(self) -> str:
        return f"error in {self.path}: {self.detail}"
