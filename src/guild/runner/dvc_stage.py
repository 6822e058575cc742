"""The process of `guild run dvc.yaml:STAGE`, in the run directory: a DVC repository without SCM is
made there when there is none, the stage is reproduced by DVC (`dvc repro --single-item --force`),
then the numbers in the stage's metrics files are printed as `name: value` lines, which guild
logs as scalars. Usage: python -m guild.runner.dvc_stage STAGE [METRICS_FILE...]"""

from __future__ import annotations

import json
import os
import subprocess
import sys

DVC = [sys.executable, "-m", "dvc"]  # the DVC installed beside guild, wherever PATH points


def main(argv: list[str]) -> int:
    stage, metrics = argv[0], argv[1:]
    if not os.path.isdir(".dvc"):
        subprocess.run([*DVC, "init", "--no-scm", "-q"], check=True)
    code = subprocess.call([*DVC, "repro", "--single-item", "--force", stage])
    if code != 0:
        return code
    for path in metrics:
        for name, value in _numbers(_load(path)):
            print(f"{name}: {value}", flush=True)
    return 0


def _load(path: str):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        sys.stderr.write(f"metrics file {path} was not written\n")
        return {}
    if path.endswith(".json"):
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def _numbers(data, prefix: str = ""):
    """(dotted name, number) of every number in nested mappings."""
    if isinstance(data, dict):
        for key, val in data.items():
            yield from _numbers(val, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(data, (int, float)) and not isinstance(data, bool) and prefix:
        yield prefix, data


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
