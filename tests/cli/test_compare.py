"""`guild compare`: CSV and table output, column groups and merging, column specs, sorting,
option errors. Runs are written directly (see _scalar_runs.py)."""

from __future__ import annotations


import pytest

from _scalar_runs import make_run

A = "a4c57b1f" + "0" * 24
B = "bcc3b608" + "0" * 24
FLAGS = {"flag": True, "lr": 0.1, "name": "a b"}


@pytest.fixture
def two_runs(genv):
    """The spec §6.5 example: `train` (default columns) and `train2` (a compare list)."""
    gf = genv.write("guild.yml", (
        "train: {main: train}\n"
        "train2:\n  main: train\n  compare: [loss, min loss as best, =lr, acc step, .status]\n"))
    make_run(genv.home, B, "train", guildfile=gf, started=17, duration=0,
             flags={**FLAGS, "epochs": 2}, label="epochs=2 flag=yes lr=0.1 name='a b'",
             scalars={".guild": [("loss", 1.0, 0), ("acc", 0.5, 0), ("loss", 0.5, 10),
                                 ("acc", 0.6, 10), ("val#x", 1.0, 10)]},
             text_attrs={"note": "hello"})
    make_run(genv.home, A, "train2", guildfile=gf, started=19, duration=0,
             flags={**FLAGS, "epochs": 3, "lr": 0.2}, label="epochs=3 flag=yes lr=0.2 name='a b'",
             scalars={".guild": [("loss", 1.0, 0), ("acc", 0.5, 0), ("loss", 2 / 3, 20),
                                 ("acc", 0.7, 20)]})
    return genv


def run(genv, *args):
    return genv.run("compare", *args, env={"TZ": "UTC"})


def test_spec_example_csv(two_runs):
    r = run(two_runs, "--csv", "-", "1", "2")
    assert r.err == "" and r.rc == 0
    assert r.out == (
        "run,operation,started,time,status,label,loss,best,lr,acc step,epochs,flag,name,note,step,acc,val x\n"
        "a4c57b1f,train2,2026-11-24 00:00:19,0:00:00,completed,epochs=3 flag=yes lr=0.2 name='a b',"
        "0.6666666865348816,0.6666666865348816,0.2,20,,,,,,,\n"
        "bcc3b608,train,2026-11-24 00:00:17,0:00:00,completed,epochs=2 flag=yes lr=0.1 name='a b',"
        "0.5,,0.1,,2,True,a b,hello,10,0.6000000238418579,\n"
    )


def test_table_strict_cols_and_top(two_runs):
    r = run(two_runs, "-t", "-n", "2", "-cc", "loss,=lr")
    assert r.out == "run       loss      lr\na4c57b1f  0.666666  0.2\nbcc3b608  0.5       0.1\n"
    assert r.rc == 0


def test_table_formats_and_marked(genv):
    make_run(genv.home, "1" * 32, "op", flags={"a": 1e-05, "b": True, "c": None}, marked=True,
             scalars={".guild": [("x", 123456789.123, 0), ("y", float("inf"), 0), ("z", -1.23456e-05, 0)]})
    r = run(genv, "-t", "-cc", "=a,=b,=c,x,y,z,.operation")
    assert r.out == (
        "run       a        b    c  x            y     z             operation\n"
        "11111111  1.0e-05  yes     123456790.0  .inf  -1.23456e-05  op [marked]\n")


def test_min_max_sorting_nulls_last(genv):
    for i, loss in enumerate([0.3, None, 0.1, 0.2]):
        make_run(genv.home, f"{i}" * 32, started=i,
                 scalars={".guild": [("loss", loss, 0)]} if loss is not None else None)
    assert run(genv, "--csv", "-", "-cc", "loss", "--min", "loss").out.splitlines()[1:] == [
        "22222222,0.10000000149011612", "33333333,0.20000000298023224",
        "00000000,0.30000001192092896", "11111111,"]
    assert [l[:8] for l in run(genv, "--csv", "-", "-cc", "loss", "--max", "loss").out.splitlines()[1:]] == [
        "00000000", "33333333", "22222222", "11111111"]
    # --min wins over --max; -n keeps the first rows after sorting
    assert [l[:8] for l in run(genv, "--csv", "-", "-cc", "loss", "--min", "loss", "--max", "loss",
                               "-n", "1").out.splitlines()[1:]] == ["22222222"]
    # unknown header: newest first
    assert [l[:8] for l in run(genv, "--csv", "-", "-cc", "loss", "--min", "nope").out.splitlines()[1:]] == [
        "33333333", "22222222", "11111111", "00000000"]


def test_skip_unchanged(genv):
    make_run(genv.home, "1" * 32, started=1, flags={"a": 1, "b": 2})
    make_run(genv.home, "2" * 32, started=2, flags={"a": 1, "b": 3})
    r = run(genv, "--csv", "-", "-u", "-r")
    assert r.out == "run,b\n22222222,3\n11111111,2\n"
    r = run(genv, "--csv", "-", "-u", "-r", "22222222")  # a single row keeps every column
    assert r.out == "run,a,b\n22222222,1,3\n"


def test_qualifiers_prefixes_and_merging(genv):
    make_run(genv.home, "1" * 32, scalars={
        "": [("loss", 9.0, 1)],
        ".guild": [("loss", 1.0, 0), ("loss", 3.0, 5), ("loss", 2.0, 9)],
        "train/.guild": [("loss", 0.5, 1)],
        "train2/.guild": [("loss", 0.25, 1)],
    })
    cols = ("first loss as f,min loss step as ms,max '.guild#loss' as mx,"
            "count '.guild#loss' as n,avg '.guild#loss' as av,total '.guild#loss' as t,loss,train#loss,first loss,last loss as l")
    r = run(genv, "--csv", "-", "-cc", cols)
    assert r.out == "run,f,ms,mx,n,av,t,loss,train loss,l\n11111111,9.0,1,3.0,3,2.0,6.0,9.0,0.5,9.0\n"


def test_same_header_columns_merge(genv):
    make_run(genv.home, "1" * 32, flags={"x": 5}, scalars={".guild": [("x", 0.5, 0)]})
    # inside a group the leftmost column wins
    assert run(genv, "--csv", "-", "-cc", "=x,x").out == "run,x\n11111111,5\n"
    # a later group with a value wins: op columns (=x, step, x) then the user column x
    assert run(genv, "--csv", "-", "-r", "-c", "x").out == "run,x,step\n11111111,0.5,0\n"
    # a null user value does not replace the op column's value
    assert run(genv, "--csv", "-", "-r", "-c", "nope as x").out == "run,x,step\n11111111,5,0\n"


def test_default_columns_hide_sys_unless_all_scalars(genv):
    make_run(genv.home, "1" * 32, scalars={".guild": [("sys/cpu", 1.0, 0), ("acc", 0.5, 3)]})
    assert run(genv, "--csv", "-", "-r").out == "run,step,acc\n11111111,3,0.5\n"
    assert run(genv, "--csv", "-", "-r", "-s").out == "run,step,acc,sys/cpu\n11111111,3,0.5,1.0\n"


def test_batch_runs_excluded_by_default(genv):
    make_run(genv.home, "1" * 32, started=1)
    make_run(genv.home, "2" * 32, "train+", started=2, batch=True)
    assert run(genv, "--csv", "-", "-cc", ".id").out.count("\n") == 2
    assert run(genv, "--csv", "-", "-cc", ".id", "--include-batch").out.count("\n") == 3


def test_compare_string_is_split_into_chars(genv):
    gf = genv.write("guild.yml", "op: {main: x, compare: loss}\n")
    make_run(genv.home, "1" * 32, "op", guildfile=gf, scalars={".guild": [("l", 1.0, 0)]})
    assert run(genv, "--csv", "-", "-r").out == "run,l,o,s\n11111111,1.0,,\n"


def test_parse_errors_warn_once(genv):
    make_run(genv.home, "1" * 32, started=1)
    make_run(genv.home, "2" * 32, started=2)
    r = run(genv, "--csv", "-", "-cc", "step")
    assert r.err == "WARNING: error parsing 'step': unexpected token 'step', line 1, pos 7\n"
    assert r.out == "run\n22222222\n11111111\n"
    r = run(genv, "--csv", "-", "-cc", "MIN loss")
    assert r.err == "WARNING: error parsing 'MIN loss': unexpected token 'loss', line 1, pos 11\n"
    r = run(genv, "--csv", "-", "-cc", "loss,")
    assert r.err == "WARNING: error parsing 'loss,': query string cannot be empty\n"


def test_csv_to_file(genv, tmp_path):
    make_run(genv.home, "1" * 32, flags={"s": "a,b"})
    path = str(tmp_path / "out" / "sub" / "c.csv")
    r = run(genv, "--csv", path, "-cc", "=s")
    assert r.err == f"Wrote 1 row(s) to {path}\n" and r.out == ""
    assert open(path).read() == 'run,s\n11111111,"a,b"\n'
    r = run(genv, "--csv", path, "-Fo", "nothing")
    assert r.err == f"Wrote -1 row(s) to {path}\n"
    assert open(path).read() == ""


def test_no_runs_prints_nothing(genv):
    assert run(genv, "--csv", "-").out == ""
    assert run(genv, "-t").out == ""


def test_print_scalars(genv):
    make_run(genv.home, "1" * 32, "pipe", batch=False, scalars={
        ".guild": [("loss", 2 / 3, 20), ("sys/cpu", 12.5, 20)],
        "train/.guild": [("acc", 0.6, 10)]})
    make_run(genv.home, "2" * 32, "empty", started=5)
    r = run(genv, "--print-scalars")
    assert r.out == (
        "[22222222] empty\n"
        "[11111111] pipe\n"
        "  loss: 0.666667 (step 20)\n"
        "  sys/cpu: 12.500000 (step 20)\n"
        "  train/.guild#acc: 0.600000 (step 10)\n")


def test_not_a_terminal_without_table(genv):
    make_run(genv.home, "1" * 32)
    r = run(genv)
    assert (r.out, r.err, r.rc) == ("", "tabview: no data to display\n", 0)


@pytest.mark.parametrize("args,msg,rc", [
    (["-t", "--csv", "-"], "guild: --table and --csv cannot both be specified", 1),
    (["-t", "--tool", "hiplot"], "guild: --table and --tool cannot both be specified", 1),
    (["--csv", "-", "--tool", "hiplot"], "guild: --csv and --tool cannot both be specified", 1),
    (["--tool", "foo"], "guild: Invalid value for '--tool': 'foo' is not 'hiplot'.", 2),
])
def test_incompatible_options(genv, args, msg, rc):
    r = run(genv, *args)
    assert r.err == msg + "\nTry 'guild compare --help' for more information.\n"
    assert r.rc == rc


def test_cols_with_strict_cols(genv):
    r = run(genv, "-c", "loss", "-cc", "acc")
    assert (r.err, r.rc) == ("guild: --cols cannot be used with --strict-cols\n", 1)


def test_unsupported_step_qualifier_is_an_error(genv):
    make_run(genv.home, "1" * 32, scalars={".guild": [("loss", 1.0, 0)]})
    r = run(genv, "--csv", "-", "-cc", "avg loss step")
    assert r.rc == 1 and r.err == "guild: unsupported scalar type qual='avg' step=True\n"
