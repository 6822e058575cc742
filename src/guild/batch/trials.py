"""Trial generation (grid, random, batch files) and trial run creation from the proto
(pipelines-and-batches.md §4.2, §4.4, §4.5, §5.2–5.3)."""

from __future__ import annotations

import itertools
import os
import random

from guild.batch import space
from guild.errors import GuildError
from guild.store.run import Run, incomplete_path

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


# ---- grid

def grid_trials(flags: dict[str, Any], max_trials: int | None, seed: int | None,
                rng: random.Random | None = None) -> list[dict[str, Any]]:
    """Cartesian product over flag names in ascending order, first name slowest (§4.4).

    Flag functions draw a new value per trial (the first trial takes the initial value)."""
    names = sorted(flags)
    value_lists = [flags[n] if isinstance(flags[n], list) else [flags[n]] for n in names]
    trials = [dict(zip(names, combo)) for combo in itertools.product(*value_lists)]
    functions = [
        space.function_dimension(n, func) for n in names if (func := space.function_of(flags[n])) is not None
    ]
    if functions:
        rng = rng or random.Random(seed)
        for i, trial in enumerate(trials):
            trial.update(space.random_point(functions, rng, first=i == 0))
    return sample_trials(trials, max_trials, seed)


def sample_trials(trials: list[dict[str, Any]], max_trials: int | None, seed: int | None) -> list[dict[str, Any]]:
    """At most `max_trials` trials, chosen as Guild does, kept in their order (§4.4)."""
    if max_trials is None or len(trials) <= max_trials:
        return trials
    # Same draws as Guild's `random.seed(seed); random.sample(...)`, without the global state.
    chosen = sorted(random.Random(seed).sample(range(len(trials)), max_trials))
    return [trials[i] for i in chosen]


def file_grid_trials(flags: dict[str, Any], user_flags: dict[str, Any], file_trials: list[dict[str, Any]],
                     max_trials: int | None, seed: int | None) -> list[dict[str, Any]]:
    """Batch-file trials: proto flags, overridden by each row, overridden by user flags, each
    grid-expanded (§4.5)."""
    result: list[dict[str, Any]] = []
    rng = random.Random(seed)  # one chain for the flag functions of every row
    for row in file_trials:
        result.extend(grid_trials({**flags, **row, **user_flags}, None, seed, rng))
    return sample_trials(result, max_trials, seed)


# ---- random search

def random_trials(flags: dict[str, Any], count: int, seed: int | None) -> list[dict[str, Any]]:
    """`count` random points of the flags' search space, seeded (§5.3)."""
    dims, fixed = space.require_dimensions(flags)
    rng = random.Random(seed)
    return [{**fixed, **space.random_point(dims, rng, first=i == 0)} for i in range(count)]


# ---- batch files

def read_batch_files(paths: list[str], cwd: str) -> list[dict[str, Any]]:
    """The trials of `@PATH` args (given without the `@`, relative to `cwd`), concatenated in
    order (§4.5)."""
    trials: list[dict[str, Any]] = []
    for arg in paths:
        path = os.path.join(".", os.path.expanduser(arg))  # as messages show it
        if not os.path.exists(os.path.join(cwd, path)):
            raise GuildError(f"batch file {path} does not exist")
        trials.extend(_read_batch_file(path, cwd))
    return trials


def _read_batch_file(path: str, cwd: str) -> list[dict[str, Any]]:
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(os.path.join(cwd, path), encoding="utf-8") as f:
            text = f.read()
        if ext in ("", ".csv"):
            return _csv_trials(text)
        if ext == ".json":
            import json

            data = json.loads(text)
        elif ext in (".yml", ".yaml"):
            from guild.util import yamlutil

            data = yamlutil.load(text)
        else:
            raise GuildError(f"cannot read trials for {path}: unsupported extension")
    except GuildError:
        raise
    except Exception as e:
        raise GuildError(f"cannot read trials for {path}: {e}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise GuildError(
            f"cannot read trials for {path}: invalid data type for trials: expected list or dict, "
            f"got {type(data).__name__}"
        )
    for item in data:
        if not isinstance(item, dict):
            raise GuildError(f"cannot read trials for {path}: invalid data type for trial {item!r}: expected dict")
    return data


def _csv_trials(text: str) -> list[dict[str, Any]]:
    import csv
    import io

    from guild.flags import decode

    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = rows[0]
    return [
        {name: decode.decode_flag_value(cell) for name, cell in zip(header, row)}
        for row in rows[1:]
        if row
    ]


# ---- trial runs

def create_trial(batch: Run, proto: Run, flags: dict[str, Any], runs_dir: str,
                 trial_id: str | None = None) -> Run:
    """A new pending trial run: link in the batch dir, proto tree copied, trial attrs written
    (§4.2). Its ID is `trial_id` or a new one."""
    import shutil

    from guild.engine import lifecycle, plan as plan_mod
    from guild.util import clock

    trial_id = trial_id or lifecycle.new_run_id()
    trial_dir = os.path.join(runs_dir, trial_id)
    trial = Run(trial_id, incomplete_path(trial_dir))
    shutil.copytree(proto.path, trial.path, symlinks=True, ignore=_rewritten_attrs)
    trial.mark_pending()
    trial.write_attr("id", trial_id)
    trial.write_attr("flags", flags)
    trial.write_attr("user_flags", {})
    op = proto.get("op") or {}
    label = plan_mod.render_label(op.get("label-template"), flags)
    if label:
        trial.write_attr("label", label)
    else:
        trial.del_attr("label")
    if any(isinstance(dep, dict) and dep.get("config") for dep in op.get("deps") or []):
        trial.write_attr("op", _with_dep_config(op, flags))
    trial.write_attr("started", clock.timestamp_us())
    lifecycle.publish(trial, trial_dir)
    os.symlink(os.path.join("..", trial_id), os.path.join(batch.path, trial_id))
    return trial


def _rewritten_attrs(src: str, names: list[str]) -> set[str]:
    """Proto attrs a trial writes itself, so not worth copying."""
    if os.path.basename(src) == "attrs" and os.path.basename(os.path.dirname(src)) == ".guild":
        return {"id", "flags", "user_flags", "label"}.intersection(names)
    return set()


def _with_dep_config(op: dict, flags: dict[str, Any]) -> dict:
    """The op config with the trial's flag values applied to its dependencies' `config` keys."""
    deps = []
    for dep in op.get("deps") or []:
        if isinstance(dep, dict) and isinstance(dep.get("config"), dict):
            dep = {**dep, "config": {k: flags.get(k, v) for k, v in dep["config"].items()}}
        deps.append(dep)
    return {**op, "deps": deps}
