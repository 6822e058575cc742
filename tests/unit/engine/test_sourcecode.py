"""Source code rules, selection, copy, manifest and digest (guildfile-and-run.md §5.5, runs.md §2.7)."""

import hashlib
import os
import shutil
import subprocess

import pytest

from guild.engine import sourcecode as sc
from guild.errors import ProjectError
from guild.store import manifest

FIXTURE_PROJECT = os.path.join(os.path.dirname(__file__), *[".."] * 4, "shared", "fixtures", "project")

TOO_BIG = ("WARNING: Skipping source code file {} because it's too big. To control which files "
           "are copied, define 'sourcecode' for the operation in a Guild file.\n")
TOO_MANY = ("WARNING: Found more than {0} source code files but will only copy {0} as a safety "
            "measure. To control which files are copied, define 'sourcecode' for the operation "
            "in a Guild file.\n")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("NO_SOURCECODE", "MAX_DEFAULT_SOURCECODE_FILE_SIZE", "MAX_DEFAULT_SOURCECODE_COUNT"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    return root


def write(root, relpath, data="x\n"):
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return path


def plan(root, op=None, model=None, is_python=True):
    return sc.plan_copy(str(root), sc.build_source_rules(op, model, is_python=is_python))


# ---- default rules (outside git)


def test_default_rules_select_text_files_and_prune_dirs(project, capsys):
    write(project, "train.py")
    write(project, "README")
    write(project, "data.bin", b"\x00\x01\x02")
    write(project, "image.png", b"not really an image")
    write(project, "notes.txt", b"\x00binary-looking but .txt is always text")
    write(project, "sub/util.py")
    write(project, ".hidden/x.py")
    write(project, "__pycache__/m.cpython-311.pyc", "x")
    write(project, "nocopy/.guild-nocopy", "")
    write(project, "nocopy/a.py")
    write(project, "venv/bin/activate")
    write(project, "winenv/Scripts/activate")
    write(project, "build/b.py")
    write(project, "dist/d.py")
    write(project, "pkg.egg-info/PKG-INFO")
    p = plan(project)
    assert p.selected == ["README", "notes.txt", "train.py", "sub/util.py"]
    assert p.skipped == [
        "data.bin", "image.png", ".hidden/", "__pycache__/", "build/", "dist/", "nocopy/",
        "pkg.egg-info/", "venv/", "winenv/",
    ]
    assert capsys.readouterr().err == ""


def test_python_excludes_only_for_python_ops(project):
    write(project, "build/b.sh")
    write(project, "__pycache__/c.txt")
    assert plan(project, is_python=False).selected == ["__pycache__/c.txt", "build/b.sh"]


def test_text_sniffing(project):
    write(project, "ctrl", bytes(range(1, 8)) * 10)
    write(project, "ff", b"abc\xffdef")
    write(project, "latin1", "caf\xe9 au lait\n".encode("latin-1"))
    write(project, "empty", b"")
    assert plan(project).selected == ["empty", "latin1"]


def test_too_big_file_is_skipped_with_a_warning(project, capsys, monkeypatch):
    write(project, "big.txt", "x" * 1_048_577)
    write(project, "max.txt", "x" * 1_048_576)
    p = plan(project)
    assert (p.selected, p.skipped) == (["max.txt"], ["big.txt"])
    assert capsys.readouterr().err == TOO_BIG.format("big.txt")
    monkeypatch.setenv("MAX_DEFAULT_SOURCECODE_FILE_SIZE", "10")
    write(project, "small.txt", "0123456789")
    write(project, "sub/eleven.txt", "0123456789A")
    p = plan(project)
    assert p.selected == ["small.txt"]
    assert capsys.readouterr().err == "".join(
        TOO_BIG.format(name) for name in ("big.txt", "max.txt", "sub/eleven.txt")
    )


def test_count_limit_warns_once(project, capsys, monkeypatch):
    for i in range(5):
        write(project, f"f{i}.py")
    monkeypatch.setenv("MAX_DEFAULT_SOURCECODE_COUNT", "3")
    p = plan(project)
    assert (p.selected, p.skipped) == (["f0.py", "f1.py", "f2.py"], ["f3.py", "f4.py"])
    assert capsys.readouterr().err == TOO_MANY.format(3)


def test_default_count_limit_is_100(project, capsys):
    for i in range(101):
        write(project, f"f{i:03}.py")
    assert len(plan(project).selected) == 100
    assert capsys.readouterr().err == TOO_MANY.format(100)


def test_no_limit_warnings_when_user_rules_decide(project, capsys):
    write(project, "big.txt", "x" * 1_048_577)
    write(project, "train.py")
    assert plan(project, "train.py").selected == ["train.py"]
    assert plan(project, [{"include": "big.txt"}]).selected == ["big.txt", "train.py"]
    assert capsys.readouterr().err == ""


def test_symlinked_dirs_are_followed(project, tmp_path):
    write(tmp_path / "elsewhere", "lib.py")
    os.symlink(tmp_path / "elsewhere", project / "linked")
    os.symlink(project, project / "loop")
    assert plan(project).selected == ["linked/lib.py"]


# ---- rule forms


def test_string_form(project):
    write(project, "train.py")
    write(project, "other.py")
    p = plan(project, "train.py")
    assert (p.selected, p.skipped) == (["train.py"], ["other.py"])
    assert [r.describe() for r in p.rules[-2:]] == ["exclude *", "include train.py"]


def test_list_of_strings_and_dir_patterns(project):
    write(project, "train.py")
    write(project, "conf.yml")
    write(project, "data/a.csv")
    write(project, "data/deep/b.csv")
    write(project, "other.py")
    p = plan(project, ["*.yml", "data", "/train.py"])
    assert p.selected == ["conf.yml", "train.py", "data/a.csv", "data/deep/b.csv"]
    assert [r.describe() for r in p.rules[-4:]] == [
        "exclude *", "include *.yml", "include data/*", "include /train.py",
    ]


def test_pattern_with_slash_matches_the_relative_path(project):
    write(project, "a/x.py")
    write(project, "b/a/x.py")
    assert plan(project, "a/x.py").selected == ["a/x.py"]
    assert plan(project, "x.py").selected == ["a/x.py", "b/a/x.py"]


def test_list_of_mappings_typed_rules(project):
    write(project, "train.py")
    write(project, "model.bin", b"\x00" * 10)
    write(project, "notes", "text\n")
    write(project, ".cache/c.txt")
    p = plan(project, [
        {"exclude": "*"},
        {"include": {"binary": "*"}},
        {"include": ["train.py"]},
        {"include": {"dir": ".cache"}},
    ])
    # The dir rule only un-prunes .cache; its files still go through the file rules.
    assert (p.selected, p.skipped) == (["model.bin", "train.py"], ["notes", ".cache/c.txt"])
    assert [r.describe() for r in p.rules[-4:]] == [
        "exclude *", "include binary *", "include train.py", "include dir .cache",
    ]


def test_exclude_dir_rule_prunes(project):
    write(project, "train.py")
    write(project, "data/a.py")
    p = plan(project, [{"exclude": {"dir": "data"}}])
    assert (p.selected, p.skipped) == (["train.py"], ["data/"])


def test_mapping_form_select_root_dest(project):
    write(project, "src/train.py")
    write(project, "src/extra.py")
    write(project, "top.py")
    p = plan(project, {"select": "train.py", "root": "src", "dest": "code", "digest": False})
    assert p.root == str(project / "src")
    assert p.dest == "code"
    assert p.selected == ["train.py"]
    assert plan(project, {"root": "src"}).selected == ["extra.py", "train.py"]


@pytest.mark.parametrize("value", [False, [], {"select": []}])
def test_disabled(project, value):
    write(project, "train.py")
    p = plan(project, value)
    assert p.disabled and p.selected == [] and p.rules == []


def test_no_sourcecode_env_disables(project, monkeypatch):
    write(project, "train.py")
    monkeypatch.setenv("NO_SOURCECODE", "1")
    assert plan(project).disabled


def test_model_rules_come_first_and_model_no_yields_to_op_rules(project):
    write(project, "a.py")
    write(project, "b.py")
    write(project, "c.py")
    assert plan(project, ["b.py"], ["a.py"]).selected == ["b.py"]
    p = plan(project, [{"include": "b.py"}], [{"exclude": "*.py"}, {"include": "a.py"}])
    assert p.selected == ["a.py", "b.py"]
    assert plan(project, None, False).disabled
    assert plan(project, "c.py", False).selected == ["c.py"]
    assert plan(project, False, "a.py").disabled
    assert plan(project, None, {"select": "a.py", "dest": "m"}).dest == "m"


def test_item_with_include_and_exclude_is_an_error(project, capsys):
    with pytest.raises(ProjectError):
        sc.build_source_rules([{"include": "a", "exclude": "b"}], src="/p/guild.yml")
    assert capsys.readouterr().err.startswith("ERROR: error in /p/guild.yml: invalid select files spec")


# ---- inside a git work tree


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_git_work_tree_rules(project, capsys, monkeypatch):
    monkeypatch.setenv("MAX_DEFAULT_SOURCECODE_COUNT", "2")
    _git(project, "init", "-q")
    write(project, ".gitignore", "*.log\nignored_dir/\n")
    write(project, ".guildignore", "# comment\nsecret.txt\n")
    write(project, "train.py")
    write(project, "big.txt", "x" * 1_048_577)
    write(project, "model.bin", b"\x00\x01")
    write(project, "run.log")
    write(project, "secret.txt")
    write(project, "ignored_dir/x.py")
    write(project, "build/b.py")
    write(project, "__pycache__/c.txt")
    write(project, ".guild/attrs/x")
    write(project, "nocopy/.guild-nocopy", "")
    write(project, "sub/u.py")
    _git(project, "add", "train.py")
    p = plan(project)
    assert p.selected == ["big.txt", "model.bin", "train.py", "__pycache__/c.txt", "build/b.py",
                          "sub/u.py"]
    assert p.skipped == [".gitignore", ".guildignore", "run.log", "secret.txt", ".git/", ".guild/",
                         "ignored_dir/", "nocopy/"]
    assert capsys.readouterr().err == ""


def test_git_rules_apply_below_the_repo_root(project):
    _git(project, "init", "-q")
    write(project, ".gitignore", "*.log\n")
    write(project, "sub/a.py")
    write(project, "sub/a.log")
    p = plan(project / "sub")
    assert (p.selected, p.skipped) == (["a.py"], ["a.log"])


# ---- copy, manifest, digest


def test_copy_writes_files_modes_and_manifest(project, tmp_path):
    write(project, "train.py", "print(1)\n")
    os.chmod(write(project, "run.sh", "echo hi\n"), 0o755)
    write(project, "sub/u.py", "u = 1\n")
    run_dir = tmp_path / "run"
    (run_dir / ".guild").mkdir(parents=True)
    manifest.touch(str(run_dir))
    copied = sc.copy_sourcecode(plan(project), str(run_dir))
    assert copied == ["run.sh", "train.py", "sub/u.py"]
    assert (run_dir / "sub" / "u.py").read_text() == "u = 1\n"
    assert os.stat(run_dir / "run.sh").st_mode & 0o777 == 0o755
    sha = hashlib.sha1(b"print(1)\n").hexdigest()
    assert ["s", "train.py", sha, "train.py"] in manifest.read_entries(str(run_dir))
    assert [e[1] for e in manifest.read_entries(str(run_dir))] == copied


def test_copy_to_dest_from_root_records_project_relative_paths(project, tmp_path):
    write(project, "src/train.py")
    run_dir = tmp_path / "run"
    (run_dir / ".guild").mkdir(parents=True)
    p = plan(project, {"root": "src", "dest": ".guild/sourcecode"})
    assert sc.copy_sourcecode(p, str(run_dir)) == [".guild/sourcecode/train.py"]
    entry = manifest.read_entries(str(run_dir))[0]
    assert (entry[1], entry[3]) == (".guild/sourcecode/train.py", "src/train.py")


def test_disabled_copy_copies_nothing(project, tmp_path):
    write(project, "train.py")
    assert sc.copy_sourcecode(plan(project, False), str(tmp_path)) == []


def test_digest_definition(tmp_path):
    files = {"b.py": b"bbb", "a.py": b"a", "sub/c.txt": b"", "B.py": b"upper"}
    for rel, data in files.items():
        write(tmp_path, rel, data)
    expected = hashlib.md5()
    for rel in sorted(files):  # code-point order: "B.py" < "a.py" < "b.py" < "sub/c.txt"
        expected.update(rel.encode() + b"\0" + files[rel] + b"\0")
    assert sc.sourcecode_digest(str(tmp_path), list(files)) == expected.hexdigest()
    assert sc.sourcecode_digest(str(tmp_path), []) is None


def test_digest_of_the_guild_09_fixture_run(tmp_path):
    # The fixture runs were copied from this project; their sourcecode_digest is known.
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    run_dir = tmp_path / "run"
    (run_dir / ".guild").mkdir(parents=True)
    copied = sc.copy_sourcecode(plan(project), str(run_dir))
    assert sc.sourcecode_digest(str(run_dir), copied) == "4f613b484de3a37993c1293e7498297a"
    assert manifest.read_entries(str(run_dir))[5] == [
        "s", "train.py", "10521b6dc89eb64e1abd960feee238c441e4f2c0", "train.py",
    ]


# ---- --test-sourcecode


def test_format_test_sourcecode(project):
    write(project, "train.py")
    write(project, "data.bin", b"\x00")
    write(project, ".git-like/x")
    out = sc.format_test_sourcecode(plan(project, is_python=False), cwd=str(project))
    assert out == (
        "Copying from the current directory\n"
        "Rules:\n"
        "  exclude dir .*\n"
        "  exclude dir * containing .guild-nocopy\n"
        "  include text * size < 1048577, max match 100\n"
        "Selected for copy:\n"
        "  train.py\n"
        "Skipped:\n"
        "  data.bin\n"
        "  .git-like/\n"
    )
    other = sc.format_test_sourcecode(plan(project, False), cwd="/")
    assert other == f"Copying from {project}\nRules:\nSource code copy disabled\n"
