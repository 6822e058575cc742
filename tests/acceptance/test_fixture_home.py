"""Interop with a Guild 0.9 home: every command in shared/fixtures/expected must print exactly what
the reference printed (stdout, stderr and exit code), under the environment the fixture README gives."""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
import tarfile

import pytest

from conftest import GUILD_BIN, SHARED

FIXTURES = os.path.join(SHARED, "fixtures")
EXPECTED = os.path.join(FIXTURES, "expected")
ARCHIVE = os.path.join(FIXTURES, "guild-home-0.9.tar.gz")

# Commands whose implementation is known not to match yet: name -> reason (xfail).
PENDING: dict[str, str] = {}


def _cases() -> list:
    cmds = sorted(glob.glob(os.path.join(EXPECTED, "*.cmd")))
    params = []
    for cmd in cmds:
        name = os.path.basename(cmd)[:-4]
        marks = [pytest.mark.xfail(reason=PENDING[name], strict=False)] if name in PENDING else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


pytestmark = pytest.mark.skipif(
    not os.path.exists(ARCHIVE), reason=f"Guild 0.9 fixture home not found at {ARCHIVE}")


@pytest.fixture(scope="module")
def fixture_home(tmp_path_factory) -> str:
    home = str(tmp_path_factory.mktemp("fixture") / "home")
    os.makedirs(home)
    with tarfile.open(ARCHIVE) as tf:
        tf.extractall(home, filter="tar")
    return home


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("index", ["index", "no-index"])
@pytest.mark.parametrize("name", _cases())
def test_fixture_command(name: str, index: str, fixture_home: str, tmp_path):
    """Each command prints the same with the run index and scalar cache and without them."""
    base = os.path.join(EXPECTED, name)
    argv = shlex.split(_read(base + ".cmd"))
    assert argv[0] == "guild"
    env = {
        "HOME": str(tmp_path / "nonexistent"),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "GUILD_HOME": fixture_home,
    }
    if index == "no-index":
        env.update(NO_RUN_INDEX="1", NO_SCALAR_CACHE="1")
    proc = subprocess.run([GUILD_BIN, *argv[1:]], cwd=fixture_home, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    out = proc.stdout.decode("utf-8").replace(fixture_home, "<fixture-home>")
    err = proc.stderr.decode("utf-8").replace(fixture_home, "<fixture-home>")
    assert out == _read(base + ".stdout")
    assert err == _read(base + ".stderr")
    assert proc.returncode == int(_read(base + ".rc").strip())
