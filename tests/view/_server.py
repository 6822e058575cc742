"""A `guild view` process for the tests: started on a free port, its URL read from its first line."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from urllib.parse import urlsplit

from conftest import GUILD_BIN


class ViewServer:
    def __init__(self, home: str, *args: str, cwd: str | None = None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
        env.update(GUILD_HOME=home, NO_PIP_FREEZE="1")
        self.proc = subprocess.Popen([GUILD_BIN, "view", "--no-open", *args], cwd=cwd or home, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://"), self.proc.stderr.read()
        parts = urlsplit(self.url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.token = parts.query.split("token=", 1)[1]
        self._wait_ready()

    def _wait_ready(self) -> None:
        import urllib.request

        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2).read()
                return
            except OSError:
                assert time.monotonic() < deadline, "view did not start"
                time.sleep(0.1)

    def get(self, path: str, token: bool = True, raw: bool = False):
        """(status, body) of GET `path` (`raw`: sent as typed, `..` and all)."""
        import http.client

        parts = urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"X-Guild-Token": self.token} if token else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, body

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
