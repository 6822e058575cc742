"""Fixtures of the remote tests (a plugin of tests/conftest.py): one S3 server and one sshd per test process
(started once), a Guild home whose user config names them."""

from __future__ import annotations

import os

import pytest
import yaml

from remotes._servers import S3_ENV, MotoServer, SshServer, sshd_available


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    server = MotoServer(str(tmp_path_factory.mktemp("moto")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    if not sshd_available():
        pytest.skip("sshd, ssh and rsync (run as root) are needed: make system-deps installs them")
    server = SshServer(str(tmp_path_factory.mktemp("sshd")))
    yield server
    server.stop()


def write_remotes(genv, remotes: dict) -> None:
    with open(os.path.join(genv.home, "config.yml"), "w") as f:
        yaml.safe_dump({"remotes": remotes}, f)


@pytest.fixture
def s3env(genv, moto, request):
    """`genv` with an S3 remote `s3` in a bucket of its own on the moto server."""
    bucket = "runs-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    write_remotes(genv, {"s3": {"type": "s3", "bucket": bucket, "root": "team", "endpoint": moto.endpoint,
                                "region": "us-east-1", "description": "Team runs"}})
    genv.env.update(S3_ENV)
    genv.bucket = bucket
    return genv
