"""`guild ls` and `guild cat` (runs.md §8–9)."""

from __future__ import annotations

import os

from test_runs_support import make_run

FILES = {
    "train.py": "print(1)\n",
    "model.txt": "weights\n",
    "file10.txt": "", "file9.txt": "",
    "sub/dir/x.txt": "x\n",
    "sub-a": "", "sub.txt": "",
    ".hidden/h.txt": "", ".g": "",
    "data/.cache": "",
}


def _run(genv) -> tuple[str, str]:
    run_id = make_run(genv.home, "train", project=genv.project, files=FILES)
    run_dir = os.path.join(genv.home, "runs", run_id)
    os.symlink("sub", os.path.join(run_dir, "sublink"))
    os.symlink("missing", os.path.join(run_dir, "dangling"))
    with open(os.path.join(run_dir, ".guild", "manifest"), "w") as f:
        f.write("s train.py 0123 train.py\nd model.txt - file:model.txt\n")
    with open(os.path.join(run_dir, ".guild", "output"), "w") as f:
        f.write("hello output\n")
    return run_id, run_dir


def test_ls_default_listing(genv):
    _, run_dir = _run(genv)
    r = genv.run("ls")
    assert r.rc == 0, r.err
    assert r.out == f"{run_dir}:\n" + "".join(f"  {e}\n" for e in [
        "dangling", "data/", "file9.txt", "file10.txt", "model.txt", "sub/", "sub-a", "sub.txt",
        "sub/dir/", "sub/dir/x.txt", "sublink/", "train.py"])


def test_ls_forms(genv):
    _, run_dir = _run(genv)
    assert genv.run("ls", "-n", "-p", "sub").out == "sub/\nsub/dir/\nsub/dir/x.txt\n"
    assert genv.run("ls", "-f", "-p", "model.txt").out == os.path.join(run_dir, "model.txt") + "\n"
    assert genv.run("ls", "-n", "-p", "sub/*").out == "sub/dir/\nsub/dir/x.txt\n"
    assert genv.run("ls", "-n", "-p", "*.txt").out == "file9.txt\nfile10.txt\nmodel.txt\nsub.txt\n"
    assert genv.run("ls", "-n", "-p", ".hidden").out == ".hidden/\n.hidden/h.txt\n"
    assert genv.run("ls", "-n", "-p", ".h*").out == ".hidden/\n.hidden/h.txt\n"
    assert genv.run("ls", "-n", "-p", "nothing").out == ""
    assert genv.run("ls", "-p", "nothing").out == f"{run_dir}:\n"
    assert genv.run("ls", "-n", "-L", "-p", "sublink").out == "sublink/\nsublink/dir/\nsublink/dir/x.txt\n"
    all_ = genv.run("ls", "-n", "-a").out.splitlines()
    assert ".g" in all_ and ".guild/" in all_ and "data/.cache" in all_ and ".hidden/h.txt" in all_
    assert genv.run("ls", "-n", "-s").out == "train.py\n"
    assert genv.run("ls", "-n", "-d").out == "model.txt\n"
    generated = genv.run("ls", "-n", "-g").out.splitlines()
    assert "train.py" not in generated and "model.txt" not in generated
    assert "sub/dir/x.txt" in generated and ".g" in generated and "sub/" not in generated
    assert not any(p.startswith(".guild") for p in generated)
    r = genv.run("ls", "-n", "-p", "sub", env={"NO_HEADER_PATH": "1"})
    assert r.out.startswith("sub/")
    r = genv.run("ls", "-p", "sub", env={"NO_HEADER_PATH": "1"})
    assert r.out.startswith(os.path.basename(run_dir) + ":\n")


def test_ls_errors(genv):
    r = genv.run("ls")
    assert (r.rc, r.err) == (1, "guild: no matching runs\n")
    _run(genv)
    r = genv.run("ls", "-p", "/etc")
    assert r.rc == 1
    assert r.err == "guild: PATH must be relative\nTry 'guild ls --help' for more information.\n"
    assert genv.run("ls", "-n", "-p", "../..").out == ""


def test_cat(genv):
    _, run_dir = _run(genv)
    assert genv.run("cat", "-p", "model.txt").out == "weights\n"
    assert genv.run("cat", "-O").out == "hello output\n"
    r = genv.run("cat", "-O", "-p", "model.txt")
    assert r.out == "hello output\n"
    assert r.err == "--output cannot be used with other options - ignorning other options\n"
    assert genv.run("cat", "-s", "-p", "train.py").out == "print(1)\n"


def test_cat_errors(genv):
    _, run_dir = _run(genv)
    r = genv.run("cat")
    assert (r.rc, r.err) == (1, "guild: -p / --path is required unless --output is specified\n")
    r = genv.run("cat", "-p", "/etc/passwd")
    assert r.err == "guild: PATH must be relative\nTry 'guild cat --help' for more information.\n"
    r = genv.run("cat", "-p", "missing.txt")
    assert (r.rc, r.err) == (1, f"guild: {run_dir}/missing.txt does not exist\n")
    r = genv.run("cat", "-p", "sub")
    assert (r.rc, r.err) == (1, f"guild: [Errno 21] Is a directory: '{run_dir}/sub'\n")
    r = genv.run("cat", "-p", "../../../../etc/passwd")
    assert r.rc == 1 and r.out == "" and "outside the run directory" in r.err
    r = genv.run("cat", "-p", "dangling")
    assert (r.rc, r.err) == (1, f"guild: {run_dir}/dangling does not exist\n")
