"""Real servers for the remote tests, started on free ports of this machine: moto's S3 API server
(its server mode, spoken to over HTTP by boto3) and an OpenSSH sshd with a key made for the test
session (the remote's guild is this checkout's, in its venv)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

from conftest import free_port

VENV_BIN = os.path.dirname(sys.executable)
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
# boto3 reads no credentials of the machine's: these are moto's and never a real secret.
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing-key-id", "AWS_SECRET_ACCESS_KEY": "testing-secret-7f3a9c",
          "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent",
          "AWS_DEFAULT_REGION": "us-east-1"}


def _wait_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


class MotoServer:
    def __init__(self, tmp: str):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tmp, "moto.log"), "w")
        self.proc = subprocess.Popen([os.path.join(VENV_BIN, "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        _wait_port(self.port, self.proc, "moto_server")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def sshd_available() -> bool:
    return os.path.exists(SSHD) and shutil.which("ssh") is not None and shutil.which("rsync") is not None \
        and os.geteuid() == 0


class SshServer:
    """sshd on a free port accepting only the session's key, for root (the test user)."""

    def __init__(self, tmp: str):
        self.dir = tmp
        self.port = free_port()
        self.host_key = os.path.join(tmp, "host_key")
        self.client_key = os.path.join(tmp, "client_key")
        for key in (self.host_key, self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        shutil.copy(self.client_key + ".pub", os.path.join(tmp, "authorized_keys"))
        config = os.path.join(tmp, "sshd_config")
        with open(config, "w") as f:
            f.write(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {self.host_key}
PidFile {tmp}/sshd.pid
AuthorizedKeysFile {tmp}/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
""")
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        _wait_port(self.port, self.proc, "sshd")

    def remote_config(self, guild_home: str) -> dict:
        """A `remotes:` entry reaching this server, its guild being this checkout's."""
        return {
            "type": "ssh", "host": "127.0.0.1", "port": self.port, "user": "root",
            "private-key": self.client_key, "guild-home": guild_home,
            "venv-path": os.path.dirname(VENV_BIN),
            "ssh-options": ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
        }

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
