"""GUILD_HOME resolution (runs.md §1.1) and the home layout (§1.2)."""

from __future__ import annotations

import os

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Mapping

_override: str | None = None


def set_home_override(path: str | None) -> None:
    """Set by the CLI's global `-H PATH` option."""
    global _override
    _override = path


def _check_dir(path: str, create: bool = False) -> str:
    path = os.path.expanduser(path)
    if not os.path.exists(path) and create:
        try:
            os.makedirs(path)
        except OSError as e:
            raise GuildError(f"cannot create Guild home '{path}': {e.strerror}") from None
    if not os.path.exists(path):
        raise GuildError(f"directory '{path}' does not exist")
    if not os.path.isdir(path):
        raise GuildError(f"'{path}' is not a directory")
    return os.path.abspath(path)


def guild_home(cwd: str | None = None, environ: Mapping[str, str] | None = None, create: bool = False) -> str:
    """The Guild home for `cwd` and `environ` (default: this process's), following the rules of
    runs.md §1.1. A home named by `-H` or GUILD_HOME must exist (Guild's rule), unless `create`
    (what a new run asks for: it is made)."""
    if _override:
        return _check_dir(_override, create)
    if environ is None:
        environ = os.environ
    env = environ.get("GUILD_HOME")
    if env:
        return _check_dir(env, create)
    scheme = environ.get("GUILD_HOME_SCHEME")
    if scheme == "pre-0.9":
        base = environ.get("CONDA_PREFIX") or environ.get("VIRTUAL_ENV") or os.path.expanduser("~")
        return os.path.realpath(os.path.join(base, ".guild"))
    for var in ("CONDA_PREFIX", "VIRTUAL_ENV"):
        prefix = environ.get(var)
        if prefix:
            candidate = os.path.join(prefix, ".guild")
            if os.path.isdir(candidate):
                return os.path.realpath(candidate)
    user_home = os.path.realpath(os.path.expanduser("~"))
    cur = os.path.abspath(cwd or os.getcwd())
    while True:
        candidate = os.path.join(cur, ".guild")
        if os.path.isdir(candidate):
            return candidate
        if os.path.realpath(cur) == user_home:
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    return os.path.join(os.path.expanduser("~"), ".guild")


def runs_dir(home: str | None = None) -> str:
    return os.path.join(home or guild_home(), "runs")


def trash_runs_dir(home: str | None = None) -> str:
    return os.path.join(home or guild_home(), "trash", "runs")


def cache_dir(name: str, home: str | None = None) -> str:
    return os.path.join(home or guild_home(), "cache", name)


def user_config_path() -> str:
    """The user config file in use: the first existing of `$GUILD_CONFIG`, `./guild-config.yml`,
    `<guild home>/config.yml`, `~/.guild/config.yml` (runs.md §1.2); when none exists,
    `$GUILD_CONFIG` if set, else `~/.guild/config.yml`."""
    env = os.environ.get("GUILD_CONFIG")
    default = os.path.join(os.path.expanduser("~"), ".guild", "config.yml")
    try:
        home_config: str | None = os.path.join(guild_home(), "config.yml")
    except GuildError:
        home_config = None
    for path in (env, "guild-config.yml", home_config, default):
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    return os.path.abspath(os.path.expanduser(env)) if env else default


def user_config() -> dict:
    """The user config file in use (`user_config_path`), or {} when there is none."""
    from guild.util import yamlutil

    path = user_config_path()
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, "rb") as f:
            data = yamlutil.load(f.read())
    except (OSError, *yamlutil.yaml_error_types()) as e:
        raise GuildError(f"error reading {path}: {e}") from None
    return data if isinstance(data, dict) else {}
