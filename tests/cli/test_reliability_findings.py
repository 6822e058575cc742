"""Regression tests for what the reliability probe found: half-made runs, unchecked guild.yml
values, env names posix_spawn cannot pass, archives that carry links out of the home."""

from __future__ import annotations

import os


def test_a_half_made_run_is_listed_by_check_and_removed_by_purge(genv):
    os.makedirs(os.path.join(genv.runs_dir(), ".incomplete-" + "a" * 32, ".guild", "attrs"))
    legacy = os.path.join(genv.runs_dir(), "b" * 32)
    os.makedirs(os.path.join(legacy, ".guild", "attrs"))
    open(os.path.join(legacy, ".guild", "attrs", "initialized"), "w").close()
    r = genv.run("check")
    assert r.rc == 0
    assert "2 incomplete run directories" in r.err and "b" * 32 in r.err
    assert genv.run("runs", "-a").out == ""
    r = genv.run("runs", "purge", "--incomplete", "-y")
    assert r.rc == 0 and "Permanently deleted 2 incomplete run directories" in r.err
    assert os.listdir(genv.runs_dir()) == []
    assert "incomplete" not in genv.run("check").err


def test_a_new_run_appears_only_complete(genv):
    genv.write("op.py", "print('hi')\n")
    assert genv.run("run", "op.py", "-y").rc == 0
    [name] = os.listdir(genv.runs_dir())
    assert not name.startswith(".")
    assert os.path.exists(os.path.join(genv.runs_dir(), name, ".guild", "opref"))


def test_guildfile_values_of_the_wrong_type_name_key_and_line(genv):
    genv.write("op.py", "print('hi')\n")
    genv.write("guild.yml", "op:\n  main: op\n  output-scalars: 5\n")
    r = genv.run("run", "op", "-y")
    assert r.rc == 1
    assert r.err == ("guild: guild.yml:3: invalid value 5 for 'output-scalars' of operation 'op': "
                     "expected no, a pattern, a mapping of KEY: PATTERN, or a list of those\n")
    assert genv.run_ids() == []


def test_unknown_operation_key_warns_with_the_closest_key(genv):
    genv.write("op.py", "print('hi')\n")
    genv.write("guild.yml", "op:\n  main: op\n  outptu-scalars: no\n")
    r = genv.run("run", "op", "-y")
    assert r.rc == 0
    assert ("WARNING: guild.yml:3: unknown key 'outptu-scalars' in operation 'op' "
            "(did you mean 'output-scalars'?) - ignoring") in r.err


def test_env_names_that_cannot_be_passed_are_guildfile_errors(genv):
    genv.write("op.py", "print('hi')\n")
    for env in ("{'': 1}", "{'A=B': 1}"):
        genv.write("guild.yml", f"op:\n  main: op\n  env: {env}\n")
        r = genv.run("run", "op", "-y")
        assert r.rc == 1 and r.err.startswith("guild: guild.yml:3: invalid value") and "'env'" in r.err
        assert "Traceback" not in r.err
    assert genv.run_ids() == []


def test_import_drops_links_that_leave_the_run(genv, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    archive = tmp_path / "archive"
    run_dir = archive / ("c" * 32)
    (run_dir / ".guild" / "attrs").mkdir(parents=True)
    (run_dir / ".guild" / "opref").write_text("script:/p '' '' op.py\n")
    (run_dir / "inside.txt").write_text("inside")
    os.symlink(str(secret), run_dir / "outside")
    os.symlink("inside.txt", run_dir / "inside-link")
    r = genv.run("import", str(archive), "-y")
    assert r.rc == 0, r.output
    assert "WARNING: dropping link outside -> " in r.err
    imported = os.path.join(genv.runs_dir(), "c" * 32)
    assert not os.path.lexists(os.path.join(imported, "outside"))
    assert os.readlink(os.path.join(imported, "inside-link")) == "inside.txt"
    r = genv.run("cat", "-p", "outside")
    assert r.rc == 1 and "SECRET" not in r.output
