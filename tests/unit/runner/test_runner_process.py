"""`python -um guild.op_main` end to end: module lookup, flags dests, exit behaviour (spec §4.5)."""

import os
import subprocess
import sys

import guild

GUILD_PKG_PATH = os.path.dirname(os.path.dirname(guild.__file__))


def op_main(run_dir, *args, dest=None, pythonpath=None, extra_env=None, input=""):
    env = {k: v for k, v in os.environ.items() if k not in ("FLAGS_DEST", "PYTHONPATH")}
    env["PYTHONPATH"] = pythonpath or f".:{GUILD_PKG_PATH}"
    if dest:
        env["FLAGS_DEST"] = dest
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-um", "guild.op_main", *args], cwd=run_dir, env=env,
        capture_output=True, text=True, timeout=60, input=input,
    )


def write(run_dir, relpath, text):
    path = run_dir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_globals_replace_first_assignment(tmp_path):
    write(tmp_path, "train.py", "x = 1\nx = x + 100\nprint(x)\n")
    p = op_main(tmp_path, "train", "--", "--x", "7", dest="globals")
    assert (p.stdout, p.stderr, p.returncode) == ("107\n", "", 0)


def test_globals_decode_values_and_leave_argv_to_base_args(tmp_path):
    write(tmp_path, "train.py", (
        "import sys\n"
        "lr = 0.1\nname = 'x'\nif True:\n    layers = [1]\nflag = False\n"
        "print(repr(lr), repr(name), layers, flag, sys.argv[1:])\n"
    ))
    p = op_main(tmp_path, "train", "base", "--", "--lr", "1e-3", "--name", "'007'",
                "--layers", "[1, 2, 3]", "--flag", "true", dest="globals")
    assert p.stdout == "0.001 '007' [1, 2, 3] True ['base']\n", p.stderr


def test_args_dest_passes_everything_as_argv(tmp_path):
    write(tmp_path, "prep.py", "import sys, os\nprint(os.path.basename(sys.argv[0]), sys.argv[1:])\n")
    p = op_main(tmp_path, "prep", "a", "--", "--size", "10", dest="args")
    assert p.stdout == "prep.py ['a', '--size', '10']\n"
    # No FLAGS_DEST means args; without `--` every arg is a flag arg.
    assert op_main(tmp_path, "prep", "--size", "10").stdout == "prep.py ['--size', '10']\n"


def test_dict_dest_replaces_the_global_with_nested_passed_keys(tmp_path):
    write(tmp_path, "train.py", (
        "params = {'lr': 0.1, 'opt': {'m': 0.9}, 'unused': 1}\nprint(params)\n"
    ))
    p = op_main(tmp_path, "train", "--", "--lr", "0.5", "--opt.m", "0.1", dest="dict:params")
    assert p.stdout == "{'lr': 0.5, 'opt': {'m': 0.1}}\n", p.stderr


def test_namespace_dest(tmp_path):
    write(tmp_path, "train.py", (
        "from types import SimpleNamespace as NS\ncfg = NS(lr=0.1)\nprint(cfg.lr, cfg.opt.m)\n"
    ))
    p = op_main(tmp_path, "train", "--", "--lr", "2", "--opt.m", "3", dest="namespace:cfg")
    assert p.stdout == "2 3\n", p.stderr


def test_none_dest_drops_flag_args(tmp_path):
    write(tmp_path, "s.py", "import sys\nx = 1\nprint(x, sys.argv[1:])\n")
    p = op_main(tmp_path, "s", "keep", "--", "--x", "2", dest="none")
    assert p.stdout == "1 ['keep']\n"


def test_missing_module(tmp_path):
    p = op_main(tmp_path, "nope")
    assert (p.stdout, p.stderr, p.returncode) == ("", "guild: No module named nope\n", 1)


def test_cwd_is_not_on_sys_path(tmp_path):
    write(tmp_path, "s.py", "print('ran')\n")
    p = op_main(tmp_path, "s", pythonpath=GUILD_PKG_PATH)
    assert (p.stderr, p.returncode) == ("guild: No module named s\n", 1)


def test_system_exit_semantics(tmp_path):
    write(tmp_path, "fail.py", "fail = True\nif fail:\n    raise SystemExit('FAIL')\n")
    write(tmp_path, "code.py", "import sys\nsys.exit(3)\n")
    p = op_main(tmp_path, "fail", dest="globals")
    assert (p.stdout, p.stderr, p.returncode) == ("", "FAIL\n", 1)
    assert op_main(tmp_path, "fail", "--", "--fail", "no", dest="globals").returncode == 0
    assert op_main(tmp_path, "code").returncode == 3


def test_traceback_has_no_runner_frames(tmp_path):
    write(tmp_path, "boom.py", "def f():\n    raise ValueError('bad')\n\nf()\n")
    p = op_main(tmp_path, "boom")
    assert p.returncode == 1
    boom = str(tmp_path / "boom.py")
    assert p.stderr == (
        "Traceback (most recent call last):\n"
        f'  File "{boom}", line 4, in <module>\n'
        "    f()\n"
        f'  File "{boom}", line 2, in f\n'
        "    raise ValueError('bad')\n"
        "ValueError: bad\n"
    )


def test_traceback_lines_follow_the_user_file_after_assignment_removal(tmp_path):
    write(tmp_path, "t.py", "x = 1\n\nraise RuntimeError(x)\n")
    p = op_main(tmp_path, "t", "--", "--x", "5", dest="globals")
    assert f'"{tmp_path / "t.py"}", line 3' in p.stderr
    assert p.stderr.endswith("RuntimeError: 5\n")


def test_syntax_error(tmp_path):
    write(tmp_path, "syn.py", "x = = 1\n")
    p = op_main(tmp_path, "syn")
    assert p.returncode == 1
    assert p.stderr.startswith(f'  File "{tmp_path / "syn.py"}", line 1\n')
    assert p.stderr.endswith("SyntaxError: invalid syntax\n")


def test_subdir_spec_dotted_modules_and_packages(tmp_path):
    write(tmp_path, "sub/s2.py", "import helper\nprint(__name__, helper.X)\n")
    write(tmp_path, "sub/helper.py", "X = 'helper'\n")
    write(tmp_path, "a/b/c.py", "print('c', __package__)\n")
    write(tmp_path, "pkg/__main__.py", "from . import mod\nprint('main', mod.Y)\n")
    write(tmp_path, "pkg/mod.py", "Y = 2\n")
    assert op_main(tmp_path, "sub/s2").stdout == "__main__ helper\n"
    assert op_main(tmp_path, "a.b.c").stdout == "c a.b\n"
    p = op_main(tmp_path, "pkg")
    assert p.stdout == "main 2\n", p.stderr


def test_main_module_classes_are_picklable(tmp_path):
    write(tmp_path, "p.py", (
        "import pickle\nclass C:\n    pass\nprint(type(pickle.loads(pickle.dumps(C()))).__name__)\n"
    ))
    assert op_main(tmp_path, "p").stdout == "C\n"


def test_pdb_breaks_stop_at_the_given_line(tmp_path):
    write(tmp_path, "dbg.py", "x = 1\ny = 2\nprint('after', x + y)\n")
    p = op_main(tmp_path, "dbg", extra_env={"PDB_BREAKS": "2", "HOME": str(tmp_path)},
                input="p x + 40\nc\n")
    assert "-> y = 2\n(Pdb) 41\n(Pdb) after 3\n" in p.stdout, p.stdout + p.stderr
