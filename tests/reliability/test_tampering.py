"""Runs damaged or made by hand, paths that try to leave a run, and malicious archives: every
command answers with a `guild: ...` line or its normal output (no traceback), nothing is read,
written or deleted outside the Guild home and the run, and archives bring no links out."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

from _checks import home_violations, no_traceback, report

READ_COMMANDS = [
    ["runs"], ["runs", "-a", "--json"], ["runs", "info"], ["runs", "-v"], ["compare", "--csv", "-"],
    ["compare", "-t"], ["select"], ["ls"], ["ls", "-a", "-L"], ["cat", "-p", "x"],
    ["runs", "-Fl", "a", "-F", "loss > 0"], ["label", "-s", "new", "-y"], ["tag", "-a", "t", "-y"],
    ["mark", "-y"], ["runs", "delete", "-y"], ["runs", "restore", "-y"], ["runs", "purge", "-y"],
]

CORRUPTIONS = {
    "binary attr": lambda g: _write(g, ".guild/attrs/flags", b"\x00\xff\xfe garbage"),
    "bad yaml attr": lambda g: _write(g, ".guild/attrs/label", b"[unclosed"),
    "attr is a dir": lambda g: (os.remove(os.path.join(g, ".guild/attrs/started")),
                                os.makedirs(os.path.join(g, ".guild/attrs/started/x"))),
    "no opref": lambda g: os.remove(os.path.join(g, ".guild/opref")),
    "bad opref": lambda g: _write(g, ".guild/opref", b"\xff\xff"),
    "empty attrs": lambda g: [_write(g, f".guild/attrs/{n}", b"") for n in os.listdir(os.path.join(g, ".guild/attrs"))],
    "lock garbage": lambda g: _write(g, ".guild/LOCK", b"not a pid"),
    "pending garbage": lambda g: _write(g, ".guild/PENDING", b"\xff 99999999 x"),
    "bad event file": lambda g: _write(g, ".guild/events.out.tfevents.1.x", b"\x00" * 40 + b"garbage"),
    "huge flags": lambda g: _write(g, ".guild/attrs/flags", b"a: " + b"[" * 5000),
}


def _write(run_dir: str, rel: str, data: bytes) -> None:
    path = os.path.join(run_dir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def _one_run(genv) -> str:
    genv.write("op.py", "x = 1\nprint('loss:', x)\n")
    r = genv.run("run", "op.py", "-y")
    assert r.rc == 0, r.output
    [run_id] = genv.run_ids()
    return os.path.join(genv.runs_dir(), run_id)


def test_commands_over_damaged_runs_give_no_traceback(genv):
    violations: list[str] = []
    cases = 0
    run_dir = _one_run(genv)
    pristine = os.path.join(genv.home, "pristine")
    import shutil

    shutil.copytree(run_dir, pristine, symlinks=True)
    for name, corrupt in CORRUPTIONS.items():
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(os.path.join(genv.home, "trash"), ignore_errors=True)
        shutil.copytree(pristine, run_dir, symlinks=True)
        corrupt(run_dir)
        for argv in READ_COMMANDS:
            cases += 1
            r = genv.run(*argv)
            violations += no_traceback(f"{name}: guild {' '.join(argv)}", r.output)
            if r.rc not in (0, 1):
                violations.append(f"{name}: guild {' '.join(argv)}: exit {r.rc}: {r.output[-200:]}")
    report("commands over damaged runs", cases, violations, seed=None)


def test_paths_cannot_leave_the_run(genv):
    run_dir = _one_run(genv)
    secret = os.path.join(os.path.dirname(genv.home), "secret.txt")
    with open(secret, "w") as f:
        f.write("SECRET")
    os.symlink(secret, os.path.join(run_dir, "lnk"))
    os.symlink(os.path.dirname(secret), os.path.join(run_dir, "lnkdir"))
    violations: list[str] = []
    attempts = [
        ["cat", "-p", "../../../secret.txt"], ["cat", "-p", "lnk"], ["cat", "-p", "lnkdir/secret.txt"],
        ["cat", "--sourcecode", "-p", "../../secret.txt"], ["ls", "-L"], ["ls", "-a", "-L", "lnkdir"],
        ["diff", "1", "1", "-p", "../../..", "-c", "cat"],
    ]
    for argv in attempts:
        r = genv.run(*argv)
        violations += no_traceback(" ".join(argv), r.output)
        if "SECRET" in r.output or "secret.txt" in r.out:
            violations.append(f"guild {' '.join(argv)} shows what is outside the run: {r.output[-200:]}")
    r = genv.run("runs", "purge", "-y", "../../")
    violations += no_traceback("runs purge ../../", r.output)
    if not os.path.exists(secret) or not os.path.isdir(genv.home):
        violations.append("runs purge deleted outside the trash")
    report("paths leaving a run", len(attempts) + 1, violations, seed=None)


def _malicious_zip(path: str, run_id: str, secret: str) -> None:
    import stat

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{run_id}/.guild/opref", "script:/tmp op.py-version '' op.py\n")
        zf.writestr(f"{run_id}/.guild/attrs/id", run_id)
        zf.writestr(f"{run_id}/../../escaped.txt", "escaped")
        zf.writestr("/tmp/absolute-escaped.txt", "escaped")
        for name, target in ((f"{run_id}/abs-link", secret), (f"{run_id}/rel-link", "../../../secret.txt")):
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)


def test_malicious_archives_bring_nothing_outside(genv):
    secret = os.path.join(os.path.dirname(genv.home), "secret.txt")
    with open(secret, "w") as f:
        f.write("SECRET")
    run_id = "a" * 32
    archive = os.path.join(genv.project, "evil.zip")
    _malicious_zip(archive, run_id, secret)
    violations: list[str] = []
    r = genv.run("import", archive, "-y")
    violations += no_traceback("import evil.zip", r.output)
    imported = os.path.join(genv.runs_dir(), run_id)
    for dirpath, dirs, names in os.walk(genv.home):
        for name in dirs + names:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if not target.startswith(os.path.realpath(genv.home) + os.sep):
                    violations.append(f"import kept a link out of the home: {path} -> {target}")
    for escaped in (os.path.join(os.path.dirname(genv.home), "escaped.txt"), "/tmp/absolute-escaped.txt"):
        if os.path.exists(escaped):
            violations.append(f"import wrote {escaped}")
    for argv in (["cat", "-p", "abs-link"], ["cat", "-p", "rel-link"], ["ls", "-L"]):
        r = genv.run(*argv)
        violations += no_traceback(" ".join(argv), r.output)
        if "SECRET" in r.output:
            violations.append(f"guild {' '.join(argv)} shows the secret")
    if not os.path.isdir(imported):
        violations.append("the run in the archive was not imported at all")
    # A tar resource with members that leave the unpack dir, unpacked as a dependency.
    tar_path = os.path.join(genv.project, "data.tar")
    with tarfile.open(tar_path, "w") as tf:
        for name, data in (("ok.txt", b"ok"), ("../tar-escaped.txt", b"x"), ("/tmp/tar-abs.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("evil-link")
        link.type = tarfile.SYMTYPE
        link.linkname = secret
        tf.addfile(link)
    genv.write("guild.yml", "op:\n  main: op\n  requires:\n    - file: data.tar\n")
    genv.write("op.py", "print(open('ok.txt').read())\n")
    r = genv.run("run", "op", "-y")
    violations += no_traceback("run with a malicious tar", r.output)
    if r.rc != 0 or "ok" not in r.out:
        violations.append(f"the tar's safe member did not arrive: {r.output[-300:]}")
    for escaped in ("/tmp/tar-abs.txt", os.path.join(genv.home, "cache", "tar-escaped.txt")):
        if os.path.exists(escaped):
            violations.append(f"tar unpacking wrote {escaped}")
    violations += home_violations(genv, "after malicious archives")
    report("malicious archives (zip, tar)", 8, violations, seed=None)
