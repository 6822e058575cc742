"""Serving the view: uvicorn on a socket bound here (port 0: a free one), so the URL is known,
and printed, before the first request."""

from __future__ import annotations

import socket

from guild.errors import GuildError

INSTALL_HINT = "the view needs uvicorn: pip install uvicorn (or, in a checkout of guild, pip install -e '.[view]')"


def require_uvicorn() -> None:
    import importlib.util

    if importlib.util.find_spec("uvicorn") is None:
        raise GuildError(INSTALL_HINT)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise GuildError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(128)
    return sock


def serve(app, sock: socket.socket) -> None:
    """Serve until Ctrl-C (or SIGTERM), then return."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # how a view is meant to stop
        pass
