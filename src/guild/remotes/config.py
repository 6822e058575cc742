"""The remotes of the user config:

    remotes:
      s3:
        type: s3
        bucket: my-runs
        root: guild            # a key prefix in the bucket (default: none)
        region: eu-west-1
        endpoint: http://127.0.0.1:9000   # an S3-compatible server (MinIO, ...)
        description: Runs kept in S3
      gpu:
        type: ssh
        host: gpu.example.com
        user: alice
        port: 22
        private-key: ~/.ssh/id_ed25519
        guild-home: ~/.guild   # the remote's Guild home (default: its default)
        venv-path: ~/envs/ml   # a virtualenv to activate there (or guild-env)

Credentials are never part of it: S3 uses the AWS credential chain (environment, ~/.aws), SSH
the user's keys and agent."""

from __future__ import annotations

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

SUPPORTED = ("s3", "ssh")


def configured() -> dict[str, dict[str, Any]]:
    from guild.store.home import user_config

    remotes = user_config().get("remotes") or {}
    if not isinstance(remotes, dict):
        raise GuildError("invalid 'remotes' in the user config: expected a mapping of names to remotes")
    return {str(name): (cfg if isinstance(cfg, dict) else {}) for name, cfg in remotes.items()}


def remote_for(name: str):
    """The remote named `name` (an S3Remote or SshRemote)."""
    remotes = configured()
    if name not in remotes:
        from guild.store.home import user_config_path
        from guild.util.text import did_you_mean

        raise GuildError(f"remote '{name}' is not defined{did_you_mean(name, remotes, '.')}",
                         hint=f"Remotes are defined under 'remotes' in {user_config_path()} "
                              "(try 'guild remotes').")
    cfg = remotes[name]
    kind = str(cfg.get("type") or "")
    if kind == "s3":
        from guild.remotes.s3 import S3Remote

        return S3Remote(name, cfg)
    if kind == "ssh":
        from guild.remotes.ssh import SshRemote

        return SshRemote(name, cfg)
    raise GuildError(f"remote '{name}' has type '{kind or '(none)'}', which this guild does not support "
                     f"(supported: {', '.join(SUPPORTED)})")


def describe(name: str, cfg: dict[str, Any]) -> str:
    """What remote `name` is, for `guild remotes`: its description, or where it is."""
    if cfg.get("description"):
        return str(cfg["description"])
    kind = cfg.get("type")
    if kind == "s3":
        root = str(cfg.get("root") or "").strip("/")
        return f"s3://{cfg.get('bucket') or '?'}" + (f"/{root}" if root else "")
    if kind == "ssh":
        user = f"{cfg['user']}@" if cfg.get("user") else ""
        port = f":{cfg['port']}" if cfg.get("port") else ""
        return f"ssh {user}{cfg.get('host') or '?'}{port}"
    return "(type not supported)"
