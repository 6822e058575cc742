"""Operation dependencies (`requires:`) through the real `guild run`: what the user sees, what
lands in the run dir, the manifest and the `deps` attr."""

from __future__ import annotations

import hashlib
import http.server
import os
import tarfile
import threading
import zipfile

import pytest

from guild.util import yamlutil

PREPARE_PY = """
import os
n = 3
open("data.txt", "w").write("x" * n)
os.makedirs("sub", exist_ok=True)
open("sub/a.txt", "w").write("a")
print("prepared")
"""

TRAIN_PY = """
lr = 0.1
print("trained")
"""

OP_YML = """
prepare:
  main: prepare
  flags:
    n: 3
train:
  main: train
  flags:
    lr: 0.1
  requires:
    - operation: prepare
"""

DEP_ERROR = "guild: run failed because a dependency was not met: "


def _op_project(genv, yml=OP_YML):
    genv.write("guild.yml", yml)
    genv.write("prepare.py", PREPARE_PY)
    genv.write("train.py", TRAIN_PY)


def _latest(genv, *args):
    r = genv.run("select", *args)
    assert r.rc == 0, r.err
    return r.out.strip()


def _run_dir(genv, run_id):
    return os.path.join(genv.runs_dir(), run_id)


def _attr(genv, run_id, name):
    path = os.path.join(_run_dir(genv, run_id), ".guild", "attrs", name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return yamlutil.load(f.read())


def _manifest(genv, run_id, kind="d"):
    with open(os.path.join(_run_dir(genv, run_id), ".guild", "manifest")) as f:
        return [line for line in f.read().splitlines() if line.startswith(kind + " ")]


def _sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def _sha256(data: bytes):
    return hashlib.sha256(data).hexdigest()


def _status(genv, run_id):
    r = genv.run("select", run_id, "--attr", "status")
    return r.out.strip()


def _run_ok(genv, *args):
    r = genv.run("run", *args, "-y")
    assert r.rc == 0, r.out + r.err
    return r


def _err_lines(r):
    return [line for line in r.err.splitlines() if line != "Refreshing flags..."]


# --- operation sources -------------------------------------------------------------------------


def test_operation_dep_worked_example(genv):
    _op_project(genv)
    r = genv.run("run", "train", "-y")
    assert r.rc == 1
    assert _err_lines(r) == [
        "WARNING: cannot find a suitable run for required resource 'operation:prepare'",
        "Resolving operation:prepare",
        DEP_ERROR + "could not resolve 'operation:prepare' in operation:prepare resource: "
        "no suitable run for prepare",
    ]
    failed = _latest(genv)
    assert _attr(genv, failed, "deps") is None
    assert _attr(genv, failed, "started") is None
    assert not os.path.exists(os.path.join(_run_dir(genv, failed), ".guild", "PENDING"))

    _run_ok(genv, "prepare")
    up = _latest(genv)
    r = _run_ok(genv, "train")
    assert _err_lines(r) == ["Resolving operation:prepare", f"Using run {up} for operation:prepare"]
    assert r.out == "trained\n"
    down = _latest(genv)
    run_dir = _run_dir(genv, down)
    assert os.readlink(os.path.join(run_dir, "data.txt")) == f"../{up}/data.txt"
    assert os.readlink(os.path.join(run_dir, "sub")) == f"../{up}/sub"
    assert _manifest(genv, down) == [
        f"d data.txt {_sha1('xxx')} operation:prepare",
        "d sub - operation:prepare",
    ]
    info = genv.run("runs", "info", "-d")
    assert info.out.endswith(
        "dependencies:\n"
        "  operation:prepare:\n"
        "    operation:prepare:\n"
        f"      config: {up}\n"
        "      paths:\n"
        f"      - ../{up}/data.txt\n"
        f"      - ../{up}/sub\n"
        "      uri: operation:prepare\n"
    )
    runs = genv.run("runs").out.splitlines()
    assert runs[0].endswith(f"completed  lr=0.1 operation:prepare={up}")
    assert runs[2].endswith("error      lr=0.1")
    assert _status(genv, failed) == "error"
    op = _attr(genv, down, "op")
    assert op["deps"] == [{
        "config": {"operation:prepare": up},
        "location": genv.project,
        "name": "operation:prepare",
        "sources": [{"operation": "prepare"}],
    }]


def test_upstream_marked_run_is_preferred_and_ids_select(genv):
    _op_project(genv)
    _run_ok(genv, "prepare")
    first = _latest(genv)
    _run_ok(genv, "prepare", "n=4")
    second = _latest(genv)
    r = _run_ok(genv, "train")
    assert f"Using run {second} for operation:prepare" in r.err
    assert genv.run("mark", first, "-y").rc == 0
    r = _run_ok(genv, "train")
    assert f"Using run {first} for operation:prepare" in r.err
    # explicit prefix, by alias and by full flag name
    r = _run_ok(genv, "train", f"prepare={second[:6]}")
    assert f"Using run {second} for operation:prepare" in r.err
    assert _attr(genv, _latest(genv), "flags")["operation:prepare"] == second
    r = _run_ok(genv, "train", f"operation:prepare={second[:8]}")
    assert f"Using run {second} for operation:prepare" in r.err


def test_upstream_prefix_of_no_run_fails(genv):
    _op_project(genv)
    _run_ok(genv, "prepare")
    r = genv.run("run", "train", "prepare=fffffff", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "could not resolve 'operation:prepare' in operation:prepare resource: "
        "no suitable run for prepare")


def test_upstream_full_id_bypasses_status_check(genv):
    genv.write("guild.yml", OP_YML + "broken:\n  main: broken\n")
    genv.write("prepare.py", PREPARE_PY)
    genv.write("train.py", TRAIN_PY)
    genv.write("broken.py", "open('out.txt', 'w').write('o')\nraise SystemExit(1)\n")
    assert genv.run("run", "broken", "-y").rc == 1
    broken = _latest(genv)
    r = genv.run("run", "train", "-y")  # error runs are never picked by default
    assert r.rc == 1
    r = _run_ok(genv, "train", f"prepare={broken}")
    assert f"Using run {broken} for operation:prepare" in r.err
    assert os.readlink(os.path.join(_run_dir(genv, _latest(genv)), "out.txt")) == f"../{broken}/out.txt"


def test_operation_select_target_path_name_and_flag(genv):
    _op_project(genv, OP_YML + """
train4:
  main: train
  requires:
    - operation: prepare
      name: prep
      select: data\\.txt
      target-path: inputs
""")
    _run_ok(genv, "prepare")
    up = _latest(genv)
    r = _run_ok(genv, "train4")
    assert _err_lines(r) == ["Resolving prep", f"Using run {up} for prep"]
    down = _latest(genv)
    assert genv.run("select", "--attr", "deps").out == (
        "prep:\n"
        "  prep:\n"
        f"    config: {up}\n"
        "    paths:\n"
        f"    - ../{up}/data.txt\n"
        "    uri: operation:prepare\n"
    )
    link = os.path.join(_run_dir(genv, down), "inputs", "data.txt")
    assert os.readlink(link) == f"../../{up}/data.txt"
    assert _manifest(genv, down) == [f"d inputs/data.txt {_sha1('xxx')} operation:prepare"]
    r = genv.run("run", "train4", f"operation:prepare={up}", "-y")
    assert r.rc != 0
    assert "guild: unsupported flag 'operation:prepare'" in r.err
    assert _run_ok(genv, "train4", f"prep={up[:5]}")


def test_operation_copy_target_type(genv):
    _op_project(genv, OP_YML + """
train5:
  main: train
  requires:
    - operation: prepare
      target-type: copy
""")
    _run_ok(genv, "prepare")
    _run_ok(genv, "train5")
    run_dir = _run_dir(genv, _latest(genv))
    assert not os.path.islink(os.path.join(run_dir, "data.txt"))
    with open(os.path.join(run_dir, "sub", "a.txt")) as f:
        assert f.read() == "a"


def test_help_op_shows_operation_flag(genv):
    _op_project(genv)
    r = genv.run("run", "train", "--help-op")
    assert r.rc == 0
    assert "  operation:prepare" in r.out
    assert "  lr " in r.out


def test_bad_target_type_is_reported(genv):
    _op_project(genv, OP_YML + """
train6:
  main: train
  requires:
    - operation: prepare
      target-type: foo
""")
    _run_ok(genv, "prepare")
    r = genv.run("run", "train6", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "unsupported target-type 'foo' in source None (expected 'link' or 'copy')")


# --- staging, restarting -----------------------------------------------------------------------


def test_staged_run_skips_operation_sources_until_started(genv):
    _op_project(genv)
    genv.write("a.txt", "A")
    genv.write("guild.yml", OP_YML + "    - file: a.txt\n")
    _run_ok(genv, "prepare")
    up = _latest(genv)
    r = _run_ok(genv, "train", "--stage")
    staged = _latest(genv)
    assert _err_lines(r) == [
        "Resolving operation:prepare",
        "Skipping resolution of operation:prepare because it's being staged",
        "Resolving file:a.txt",
    ]
    assert _attr(genv, staged, "deps") == {
        "operation:prepare": {},
        "file:a.txt": {"file:a.txt": {
            "paths": [os.path.relpath(os.path.join(genv.project, "a.txt"), _run_dir(genv, staged))],
            "uri": "file:a.txt"}},
    }
    assert _attr(genv, staged, "flags")["operation:prepare"] == up
    r = _run_ok(genv, "--start", staged)
    assert _err_lines(r) == [
        "Resolving operation:prepare",
        f"Using run {up} for operation:prepare",
        "Resolving file:a.txt",
        "Skipping resolution of file:a.txt because it's already resolved",
    ]
    deps = _attr(genv, staged, "deps")
    assert deps["operation:prepare"]["operation:prepare"]["config"] == up
    assert os.path.islink(os.path.join(_run_dir(genv, staged), "data.txt"))


def test_restart_skips_resolved_sources(genv):
    _op_project(genv)
    _run_ok(genv, "prepare")
    first_up = _latest(genv)
    _run_ok(genv, "train")
    down = _latest(genv)
    _run_ok(genv, "prepare", "n=5")
    other = _latest(genv)
    r = _run_ok(genv, "--restart", down, f"prepare={other[:8]}")
    assert _err_lines(r) == [
        "Resolving operation:prepare",
        "Skipping resolution of operation:prepare because it's already resolved",
    ]
    assert _attr(genv, down, "flags")["operation:prepare"] == other
    assert _attr(genv, down, "deps")["operation:prepare"]["operation:prepare"]["config"] == first_up
    assert os.readlink(os.path.join(_run_dir(genv, down), "data.txt")) == f"../{first_up}/data.txt"


def test_always_resolve_resolves_again_on_restart(genv):
    _op_project(genv, OP_YML.replace("    - operation: prepare", "    - operation: prepare\n      always-resolve: yes"))
    _run_ok(genv, "prepare")
    _run_ok(genv, "train")
    down = _latest(genv)
    _run_ok(genv, "prepare", "n=5")
    other = _latest(genv)
    r = _run_ok(genv, "--restart", down, f"prepare={other}")
    assert f"Using run {other} for operation:prepare" in r.err
    assert f"WARNING: {_run_dir(genv, down)}/data.txt already exists, skipping link" in r.err
    assert _attr(genv, down, "deps")["operation:prepare"]["operation:prepare"]["config"] == other


def test_failed_resolution_restart_resolves_everything(genv):
    _op_project(genv)
    assert genv.run("run", "train", "-y").rc == 1
    failed = _latest(genv)
    _run_ok(genv, "prepare")
    up = _latest(genv)
    r = _run_ok(genv, "--restart", failed, f"prepare={up}")
    assert f"Using run {up} for operation:prepare" in r.err
    assert _status(genv, failed) == "completed"


# --- pipelines -----------------------------------------------------------------------------------


def test_pipeline_step_uses_upstream_from_its_own_pipeline(genv):
    _op_project(genv, OP_YML + """
pipe:
  steps:
    - prepare
    - train
pipe-train-only:
  steps:
    - train
""")
    _run_ok(genv, "prepare")  # outside any pipeline, newest prepare after this
    outside = _latest(genv, "-Fo", "prepare")
    r = _run_ok(genv, "pipe")
    prepare_in_pipe = [
        rid for rid in genv.run_ids()
        if rid != outside and (_attr(genv, rid, "flags") or {}).get("n") == 3
        and "prepare" in open(os.path.join(_run_dir(genv, rid), ".guild", "opref")).read()
    ]
    assert len(prepare_in_pipe) == 1
    assert f"Using run {prepare_in_pipe[0]} for operation:prepare" in r.err
    r = genv.run("run", "pipe-train-only", "-y")
    assert r.rc != 0
    assert DEP_ERROR + "could not resolve 'operation:prepare' in operation:prepare resource: " \
        "no suitable run for prepare" in r.err


# --- file sources --------------------------------------------------------------------------------


def test_file_source_is_copied_and_not_source_code(genv):
    genv.write("guild.yml", "train:\n  main: train\n  requires:\n    - file: data.csv\n")
    genv.write("train.py", "print(open('data.csv').read())\n")
    genv.write("data.csv", "a,b\n")
    r = _run_ok(genv, "train")
    assert _err_lines(r) == ["Resolving file:data.csv"]
    assert r.out == "a,b\n\n"
    run_id = _latest(genv)
    run_dir = _run_dir(genv, run_id)
    assert not os.path.islink(os.path.join(run_dir, "data.csv"))
    assert _manifest(genv, run_id) == [f"d data.csv {_sha1('a,b' + chr(10))} file:data.csv"]
    assert not any("data.csv" in line for line in _manifest(genv, run_id, "s"))
    rel = os.path.relpath(os.path.join(genv.project, "data.csv"), run_dir)
    assert rel.startswith("../../../")
    assert _attr(genv, run_id, "deps") == {"file:data.csv": {"file:data.csv": {"paths": [rel], "uri": "file:data.csv"}}}


def test_missing_file_fails_with_one_line_error(genv):
    genv.write("guild.yml", "train:\n  main: train\n  requires:\n    - file: missing.txt\n")
    genv.write("train.py", "print('x')\n")
    r = genv.run("run", "train", "-y")
    assert r.rc == 1
    assert _err_lines(r) == [
        "Resolving file:missing.txt",
        DEP_ERROR + "could not resolve 'file:missing.txt' in file:missing.txt resource: "
        "cannot find source file 'missing.txt'",
    ]
    assert "Traceback" not in r.err
    assert _status(genv, _latest(genv)) == "error"


def test_force_deps_moves_on_to_next_resource(genv):
    genv.write("guild.yml", "missing:\n  main: train\n  requires:\n    - file: missing.txt\n    - file: a.txt\n")
    genv.write("train.py", "print('ran')\n")
    genv.write("a.txt", "A")
    r = _run_ok(genv, "missing", "--force-deps")
    assert _err_lines(r) == [
        "Resolving file:missing.txt",
        "WARNING: a dependency was not met: could not resolve 'file:missing.txt' in file:missing.txt "
        "resource: cannot find source file 'missing.txt'",
        "Resolving file:a.txt",
    ]
    deps = _attr(genv, _latest(genv), "deps")
    assert deps["file:missing.txt"] == {}
    assert list(deps["file:a.txt"]) == ["file:a.txt"]


def test_directory_select_rename_target_path(genv):
    genv.write("guild.yml", """
train:
  main: train
  requires:
    - name: inputs
      target-path: data
      sources:
        - file: files
          select:
            - b\\.txt
            - sub/.*\\.txt
          rename:
            - pattern: deep
              repl: shallow
""")
    genv.write("train.py", "print('x')\n")
    genv.write("files/b.txt", "b")
    genv.write("files/c.bin", "c")
    genv.write("files/sub/deep.txt", "d")
    r = _run_ok(genv, "train")
    assert _err_lines(r) == ["Resolving inputs"]
    run_id = _latest(genv)
    run_dir = _run_dir(genv, run_id)
    assert sorted(os.listdir(os.path.join(run_dir, "data"))) == ["b.txt", "shallow.txt"]
    assert _manifest(genv, run_id) == [
        f"d data/b.txt {_sha1('b')} file:files/b.txt",
        f"d data/shallow.txt {_sha1('d')} file:files/sub/deep.txt",
    ]
    paths = _attr(genv, run_id, "deps")["inputs"]["file:files"]["paths"]
    assert [p.rsplit("/", 2)[-2:] for p in paths] == [["files", "b.txt"], ["sub", "deep.txt"]]


def test_select_matching_nothing_warns_or_fails(genv):
    genv.write("guild.yml", """
warn:
  main: train
  requires:
    - file: files
      select: nope.*
fail:
  main: train
  requires:
    - file: files
      select: nope.*
      fail-if-empty: yes
""")
    genv.write("train.py", "print('x')\n")
    genv.write("files/b.txt", "b")
    r = _run_ok(genv, "warn")
    assert _err_lines(r) == ["Resolving file:files", "WARNING: nothing resolved for file:files"]
    assert _attr(genv, _latest(genv), "deps") == {"file:files": {"file:files": {"paths": [], "uri": "file:files"}}}
    r = genv.run("run", "fail", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "could not resolve 'file:files' in file:files resource: nothing resolved for file:files")


def test_file_sha256(genv):
    good = _sha256(b"hello")
    genv.write("guild.yml", f"""
good:
  main: train
  requires:
    - file: a.txt
      sha256: {good}
bad:
  main: train
  requires:
    - file: a.txt
      sha256: {'ab' * 32}
""")
    genv.write("train.py", "print('x')\n")
    genv.write("a.txt", "hello")
    _run_ok(genv, "good")
    r = genv.run("run", "bad", "-y")
    assert r.rc == 1
    path = os.path.join(genv.project, "a.txt")
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + f"could not resolve 'file:a.txt' in file:a.txt resource: '{path}' has an unexpected "
        f"sha256 (expected {'ab' * 32} but got {good})")
    assert _status(genv, _latest(genv)) == "error"


def _make_tar(path, members):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            import io

            tf.addfile(info, io.BytesIO(data))


def test_archives_are_unpacked_into_the_cache(genv):
    genv.write("guild.yml", """
tar:
  main: train
  requires:
    - file: arch.tar.gz
      target-path: data
zip:
  main: train
  requires:
    - file: arch.zip
      select: inner/.*\\.txt
packed:
  main: train
  requires:
    - file: arch.zip
      unpack: no
""")
    genv.write("train.py", "print('x')\n")
    _make_tar(os.path.join(genv.project, "arch.tar.gz"), {"top.txt": b"t", "inner/x.txt": b"x"})
    with zipfile.ZipFile(os.path.join(genv.project, "arch.zip"), "w") as zf:
        zf.writestr("inner/x.txt", "x")
        zf.writestr("inner/y.bin", "y")
    r = _run_ok(genv, "tar")
    archive = os.path.join(genv.project, "arch.tar.gz")
    assert _err_lines(r) == ["Resolving file:arch.tar.gz", f"Unpacking {archive}"]
    run_id = _latest(genv)
    assert _manifest(genv, run_id) == [
        "d data/inner - file:arch.tar.gz inner",
        f"d data/top.txt {_sha1('t')} file:arch.tar.gz top.txt",
    ]
    key = hashlib.sha224(f"file\n{archive}".encode()).hexdigest()
    assert _attr(genv, run_id, "deps")["file:arch.tar.gz"]["file:arch.tar.gz"]["paths"] == [
        f"../../cache/resources/{key}/inner", f"../../cache/resources/{key}/top.txt"]
    r = _run_ok(genv, "tar")
    assert _err_lines(r) == ["Resolving file:arch.tar.gz"]  # member list cached

    _run_ok(genv, "zip")
    assert sorted(os.listdir(_run_dir(genv, _latest(genv)))) == [".guild", "guild.yml", "train.py", "x.txt"]
    _run_ok(genv, "packed")
    assert "arch.zip" in os.listdir(_run_dir(genv, _latest(genv)))


# --- url sources ---------------------------------------------------------------------------------


@pytest.fixture
def http_dir(tmp_path):
    root = tmp_path / "served"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_download_once_with_sha256(genv, http_dir):
    root, base = http_dir
    (root / "remote.txt").write_bytes(b"remote")
    genv.write("guild.yml", f"""
train:
  main: train
  requires:
    - url: {base}/remote.txt
      sha256: {_sha256(b"remote")}
bad:
  main: train
  requires:
    - url: {base}/remote.txt
      sha256: {'ab' * 32}
nope:
  main: train
  requires:
    - url: {base}/nope.txt
""")
    genv.write("train.py", "print(open('remote.txt').read())\n")
    url = f"{base}/remote.txt"
    r = _run_ok(genv, "train")
    assert _err_lines(r) == [f"Resolving {url}"]
    assert r.out == "remote\n"
    key = hashlib.sha224(f"http\n127.0.0.1:{base.rsplit(':', 1)[1]}\n/remote.txt\n\n\n".encode()).hexdigest()
    cached = os.path.join(genv.home, "cache", "resources", key, "remote.txt")
    assert os.path.exists(cached)
    run_id = _latest(genv)
    assert _attr(genv, run_id, "deps") == {
        url: {url: {"paths": [f"../../cache/resources/{key}/remote.txt"], "uri": url}}}
    assert _manifest(genv, run_id) == [f"d remote.txt {_sha1('remote')} {url} remote.txt"]
    (root / "remote.txt").unlink()
    r = _run_ok(genv, "train")
    assert _err_lines(r) == [f"Resolving {url}", f"Using cached file {cached}"]
    r = genv.run("run", "bad", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + f"could not resolve '{url}' in {url} resource: bad sha256 for '{cached}' "
        f"(expected {'ab' * 32} but got {_sha256(b'remote')})")
    r = genv.run("run", "nope", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + f"could not resolve '{base}/nope.txt' in {base}/nope.txt resource: "
        "HTTP Error 404: File not found")
    assert _status(genv, _latest(genv)) == "error"


def test_unsupported_url_scheme(genv):
    genv.write("guild.yml", "train:\n  main: train\n  requires:\n    - url: ftp://example.com/x.txt\n")
    genv.write("train.py", "print('x')\n")
    r = genv.run("run", "train", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "unexpected error resolving 'ftp://example.com/x.txt' in ftp://example.com/x.txt "
        "resource: OpDependencyError(\"unsupported source 'ftp://example.com/x.txt' in None resource\")")


# --- config, module, -D, named resources ---------------------------------------------------------


def test_config_source_applies_params_and_flags(genv):
    genv.write("guild.yml", """
train:
  main: train
  flags:
    a: 11
    c.d: 44
  requires:
    - config: config.yml
      params:
        b: 22
""")
    genv.write("train.py", "print(open('config.yml').read())\n")
    genv.write("config.yml", "a: 1\nb: 2\nc:\n  d: 3\n")
    _run_ok(genv, "train")
    run_id = _latest(genv)
    with open(os.path.join(_run_dir(genv, run_id), "config.yml")) as f:
        assert yamlutil.load(f.read()) == {"a": 11, "b": 22, "c": {"d": 44}}
    paths = _attr(genv, run_id, "deps")["config:config.yml"]["config:config.yml"]["paths"]
    assert len(paths) == 1 and paths[0].startswith(".guild/generated/") and paths[0].endswith("/config.yml")
    assert not any(" config.yml " in line for line in _manifest(genv, run_id, "s"))


def test_module_source(genv):
    genv.write("guild.yml", """
ok:
  main: train
  requires:
    - module: json
bad:
  main: train
  requires:
    - module: no_such_mod_xyz
""")
    genv.write("train.py", "print('x')\n")
    _run_ok(genv, "ok")
    assert _attr(genv, _latest(genv), "deps") == {"module:json": {"module:json": {"paths": [], "uri": "module:json"}}}
    r = genv.run("run", "bad", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "could not resolve 'module:no_such_mod_xyz' in module:no_such_mod_xyz resource: "
        "No module named 'no_such_mod_xyz'")


def test_additional_dep_option(genv):
    genv.write("guild.yml", "train:\n  main: train\n")
    genv.write("train.py", "print('x')\n")
    with open(os.path.join(genv.project, "..", "extra.txt"), "w") as f:
        f.write("e")
    r = _run_ok(genv, "train", "-D", "../extra.txt")
    assert _err_lines(r) == ["Resolving ../extra.txt"]
    run_id = _latest(genv)
    assert os.readlink(os.path.join(_run_dir(genv, run_id), "extra.txt")).endswith("/extra.txt")
    assert list(_attr(genv, run_id, "deps")) == ["../extra.txt"]
    assert list(_attr(genv, run_id, "deps")["../extra.txt"]) == ["file:../extra.txt"]


def test_named_resources_and_optional(genv):
    genv.write("guild.yml", """
- model: m
  resources:
    data:
      description: Some data
      target-path: d
      sources:
        - a.txt
        - file: missing.txt
          optional: yes
    other:
      - b.txt
  operations:
    train:
      main: train
      requires:
        - data
        - m:other
""")
    genv.write("train.py", "print('x')\n")
    genv.write("a.txt", "A")
    genv.write("b.txt", "B")
    r = _run_ok(genv, "m:train")
    assert _err_lines(r) == [
        "Resolving data",
        "Could not resolve file:missing.txt - skipping because dependency is optional",
        "Resolving other",
    ]
    run_dir = _run_dir(genv, _latest(genv))
    assert os.path.exists(os.path.join(run_dir, "d", "a.txt"))
    assert os.path.exists(os.path.join(run_dir, "b.txt"))


def test_invalid_resource_references(genv):
    genv.write("guild.yml", """
train2:
  main: train
  requires: operation:prepare
undefined:
  main: train
  requires: nope
""")
    genv.write("train.py", "print('x')\n")
    r = genv.run("run", "train2", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        "guild: invalid definition for operation 'train2': model 'operation' in resource "
        "'operation:prepare' required by operation 'train2' is not defined")
    assert "WARNING: cannot find resource definition for dependency operation:prepare" in r.err
    r = genv.run("run", "undefined", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        "guild: invalid definition for operation 'undefined': resource 'nope' required by operation "
        "'undefined' is not defined")
    assert genv.run_ids() == []


def test_invalid_source_is_a_guildfile_error(genv):
    genv.write("guild.yml", "train:\n  main: train\n  requires:\n    - select: x\n")
    genv.write("train.py", "print('x')\n")
    r = genv.run("run", "train", "-y")
    assert r.rc == 1
    path = os.path.join(genv.project, "guild.yml")
    assert _err_lines(r) == [
        f"ERROR: error in {path}: invalid source {{'select': 'x'}} in resource ':<inline>': missing required "
        "attribute (one of config, file, module, url, operation)",
        "guild: guildfile in the current directory contains an error (see above for details)",
    ]


def test_file_flag_name_uses_flag_value(genv):
    genv.write("guild.yml", """
train:
  main: train
  requires:
    - file: a.txt
      flag-name: infile
""")
    genv.write("train.py", "print(open('a.txt').read())\n")
    genv.write("a.txt", "A")
    genv.write("other/a.txt", "OTHER")
    r = _run_ok(genv, "train", "infile=other/a.txt")
    assert _err_lines(r) == ["Resolving infile", "Using other/a.txt for infile"]
    assert r.out == "OTHER\n"
    dep = _attr(genv, _latest(genv), "deps")["infile"]["infile"]
    assert dep["config"] == "other/a.txt"
    r = genv.run("run", "train", "infile=nope.txt", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + f"could not resolve 'infile' in infile resource: {os.path.join(genv.project, 'nope.txt')} "
        "does not exist")


# --- --help-op -----------------------------------------------------------------------------------


def test_help_op_lists_described_resource_dependencies(genv):
    genv.write("guild.yml", """
- model: m
  resources:
    data:
      description: Some data
      sources:
        - a.txt
    plain:
      - a.txt
    described-twice:
      description: Not shown
      sources:
        - a.txt
  operations:
    named:
      main: train
      requires:
        - data
        - plain
        - resource: described-twice
          description: |
            The item's description
            Second line
        - name: inline
          description: Inline resources never appear
          sources:
            - a.txt
    withflags:
      main: train
      flags:
        lr: 0.1
      requires:
        - data
        - operation: prepare
""")
    genv.write("train.py", "print('x')\n")
    r = genv.run("run", "m:named", "--help-op")
    assert r.rc == 0, r.err
    assert r.out == (
        "Usage: guild run [OPTIONS] m:named [FLAG]...\n"
        "\n"
        "Use 'guild run --help' for a list of options.\n"
        "\n"
        "Dependencies:\n"
        "  data             Some data\n"
        "  described-twice  The item's description\n"
    )
    r = genv.run("run", "m:withflags", "--help-op")
    assert r.rc == 0, r.err
    assert r.out == (
        "Usage: guild run [OPTIONS] m:withflags [FLAG]...\n"
        "\n"
        "Use 'guild run --help' for a list of options.\n"
        "\n"
        "Dependencies:\n"
        "  data  Some data\n"
        "\n"
        "Flags:\n"
        "  lr                 (default is 0.1)\n"
        "  operation:prepare\n"
    )


# --- -D/--dep and the op config ------------------------------------------------------------------


def test_additional_dep_is_saved_in_op_config_and_is_not_source_code(genv):
    genv.write("guild.yml", "train:\n  main: train\n")
    genv.write("train.py", "print(open('extra.txt').read())\n")
    genv.write("extra.txt", "E")
    r = _run_ok(genv, "train", "-D", "extra.txt")
    assert r.out == "E\n"
    run_id = _latest(genv)
    run_dir = _run_dir(genv, run_id)
    assert os.readlink(os.path.join(run_dir, "extra.txt")) == os.path.relpath(
        os.path.join(genv.project, "extra.txt"), os.path.realpath(run_dir))
    assert _manifest(genv, run_id) == [f"d extra.txt {_sha1('E')} file:extra.txt"]
    assert not any("extra.txt" in line for line in _manifest(genv, run_id, "s"))
    assert _attr(genv, run_id, "op")["deps"] == [
        {"location": ".", "name": "extra.txt", "sources": [{"file": "extra.txt", "target-type": "link"}]},
    ]
    assert _attr(genv, run_id, "run_params")["additional_deps"] == ["extra.txt"]
    # A restart resolves the saved -D dependency once (already resolved)
    r = genv.run("run", "--restart", run_id, "-y")
    assert r.rc == 0, r.err
    assert _err_lines(r) == [
        "Resolving extra.txt",
        "Skipping resolution of file:extra.txt because it's already resolved",
    ]


def test_additional_dep_follows_the_ops_own_dependencies(genv):
    genv.write("guild.yml", "train:\n  main: train\n  requires:\n    - file: a.txt\n")
    genv.write("train.py", "print('x')\n")
    genv.write("a.txt", "A")
    genv.write("b.txt", "B")
    r = _run_ok(genv, "train", "-D", "b.txt")
    assert _err_lines(r) == ["Resolving file:a.txt", "Resolving b.txt"]
    run_id = _latest(genv)
    assert [d["name"] for d in _attr(genv, run_id, "op")["deps"]] == ["file:a.txt", "b.txt"]
    assert [d["location"] for d in _attr(genv, run_id, "op")["deps"]] == [genv.project, "."]
    assert list(_attr(genv, run_id, "deps")) == ["b.txt", "file:a.txt"]
    assert _manifest(genv, run_id, "s") == [
        f"s guild.yml {_sha1(open(os.path.join(genv.project, 'guild.yml')).read())} guild.yml",
        f"s train.py {_sha1(chr(10).join(['print(' + repr('x') + ')', '']))} train.py",
    ]


# --- flags-extra ---------------------------------------------------------------------------------


def test_op_config_flags_extra_names_dependency_flags(genv):
    _op_project(genv, OP_YML + """
evaluate:
  main: train
  requires:
    - operation: train
      name: model
      select: model.txt
plain:
  main: train
""")
    _run_ok(genv, "prepare")
    _run_ok(genv, "evaluate", "--force-deps")
    op = _attr(genv, _latest(genv), "op")
    assert op["flags-extra"] == {"model": {"name": "model"}}
    assert op["op-cmd"]["cmd-flags"] == {"model": {"arg-skip": True}}
    _run_ok(genv, "train")
    assert _attr(genv, _latest(genv), "op")["flags-extra"] == {"operation:prepare": {"name": "operation:prepare"}}
    _run_ok(genv, "plain")
    assert _attr(genv, _latest(genv), "op")["flags-extra"] == {}


# --- locations -----------------------------------------------------------------------------------


def test_relative_files_are_also_found_in_extended_models_dirs(genv):
    genv.write("guild.yml", """
- include: base/base.yml
- model: m
  extends: base
  operations:
    train:
      main: train
      requires:
        - file: a.txt
        - file: b.txt
        - shared
""")
    genv.write("base/base.yml", """
- config: base
  resources:
    shared:
      - c.txt
""")
    genv.write("train.py", "print(open('a.txt').read() + open('b.txt').read() + open('c.txt').read())\n")
    genv.write("a.txt", "A")
    genv.write("base/a.txt", "base A")
    genv.write("base/b.txt", "B")
    genv.write("base/c.txt", "C")
    r = _run_ok(genv, "m:train")
    assert r.out == "ABC\n"  # the op's own guild file dir first
    deps = _attr(genv, _latest(genv), "deps")
    assert deps["file:b.txt"]["file:b.txt"]["paths"][0].endswith("/base/b.txt")
    genv.write("guild.yml", "- include: base/base.yml\n- model: m\n  operations:\n    train:\n"
                            "      main: train\n      requires:\n        - file: b.txt\n")
    r = genv.run("run", "m:train", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "could not resolve 'file:b.txt' in file:b.txt resource: cannot find source file 'b.txt'")


# --- post-process --------------------------------------------------------------------------------


def test_post_process_runs_once_in_the_unpack_dir(genv):
    genv.write("guild.yml", """
train:
  main: train
  requires:
    - file: arch.tar.gz
      post-process: >-
        cat top.txt top.txt > twice.txt &&
        cp $(project-src extra/tool.txt) tool.txt
      select: .*\\.txt
""")
    genv.write("train.py", "print('x')\n")
    genv.write("extra/tool.txt", "T")
    archive = os.path.join(genv.project, "arch.tar.gz")
    _make_tar(archive, {"top.txt": b"t"})
    r = _run_ok(genv, "train")
    unpack_dir = os.path.join(genv.home, "cache", "resources", hashlib.sha224(f"file\n{archive}".encode()).hexdigest())
    cmd = f"cat top.txt top.txt > twice.txt && cp {os.path.join(genv.project, 'extra', 'tool.txt')} tool.txt"
    assert _err_lines(r) == [
        "Resolving file:arch.tar.gz",
        f"Unpacking {archive}",
        f"Post processing file:arch.tar.gz resource in {unpack_dir}: '{cmd}'",
    ]
    with open(os.path.join(unpack_dir, "twice.txt")) as f:
        assert f.read() == "tt"
    assert os.path.exists(os.path.join(unpack_dir, f".guild-cache-{_sha1(cmd)}.post"))
    # Files the command creates are not seen by that resolution's select
    assert [e.split()[1] for e in _manifest(genv, _latest(genv))] == ["top.txt"]
    r = _run_ok(genv, "train")
    assert _err_lines(r) == ["Resolving file:arch.tar.gz"]  # the marker file: once only


def test_post_process_failures(genv):
    genv.write("guild.yml", """
fails:
  main: train
  requires:
    - file: arch.tar.gz
      post-process: exit 3
missing-src:
  main: train
  requires:
    - file: arch.tar.gz
      post-process: cat $(project-src nope.txt)
plain-file:
  main: train
  requires:
    - file: a.txt
      post-process: echo hi
""")
    genv.write("train.py", "print('x')\n")
    genv.write("a.txt", "A")
    _make_tar(os.path.join(genv.project, "arch.tar.gz"), {"top.txt": b"t"})
    r = genv.run("run", "fails", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "could not resolve 'file:arch.tar.gz' in file:arch.tar.gz resource: error post processing "
        "file:arch.tar.gz resource: Command 'exit 3' returned non-zero exit status 3.")
    r = genv.run("run", "missing-src", "-y")
    assert r.rc == 1
    last = r.err.splitlines()[-1]
    assert last.startswith(
        DEP_ERROR + "could not resolve 'file:arch.tar.gz' in file:arch.tar.gz resource: project-src failed: "
        f"could not find 'nope.txt' in path '{genv.project}:")
    r = genv.run("run", "plain-file", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        DEP_ERROR + "unexpected error resolving 'file:a.txt' in file:a.txt resource: "
        "FileNotFoundError(2, 'No such file or directory')")


# --- message catalog odds and ends ---------------------------------------------------------------


def test_source_help_is_appended_to_the_error(genv):
    genv.write("guild.yml", """
train:
  main: train
  requires:
    - file: missing.txt
      help: Run 'make data' first
""")
    genv.write("train.py", "print('x')\n")
    r = genv.run("run", "train", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-2:] == [
        DEP_ERROR + "could not resolve 'file:missing.txt' in file:missing.txt resource: "
        "cannot find source file 'missing.txt'",
        "Run 'make data' first",
    ]


def test_upstream_value_naming_a_directory(genv):
    _op_project(genv)
    genv.write("somedir/x.txt", "x")
    r = genv.run("run", "train", "prepare=somedir", "-y")
    assert r.rc == 1
    assert _err_lines(r)[-2:] == [
        "Using run somedir for operation:prepare",
        DEP_ERROR + "unexpected error resolving 'operation:prepare' in operation:prepare resource: "
        "AttributeError(\"'str' object has no attribute 'dir'\")",
    ]


def test_target_path_cannot_leave_the_run_dir(genv):
    genv.write("data.txt", "data\n")
    genv.write("op.py", "print('ok')\n")
    genv.write("guild.yml", "op:\n  main: op\n  requires:\n    - file: data.txt\n      target-path: ../../outside\n")
    r = genv.run("run", "op", "-y")
    assert r.rc == 1
    assert "path must be inside the run directory" in r.err and "Traceback" not in r.err
    assert not os.path.exists(os.path.join(genv.home, "outside"))
