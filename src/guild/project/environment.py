"""A project's Python environment (`guild init`): where it goes, which interpreter (from
`--python` or a `# python<spec>` comment in requirements.txt), the requirements to install, and
making it: a virtual environment with guild and the requirements installed, and a `guild-env`
script to activate it."""

from __future__ import annotations

import os
import re
import sys

from guild.errors import GuildError


class EnvPlan:
    """What `guild init` will do."""

    def __init__(self, project_dir: str, path: str, name: str, python: str | None, system_site_packages: bool,
                 guild_spec: str, requirements: list[str], local_cache: bool):
        self.project_dir = project_dir
        self.path = path
        self.name = name
        self.python = python
        self.system_site_packages = system_site_packages
        self.guild_spec = guild_spec
        self.requirements = requirements
        self.local_cache = local_cache


def plan_env(project_dir: str, *, path: str | None = None, name: str | None = None, python: str | None = None,
             system_site_packages: bool = False, guild: str | None = None, requirements: list[str] | None = None,
             no_reqs: bool = False, local_cache: bool = False) -> EnvPlan:
    """The environment `guild init` makes for `project_dir`. Raises GuildError for a bad
    `# python<spec>` requirement comment."""
    reqs = list(requirements or [])
    default_reqs = os.path.join(project_dir, "requirements.txt")
    if not reqs and not no_reqs and os.path.isfile(default_reqs):
        reqs = [default_reqs]
    if python is None:
        python = _python_from_requirements(reqs, project_dir)
    return EnvPlan(
        project_dir, os.path.abspath(os.path.join(project_dir, path or "venv")),
        name or os.path.basename(os.path.abspath(project_dir)), python, system_site_packages,
        guild or default_guild_spec(), reqs, local_cache,
    )


def default_guild_spec() -> str:
    """What installs this guild: its source checkout when it has one, else its distribution."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    checkout = os.path.dirname(here)
    if os.path.isfile(os.path.join(checkout, "pyproject.toml")):
        return checkout
    from guild import __version__

    return f"guild-modern=={__version__}"


_PYTHON_REQ = re.compile(r"^#\s*python\s*(.*)$")


def _python_from_requirements(paths: list[str], project_dir: str) -> str | None:
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            m = _PYTHON_REQ.match(line.strip())
            if m:
                return _python_for_spec(m.group(1).strip(), _shown(path, project_dir))
    return None


def _shown(path: str, project_dir: str) -> str:
    rel = os.path.relpath(path, project_dir)
    return rel if rel.startswith("..") else os.path.join(".", rel)


def _python_for_spec(spec: str, where: str) -> str:
    """The interpreter satisfying a PEP 440 specifier list (`>=3.6,<4`): this one when it does."""
    clauses = [c.strip() for c in spec.split(",") if c.strip()]
    parsed = [re.match(r"^(==|!=|<=|>=|<|>|~=)\s*(\d+(?:\.\d+)*)$", c) for c in clauses]
    if not clauses or not all(parsed):
        raise GuildError(
            f"invalid Python requirement '{spec}' in {where}",
            hint="Modify the requirement in that file or use '--python <version>'\nto provide an explicit version.")
    version = sys.version_info[:3]
    if all(_satisfies(version, m.group(1), m.group(2)) for m in parsed):
        return sys.executable
    raise GuildError(f"this Python ({'.'.join(map(str, version))}) does not satisfy 'python{spec}' in {where}",
                     hint="Use '--python <version>' to name an interpreter that does.")


def _satisfies(version: tuple[int, ...], op: str, text: str) -> bool:
    want = tuple(int(p) for p in text.split("."))
    have = version[:len(want)]
    return {"==": have == want, "!=": have != want, "<=": have <= want, ">=": have >= want,
            "<": version < want + (0,) * (3 - len(want)), ">": have > want,
            "~=": have >= want and version[:len(want) - 1] == want[:-1]}[op]


def python_exe(python: str | None) -> str:
    """The interpreter `--python` names (`3`, `3.11`, `python3.11` or a path); this one by default."""
    import shutil

    if not python:
        return sys.executable
    if os.path.sep in python:
        return python
    name = python if python.startswith("python") else f"python{python}"
    found = shutil.which(name)
    if not found:
        raise GuildError(f"cannot find a Python interpreter for '{python}'")
    return found


def create_env(plan: EnvPlan, log) -> None:
    """Make the environment: venv, pip upgraded, guild and the requirements installed, and the
    `guild-env` activation script. `log(message)` reports each step."""
    import subprocess

    def call(argv: list[str]) -> None:
        try:
            subprocess.run(argv, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            raise GuildError(f"error initializing environment: {e}") from None

    log("Creating virtual environment")
    argv = [python_exe(plan.python), "-m", "venv", plan.path, "--prompt", plan.name]
    if plan.system_site_packages:
        argv.append("--system-site-packages")
    call(argv)
    pip = [os.path.join(plan.path, "bin", "python"), "-m", "pip", "install", "-q"]
    log("Upgrading pip")
    call([*pip, "--upgrade", "pip"])
    log(f"Installing Guild {plan.guild_spec}")
    call([*pip, plan.guild_spec])
    for req in plan.requirements:
        log(f"Installing requirements in {_shown(req, plan.project_dir)}")
        call([*pip, "-r", req])
    guild_home = os.path.join(plan.path, ".guild")
    os.makedirs(os.path.join(guild_home, "runs"), exist_ok=True)
    if not plan.local_cache:
        shared = os.path.join(os.path.expanduser("~"), ".guild", "cache")
        os.makedirs(shared, exist_ok=True)
        if not os.path.lexists(os.path.join(guild_home, "cache")):
            os.symlink(shared, os.path.join(guild_home, "cache"))
    script = os.path.join(plan.project_dir, "guild-env")
    with open(script, "w") as f:
        f.write(f". '{os.path.join(plan.path, 'bin', 'activate')}'\n")
