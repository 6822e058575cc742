#!/usr/bin/env python3
"""S3 remote transfers against moto's S3 API server (started here): push N small runs (made by
../shared/bench/make_home.py), push them again (nothing changed: nothing is sent), list them with
`guild runs -r`, and pull them into an empty home. Prints whole-process wall times.

    bench/bench_remote.py [--runs 1000] [--guild PATH]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_HOME = os.path.join(HERE, "..", "..", "shared", "bench", "make_home.py")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--guild", default=os.path.join(HERE, "..", ".venv", "bin", "guild"))
    args = p.parse_args()
    guild = os.path.abspath(args.guild)
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        moto = subprocess.Popen([os.path.join(os.path.dirname(guild), "moto_server"), "-H", "127.0.0.1",
                                 "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_port(port)
            homes = [os.path.join(tmp, name) for name in ("home", "pulled")]
            subprocess.run([sys.executable, MAKE_HOME, str(args.runs), homes[0]], check=True, stdout=subprocess.DEVNULL)
            os.makedirs(homes[1])
            for home in homes:
                with open(os.path.join(home, "config.yml"), "w") as f:
                    f.write(f"remotes:\n  s3:\n    type: s3\n    bucket: bench\n    endpoint: http://127.0.0.1:{port}\n")
            env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                       AWS_DEFAULT_REGION="us-east-1", NO_PROGRESS="1")
            _timed("remote start", guild, homes[0], env, "remote", "start", "s3")
            _timed(f"push {args.runs} runs", guild, homes[0], env, "push", "s3", "-y")
            _timed("push again (unchanged)", guild, homes[0], env, "push", "s3", "-y")
            _timed("runs -r s3 (first: mirror)", guild, homes[0], env, "runs", "-r", "s3")
            _timed("runs -r s3 (again)", guild, homes[0], env, "runs", "-r", "s3")
            _timed(f"pull {args.runs} runs", guild, homes[1], env, "pull", "s3", "-y")
            _timed("pull again (unchanged)", guild, homes[1], env, "pull", "s3", "-y")
        finally:
            moto.terminate()
            moto.wait()


def _timed(what: str, guild: str, home: str, env: dict, *args: str) -> None:
    started = time.monotonic()
    proc = subprocess.run([guild, *args], env=dict(env, GUILD_HOME=home), capture_output=True, text=True)
    secs = time.monotonic() - started
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    print(f"{what:32} {secs:7.2f} s  exit {proc.returncode}  {last}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


if __name__ == "__main__":
    main()
