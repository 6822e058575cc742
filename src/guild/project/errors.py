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
    """A guild.yml cannot be used. `path` and `detail` say why; the ERROR line was logged,
    except for a value of the wrong type (`where`: `guild.yml:LINE`), which is one line on its
    own: `guild: guild.yml:LINE: <detail>`."""

    def __init__(self, path: str, detail: str, where: str | None = None):
        super().__init__(f"{where}: {detail}" if where else GUILDFILE_ERROR_MSG)
        self.path = path
        self.detail = detail
        self.where = where

    @property
    def error_line(self) -> str:
        return f"error in {self.path}: {self.detail}"
