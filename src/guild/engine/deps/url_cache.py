"""Downloads of URL sources into `<GUILD_HOME>/cache/resources/<sha224 of url parts>/<name>`,
with their verified sha256 cached beside them (dependencies.md §7, §13)."""

from __future__ import annotations

import os

from guild.engine.deps.files import ResolveError, file_sha256
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def url_cache_dir(url: str, cache_root: str) -> str:
    """The download directory under `cache_root` for `url` as written: sha224 of its six parsed
    parts joined by `\n`."""
    import hashlib
    from urllib.parse import urlparse

    key = "\n".join(urlparse(url))
    return os.path.join(cache_root, hashlib.sha224(key.encode()).hexdigest())


def url_file_name(url: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(url).path.rsplit("/", 1)[-1])


def download(url_as_written: str, url: str, sha256: Any, cache_root: str) -> str:
    """The local path of `url`, downloaded once under `cache_root`; verified against `sha256`
    when given."""
    dest_dir = url_cache_dir(url_as_written, cache_root)
    name = url_file_name(url)
    path = os.path.join(dest_dir, name)
    if os.path.exists(path):
        log.info(f"Using cached file {path}")
    else:
        _fetch(url, path)
    if sha256:
        _verify(path, str(sha256), os.path.join(dest_dir, f".guild-cache-{name}.sha"))
    return path


def _fetch(url: str, path: str) -> None:
    import shutil
    import tempfile
    import urllib.request

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".guild-download-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url) as resp:
            shutil.copyfileobj(resp, out)
        os.replace(tmp, path)
    except Exception as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise ResolveError(str(e)) from None


def _verify(path: str, expected: str, sha_path: str) -> None:
    try:
        with open(sha_path) as f:
            if f.read().strip() == expected:
                return
    except OSError:
        pass
    actual = file_sha256(path)
    if actual != expected:
        raise ResolveError(f"bad sha256 for '{path}' (expected {expected} but got {actual})")
    with open(sha_path, "w") as f:
        f.write(actual)
