"""Trial generation (grid, random, batch files) and trial run creation from the proto
(pipelines-and-batches.md §4.2, §4.4, §4.5, §5.2–5.3)."""

from __future__ import annotations

import itertools
import math
import os
import random
import shutil
from typing import Any

from guild.errors import GuildError
from guild.store.run import Run


def flags_desc(flags: dict[str, Any]) -> str:
    from guild.flags import encode

    return ", ".join(encode.flag_assign(n, flags[n]) for n in sorted(flags) if flags[n] is not None)


# ---- grid

def grid_trials(flags: dict[str, Any], max_trials: int | None, seed: int | None,
                rng: random.Random | None = None) -> list[dict[str, Any]]:
    """Cartesian product over flag names in ascending order, first name slowest (§4.4)."""
    names = sorted(flags)
    value_lists = [flags[n] if isinstance(flags[n], list) else [flags[n]] for n in names]
    trials = [dict(zip(names, combo)) for combo in itertools.product(*value_lists)]
    functions = {n for n in names if _function(flags[n])}
    if functions:
        rng = rng or random.Random(seed)
        for i, trial in enumerate(trials):
            for n in sorted(functions):
                trial[n] = sample_dimension(_function(flags[n]), rng, first=i == 0)
    if max_trials is not None and len(trials) > max_trials:
        random.seed(seed)
        chosen = sorted(random.sample(range(len(trials)), max_trials))
        trials = [trials[i] for i in chosen]
    return trials


def _function(value: Any):
    from guild.flags import search

    if isinstance(value, str):
        return search.parse_function(value)
    return None


# ---- random search

def has_dimensions(flags: dict[str, Any]) -> bool:
    return any(isinstance(v, list) or _function(v) for v in flags.values())


def random_trials(flags: dict[str, Any], count: int, seed: int | None) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    trials = []
    for i in range(count):
        trial = {}
        for name in sorted(flags):
            val = flags[name]
            func = _function(val)
            if func:
                trial[name] = sample_dimension(func, rng, first=i == 0, flag=name)
            elif isinstance(val, list):
                trial[name] = rng.choice(val) if val else None
            else:
                trial[name] = val
        trials.append(trial)
    return trials


def sample_dimension(func: tuple, rng: random.Random, first: bool = False, flag: str = "") -> Any:
    name, args = func
    name = name or "uniform"
    if name not in ("uniform", "loguniform"):
        from guild.util import log

        log.error(f"unknown function '{name}' used for flag {flag}")
        raise GuildError("", quiet=True)
    if len(args) not in (2, 3):
        from guild.util import log

        log.error(f"{name} requires 2 or 3 args, got {tuple(args)} for flag {flag}")
        raise GuildError("", quiet=True)
    low, high = args[0], args[1]
    if first and len(args) == 3 and args[2] is not None:
        return args[2]
    if not low < high:
        raise GuildError(
            f"invalid function args in '{flag}={name}[{low}:{high}]': "
            f"the lower bound {low} has to be less than the upper bound {high}"
        )
    if name == "loguniform":
        return math.exp(rng.uniform(math.log(low), math.log(high)))
    if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
        return rng.randint(low, high)
    return rng.uniform(float(low), float(high))


# ---- batch files

def read_batch_files(paths: list[str]) -> list[dict[str, Any]]:
    trials: list[dict[str, Any]] = []
    for arg in paths:
        path = os.path.join(".", os.path.expanduser(arg[1:]))
        if not os.path.exists(path):
            raise GuildError(f"batch file {path} does not exist")
        trials.extend(_read_batch_file(path))
    return trials


def _read_batch_file(path: str) -> list[dict[str, Any]]:
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if ext in ("", ".csv"):
            return _csv_trials(text)
        if ext in (".json", ".yml", ".yaml"):
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
    ]


# ---- trial runs

def create_trial(batch: Run, proto: Run, flags: dict[str, Any], runs_dir: str) -> Run:
    """A new trial run: link in the batch dir, proto tree copied, trial attrs written (§4.2)."""
    from guild.engine import lifecycle, plan as plan_mod

    trial_id = lifecycle.new_run_id()
    trial_dir = os.path.join(runs_dir, trial_id)
    os.symlink(os.path.join("..", trial_id), os.path.join(batch.path, trial_id))
    shutil.copytree(proto.path, trial_dir, symlinks=True)
    trial = Run(trial_id, trial_dir)
    trial.set_marker("PENDING")
    trial.write_attr("id", trial_id)
    trial.write_attr("flags", flags)
    template = (proto.get("op") or {}).get("label-template")
    label = plan_mod.render_label(template, flags)
    if label:
        trial.write_attr("label", label)
    else:
        trial.del_attr("label")
    from guild.util import clock

    trial.write_attr("started", clock.timestamp_us())
    return trial
