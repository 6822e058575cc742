"""Dependency file work: select patterns, rename rules, archive types and unpacking, placing."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from guild.engine.deps import files as deps_files
from guild.engine.deps.model import Source, parse_source


def _src(**data):
    data.setdefault("file", "x")
    return parse_source(data, ":<inline>")


def test_select_matches_whole_relative_paths():
    cands = ["a.txt", "sub", "sub/a.txt", "sub/b.bin", "a.txt.bak"]
    assert deps_files.select_paths(cands, _src(select=r".*\.txt")) == ["a.txt", "sub/a.txt"]
    assert deps_files.select_paths(cands, _src(select=["sub", r"a\.txt"])) == ["a.txt", "sub"]


def test_select_top_level_alternation_anchors_only_last_branch():
    cands = [".guild/output", ".guild/output.index", "up.py"]
    assert deps_files.select_paths(cands, _src(select=r"\.guild/output|up\.py")) == cands


def test_select_bad_regex_logs_and_matches_nothing(capsys):
    assert deps_files.select_paths(["a"], _src(select="(")) == []
    assert capsys.readouterr().err.startswith("ERROR: error compiling regular expression '(': ")


def test_select_min_max_by_group_one():
    cands = ["ckpt-9.bin", "ckpt-10.bin", "ckpt-100.bin", "other.bin"]
    assert deps_files.select_paths(cands, _src(**{"select-max": r"ckpt-(\d+)\.bin"})) == ["ckpt-100.bin"]
    assert deps_files.select_paths(cands, _src(**{"select-min": r"ckpt-(\d+)\.bin"})) == ["ckpt-9.bin"]
    assert deps_files.select_paths(cands, _src(**{"select-max": r"ckpt-\d+\.bin"})) == []


def test_dir_candidates_lists_files_and_dirs(tmp_path):
    (tmp_path / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "sub" / "deep" / "f.txt").write_text("f")
    (tmp_path / "a.txt").write_text("a")
    assert sorted(deps_files.dir_candidates(str(tmp_path))) == ["a.txt", "sub", "sub/deep", "sub/deep/f.txt"]


@pytest.mark.parametrize("name,kind", [
    ("x.zip", "zip"), ("X.ZIP", "zip"), ("x.tar", "tar"), ("x.tgz", "tar"), ("x.tar.gz", "tar"),
    ("x.tar.bz2", "tar"), ("x.gz", "gzip"), ("x.txt", None), ("tar.txt", None),
])
def test_archive_type_by_name(name, kind):
    assert deps_files.archive_type(name, _src()) == kind


def test_archive_type_override_and_bad_type():
    assert deps_files.archive_type("x.bin", _src(type="zip")) == "zip"
    with pytest.raises(deps_files.ResolveError) as e:
        deps_files.archive_type("/p/x.bin", _src(type="rar"))
    assert str(e.value) == "'/p/x.bin' cannot be unpacked (unsupported archive type 'rar')"


def test_unpack_tar_lists_members_with_implied_dirs_and_caches(tmp_path, capsys):
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as tf:
        for name, data in (("./inner/x.txt", b"x"), ("top.txt", b"t")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    dest = tmp_path / "cache"
    members = deps_files.unpack(str(archive), "tar", str(dest))
    assert members == ["inner", "inner/x.txt", "top.txt"]
    assert capsys.readouterr().err == f"Unpacking {archive}\n"
    assert (dest / "inner" / "x.txt").read_text() == "x"
    assert deps_files.unpack(str(archive), "tar", str(dest)) == members
    assert capsys.readouterr().err == ""
    tops = deps_files.archive_paths(str(dest), members, _src())
    assert tops == [str(dest / "inner"), str(dest / "top.txt")]
    selected = deps_files.archive_paths(str(dest), members, _src(select=r".*\.txt"))
    assert selected == [str(dest / "inner" / "x.txt"), str(dest / "top.txt")]


def test_rename_rules_string_and_mapping_forms():
    rules = deps_files.rename_rules([r"\.bin ''", {"pattern": r"\.txt$", "repl": ".csv"}, "fixed"], str)
    assert rules == [(".bin", ""), (r"\.txt$", ".csv"), (".*", "fixed")]
    assert deps_files.renamed("a.bin", rules) == "a"
    assert deps_files.renamed("xabin", rules) == "x"  # the backslash was removed: `.` matches any char
    assert deps_files.renamed("a.txt", rules) == "a.csv"
    assert deps_files.renamed("other", rules) == "fixed"
    with pytest.raises(deps_files.PlaceError) as e:
        deps_files.rename_rules("a b c", str)
    assert str(e.value) == "invalid rename spec 'a b c': expected 'PATTERN REPL' or 'NAME'"


def test_place_link_copy_and_existing(tmp_path, capsys):
    src = tmp_path / "up" / "data.txt"
    src.parent.mkdir()
    src.write_text("d")
    run_dir = tmp_path / "run"
    dest = run_dir / "in" / "data.txt"
    assert deps_files.place(str(src), str(dest), "link", False)
    assert os.readlink(dest) == "../../up/data.txt"
    assert not deps_files.place(str(src), str(dest), "copy", False)
    assert capsys.readouterr().err == f"WARNING: {dest} already exists, skipping copy\n"
    assert deps_files.place(str(src), str(dest), "copy", True)
    assert not os.path.islink(dest) and dest.read_text() == "d"
    entry = deps_files.manifest_entry(str(run_dir), str(dest), "file:data.txt", None)
    assert entry == ["d", "in/data.txt", "3c363836cf4e16666669a25da280a1865c2d2874", "file:data.txt"]
    assert deps_files.manifest_entry(str(run_dir), str(run_dir / "in"), "x", "sub")[2:] == ["-", "x", "sub"]


def test_source_names_and_flags():
    op = parse_source({"operation": "prepare"}, "")
    assert (op.uri, op.name, op.flag_name()) == ("operation:prepare", "operation:prepare", "operation:prepare")
    named = parse_source({"operation": "prepare", "name": "prep"}, "")
    assert (named.name, named.flag_name()) == ("prep", "prep")
    assert parse_source({"operation": "prepare", "flag-name": False}, "").flag_name() is None
    url = parse_source({"url": "http://h/x.txt"}, "")
    assert (url.uri, url.name, url.flag_name()) == ("http://h/x.txt", "http://h/x.txt", None)
    f = parse_source({"file": "a.txt", "flag-name": "infile"}, "")
    assert (f.name, f.flag_name()) == ("infile", "infile")
    assert isinstance(parse_source("a.txt", ""), Source) and parse_source("a.txt", "").uri == "file:a.txt"


@pytest.mark.parametrize("item,msg", [
    ({"select": "x"}, "invalid source {'select': 'x'} in resource ':<inline>': missing required attribute "
                      "(one of config, file, module, url, operation)"),
    ({"file": "a", "url": "http://x/y"}, "invalid source {'file': 'a', 'url': 'http://x/y'} in resource "
                                         "':<inline>': conflicting attributes (file, url)"),
])
def test_invalid_sources(item, msg):
    with pytest.raises(ValueError) as e:
        parse_source(item, ":<inline>")
    assert str(e.value) == msg
