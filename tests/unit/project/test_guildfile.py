"""guild.yml loading: forms, defaults, extends, include, params, $include and error messages."""

from __future__ import annotations

import textwrap

import pytest

from guild.project.guildfile import GuildfileError, load_guildfile


def load(tmp_path, text, name="guild.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return load_guildfile(str(path))


def load_error(tmp_path, capsys, text):
    with pytest.raises(GuildfileError) as exc:
        load(tmp_path, text)
    err = capsys.readouterr().err
    assert exc.value.message == "guildfile in the current directory contains an error (see above for details)"
    assert exc.value.exit_code == 1
    prefix = f"ERROR: error in {tmp_path / 'guild.yml'}: "
    assert err.startswith(prefix)
    return err[len(prefix):].rstrip("\n")


def ops(model):
    return list(model.operations)


# --- forms ---------------------------------------------------------------------------------------


def test_form_a_is_anonymous_model_with_sorted_ops(tmp_path):
    gf = load(tmp_path, """
        train:
          description: Train a model
          flags-import: all
        prepare: prepare_data
        fail: {}
    """)
    assert [m.name for m in gf.models] == [""]
    model = gf.default_model()
    assert ops(model) == ["fail", "prepare", "train"]
    train = model.operations["train"]
    assert train.full_name == "train"
    assert train.description == "Train a model"
    assert train.flags_import is True
    assert train.main == "train"
    assert model.operations["prepare"].main == "prepare_data"
    assert model.operations["fail"].main == "fail"
    assert train.project_dir == str(tmp_path)
    assert train.guildfile_path == str(tmp_path / "guild.yml")


def test_empty_file_has_no_models(tmp_path):
    gf = load(tmp_path, "")
    assert gf.models == []
    assert gf.default_model() is None


def test_form_b_models_configs_and_packages(tmp_path):
    gf = load(tmp_path, """
        - config: base
          operations:
            hidden: {}
        - model: m1
          operations:
            train: {}
        - model: m2
          default: yes
          operations:
            eval: {}
        - package: pkg
        - operations:
            anon: {}
    """)
    assert [m.name for m in gf.models] == ["m1", "m2", ""]
    assert gf.default_model().name == "m2"
    assert gf.models[0].operations["train"].full_name == "m1:train"


def test_default_model_needs_one_model_or_default_flag(tmp_path):
    gf = load(tmp_path, """
        - model: a
        - model: b
    """)
    assert gf.default_model() is None


def test_default_operation_rules(tmp_path):
    gf = load(tmp_path, """
        - model: a
          operations:
            x: {}
            y: {default: yes}
            z: {default: yes}
        - model: b
          operations:
            _hidden: {}
            only: {}
        - model: c
          operations:
            one: {}
            two: {}
    """)
    a, b, c = gf.models
    assert a.default_operation().name == "y"
    assert b.default_operation().name == "only"
    assert c.default_operation() is None


def test_implied_main_and_exec_steps(tmp_path):
    gf = load(tmp_path, """
        my-op.py: {}
        e: {exec: "echo ${x}"}
        p: {steps: [a, b]}
        empty-steps: {steps: []}
        plug: {main: guild.plugins.foo}
    """)
    m = gf.default_model().operations
    assert m["my-op.py"].main == "my_op"
    assert m["my-op.py"].is_python
    assert m["e"].exec == "echo ${x}" and m["e"].main is None and not m["e"].is_python
    assert m["p"].is_pipeline and m["p"].main is None and m["p"].steps == ["a", "b"]
    assert not m["empty-steps"].is_pipeline and m["empty-steps"].main == "empty_steps"
    assert not m["plug"].is_python


def test_main_with_steps_ignores_steps(tmp_path, capsys):
    gf = load(tmp_path, """
        p: {main: x, steps: [a]}
    """)
    op = gf.default_model().operations["p"]
    assert not op.is_pipeline and op.steps is None
    assert "WARNING: operation 'main' and 'steps' both specified, ignoring 'steps'" in capsys.readouterr().err


def test_op_keys_are_normalized(tmp_path):
    gf = load(tmp_path, """
        train:
          tags: one
          requires: {file: data.csv}
          env: {A: 1}
          env-secrets: TOKEN
          flags-import-skip: [a]
          flags-dest: globals
          label: "lr=${lr}"
          output-scalars: no
          delete-on-success: yes
          default-max-trials: 5
          handle-keyboard-interrupt: yes
          default-flag-arg-skip: yes
          python-path: src
          run-attrs: {a: 1}
          compare: [loss]
          optimizers: [gp, forest]
          objective: {maximize: acc}
        tune:
          optimizer: {algorithm: gp, noise: 0.1}
    """)
    op = gf.default_model().operations["train"]
    assert op.tags == ["one"]
    assert op.requires == [{"file": "data.csv"}]
    assert op.env == {"A": 1}
    assert op.env_secrets == ["TOKEN"]
    assert op.flags_import_skip == ["a"]
    assert op.flags_dest == "globals"
    assert op.label == "lr=${lr}"
    assert op.output_scalars is False
    assert op.delete_on_success is True
    assert op.default_max_trials == 5
    assert op.handle_keyboard_interrupt and op.default_flag_arg_skip
    assert op.python_path == ["src"]
    assert op.run_attrs == {"a": 1}
    assert op.compare == ["loss"]
    assert op.optimizers == {"gp": {"algorithm": "gp"}, "forest": {"algorithm": "forest"}}
    assert op.objective == {"maximize": "acc"}
    assert op.raw["flags-dest"] == "globals"
    tune = gf.default_model().operations["tune"]
    assert tune.optimizers == {"gp": {"algorithm": "gp", "noise": 0.1}}
    assert tune.requires == [] and tune.tags == [] and tune.flags_import is None


def test_flags_are_normalized_and_sorted(tmp_path):
    gf = load(tmp_path, """
        train:
          flags:
            lr: 0.1
            b: [1, 2]
            n: null
            big: 1e3
            c:
              default: red
              choices: [red, blue]
    """)
    flags = gf.default_model().operations["train"].flags
    assert list(flags) == ["b", "big", "c", "lr", "n"]
    assert flags["lr"] == {"default": 0.1}
    assert flags["b"] == {"default": [1, 2]}
    assert flags["n"] == {"default": None}
    assert flags["big"] == {"default": 1000.0}
    assert flags["c"] == {"default": "red", "choices": ["red", "blue"]}


@pytest.mark.parametrize("val,expected", [
    ("all", True), ("yes", True), ("no", False), ("[]", False), ("[a, b]", ["a", "b"]),
])
def test_flags_import_values(tmp_path, val, expected):
    gf = load(tmp_path, f"train: {{flags-import: {val}}}\n")
    assert gf.default_model().operations["train"].flags_import == expected


def test_md5_is_hex_of_file_bytes(tmp_path):
    import hashlib

    gf = load(tmp_path, "train: {}\n")
    assert gf.md5 == hashlib.md5((tmp_path / "guild.yml").read_bytes()).hexdigest()


def test_loaded_files_are_cached_until_changed(tmp_path):
    gf1 = load(tmp_path, "train: {}\n")
    assert load_guildfile(str(tmp_path / "guild.yml")) is gf1
    gf2 = load(tmp_path, "train: {}\neval: {}\n")
    assert gf2 is not gf1 and ops(gf2.models[0]) == ["eval", "train"]


# --- extends, operation-defaults, params ---------------------------------------------------------


def test_extends_merges_flags_attributes(tmp_path):
    gf = load(tmp_path, """
        - config: base
          description: Base model
          operations:
            train:
              description: Train
              main: base_train
              flags:
                lr:
                  description: Learning rate
                  default: 0.1
                layers: [1, 2]
        - model: child
          extends: base
          operations:
            train:
              flags:
                lr: 0.5
                layers: [3]
            eval: {}
    """)
    [model] = gf.models
    assert model.description == "Base model"
    train = model.operations["train"]
    assert train.main == "base_train"
    assert train.description == "Train"
    assert train.flags["lr"] == {"default": 0.5, "description": "Learning rate"}
    assert train.flags["layers"] == {"default": [3]}  # lists are never merged
    assert ops(model) == ["eval", "train"]


def test_extends_several_parents_first_wins_mro(tmp_path):
    gf = load(tmp_path, """
        - config: c
          operations:
            op: {description: from c, label: c}
        - config: a
          extends: c
          operations:
            op: {flags: {x: a}}
        - config: b
          extends: c
          operations:
            op: {description: from b, flags: {x: b, y: b}}
        - model: m
          extends: "[a, b]"
    """)
    op = gf.models[0].operations["op"]
    assert op.flags == {"x": {"default": "a"}, "y": {"default": "b"}}
    assert op.description == "from b"  # b comes before c in the MRO
    assert op.label == "c"


def test_model_can_extend_model(tmp_path):
    gf = load(tmp_path, """
        - model: base
          operations:
            train: {flags: {x: 1}}
        - model: sub
          extends: base
    """)
    assert gf.get_model("sub").operations["train"].flags == {"x": {"default": 1}}


def test_operation_defaults_shallow_fill(tmp_path):
    gf = load(tmp_path, """
        - model: m
          operation-defaults:
            flags: {z: 1}
            tags: [t]
          operations:
            a: {}
            b: {flags: {}}
            c: {tags: [own]}
    """)
    m = gf.models[0].operations
    assert m["a"].flags == {"z": {"default": 1}} and m["a"].tags == ["t"]
    assert m["b"].flags == {}
    assert m["c"].tags == ["own"]


def test_params(tmp_path):
    gf = load(tmp_path, """
        - config: base
          params:
            n: 10.0
            label: base
          operations:
            train:
              flags:
                n: '{{n}}'
                msg: 'n is {{n}}'
                other: '{{undefined}}'
                lbl: '{{derived}}'
        - model: m
          extends: base
          params:
            n: 2
            derived: 'from {{label}}'
    """)
    flags = gf.models[0].operations["train"].flags
    assert flags["n"] == {"default": 2}
    assert flags["msg"] == {"default": "n is 2"}
    assert flags["other"] == {"default": "{{undefined}}"}
    assert flags["lbl"] == {"default": "from base"}


def test_param_keeps_its_type(tmp_path):
    gf = load(tmp_path, """
        - model: m
          params: {n: 10.0}
          operations:
            train: {flags: {n: '{{n}}', s: 'n is {{n}}'}}
    """)
    flags = gf.models[0].operations["train"].flags
    assert flags["n"]["default"] == 10.0 and isinstance(flags["n"]["default"], float)
    assert flags["s"]["default"] == "n is 10.0"


# --- include / $include --------------------------------------------------------------------------


def test_include_splices_items(tmp_path):
    (tmp_path / "common.yml").write_text("- config: shared\n  operations:\n    train: {flags: {x: 1}}\n"
                                         "- model: inc\n  operations:\n    hi: {}\n")
    gf = load(tmp_path, """
        - include: common.yml
        - model: m
          extends: shared
    """)
    assert [m.name for m in gf.models] == ["inc", "m"]
    assert gf.get_model("m").operations["train"].flags == {"x": {"default": 1}}


def test_include_not_found(tmp_path, capsys):
    detail = load_error(tmp_path, capsys, "- include: nope.yml\n")
    assert detail == ("cannot find include 'nope.yml' (includes must be local to including Guild file "
                      "or a Guild package on the system path)")


def test_include_cycle(tmp_path, capsys):
    (tmp_path / "a.yml").write_text("- include: guild.yml\n")
    with pytest.raises(GuildfileError):
        load(tmp_path, "- include: a.yml\n")
    a, top = tmp_path / "a.yml", tmp_path / "guild.yml"
    assert capsys.readouterr().err == f"ERROR: error in {a}: cycle in 'include' ({top} -> {a} -> {top})\n"


def test_dollar_include_flags(tmp_path):
    gf = load(tmp_path, """
        - config: base-flags
          flags:
            lr: {default: 0.1, description: Learning rate}
            epochs: 10
            batch: 32
        - model: m
          params: {p: 1}
          operations:
            train:
              flags:
                $include: base-flags
                lr: 0.2
            eval:
              flags:
                $include: base-flags#epochs,batch
            test:
              flags:
                $include: m:train#lr
    """)
    m = gf.models[0].operations
    assert m["train"].flags == {
        "batch": {"default": 32}, "epochs": {"default": 10},
        "lr": {"default": 0.2, "description": "Learning rate"},
    }
    assert list(m["eval"].flags) == ["batch", "epochs"]
    assert m["test"].flags == {"lr": {"default": 0.2, "description": "Learning rate"}}


def test_dollar_include_reads_raw_unparameterized_data(tmp_path):
    gf = load(tmp_path, """
        - config: base
          flags:
            x: '{{p}}'
        - model: m
          params: {p: 5}
          operations:
            a: {flags: {$include: base}}
            b: {flags: {x: '{{p}}'}}
    """)
    m = gf.models[0].operations
    assert m["a"].flags == {"x": {"default": "{{p}}"}}
    assert m["b"].flags == {"x": {"default": 5}}


def test_dollar_include_operations_and_resources(tmp_path):
    gf = load(tmp_path, """
        - config: ops
          operations:
            prepare: {description: Prepare}
            train: {description: Train}
          resources:
            data: [data.csv]
        - model: m
          operations:
            $include: ops
            train: {main: my_train}
          resources:
            $include: ops
    """)
    m = gf.models[0]
    assert ops(m) == ["prepare", "train"]
    assert m.operations["train"].description == "Train"
    assert m.operations["train"].main == "my_train"
    assert m.resources == {"data": {"sources": ["data.csv"]}}
    assert m.operations["train"].resources == m.resources


def test_dollar_include_in_step_flags(tmp_path):
    gf = load(tmp_path, """
        - config: c
          flags: {x: 1}
        - model: m
          operations:
            p:
              steps:
                - run: a
                  flags: {$include: c, y: 2}
                - b
    """)
    steps = gf.models[0].operations["p"].steps
    assert steps == [{"run": "a", "flags": {"x": {"default": 1}, "y": 2}}, "b"]


def test_bad_include_reference(tmp_path, capsys):
    detail = load_error(tmp_path, capsys, """
        train:
          flags:
            $include: nowhere
    """)
    assert detail == "invalid include reference 'nowhere': cannot find target"


# --- errors and warnings -------------------------------------------------------------------------


@pytest.mark.parametrize("text,detail", [
    ("- foo: bar\n", "missing required type (one of: config, include, model, package) in {'foo': 'bar'}"),
    ("- model: m\n  config: c\n", "multiple types (config, model) in {'model': 'm', 'config': 'c'}"),
    ("train:\n  flags: 5\n", "invalid flags value 5: expected a mapping"),
    ("train: 5\n", "invalid value for operation '5' 'train': expected a string or a mapping"),
    ("train:\n  flags-import: hello\n",
     "invalid flags-import value 'hello': expected yes/all, no, or a list of flag names"),
    ("train:\n  sourcecode: 123\n", "invalid select files spec 123: expected a string, list, or mapping"),
    ("train:\n  flags:\n    x:\n      choices: {a: 1}\n",
     "invalid flag choice data {'a': 1}: expected a list of values or mappings"),
    ("- model: m1\n- model: m1\n", "duplicate model 'm1'"),
    ("- model: m\n  extends: x\n", "undefined model or config 'x'"),
    ("- config: a\n  extends: b\n- config: b\n  extends: a\n- model: m\n  extends: a\n",
     "cycle in 'extends' (a -> b -> a)"),
    ("hello\n", "invalid guildfile data 'hello': expected a mapping"),
    ("- model: m\n  resources:\n    r: 123\n", "invalid resource value 123: expected a mapping or a list"),
    ("train:\n  requires: [123]\n", "invalid dependency value 123: expected a string or mapping"),
])
def test_error_details(tmp_path, capsys, text, detail):
    assert load_error(tmp_path, capsys, text) == detail


def test_yaml_syntax_error_has_pyyaml_message_with_line(tmp_path, capsys):
    detail = load_error(tmp_path, capsys, "train: [\n")
    assert detail.startswith("while parsing a flow node\n")
    assert "line 2, column 1" in detail


def test_error_is_reported_once_and_raised_again(tmp_path, capsys):
    load_error(tmp_path, capsys, "train: 5\n")
    with pytest.raises(GuildfileError):
        load_guildfile(str(tmp_path / "guild.yml"))
    assert capsys.readouterr().err == ""


def test_unknown_sourcecode_key_warns(tmp_path, capsys):
    gf = load(tmp_path, """
        train:
          sourcecode:
            root: src
            -exclude: '*.txt'
    """)
    assert gf.default_model().operations["train"].sourcecode["root"] == "src"
    assert capsys.readouterr().err == "WARNING: unexpected sourcecode attribute(s) in guild.yml: -exclude\n"


def test_unknown_resource_dependency_warns(tmp_path, capsys):
    load(tmp_path, """
        - model: m
          resources:
            data: [a.csv]
          operations:
            ok: {requires: data}
            other: {requires: "m:data"}
            bad: {requires: operation:prepare}
            inline: {requires: [{operation: prepare}]}
    """)
    assert capsys.readouterr().err == (
        "WARNING: cannot find resource definition for dependency operation:prepare\n")


def test_unknown_op_and_flag_keys_are_kept(tmp_path):
    gf = load(tmp_path, """
        train:
          whatever: 1
          flags:
            x: {default: 1, custom: yes}
    """)
    op = gf.default_model().operations["train"]
    assert op.raw["whatever"] == 1
    assert op.flags["x"] == {"default": 1, "custom": True}
